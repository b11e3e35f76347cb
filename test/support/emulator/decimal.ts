/**
 * Decimal text helpers. The AHDS SQL store indexes numbers as decimal(36,18) and fails values it
 * cannot hold with 400 "Arithmetic overflow" (protocol reference 5.4); the emulator's rule is
 * "more than 18 significant digits", counted on the source text (never through a JS double).
 */

export const MAX_SIGNIFICANT_DIGITS = 18;

interface DecimalParts {
  sign: string;
  intPart: string;
  fracPart: string;
  exponent: string;
}

function split(text: string): DecimalParts {
  const m = /^(-?)(\d+)(?:\.(\d+))?([eE][+-]?\d+)?$/.exec(text);
  if (m === null) throw new Error(`not a JSON number: ${text}`);
  return { sign: m[1] ?? "", intPart: m[2] ?? "", fracPart: m[3] ?? "", exponent: m[4] ?? "" };
}

/** Significant digits of a JSON number text: leading zeros do not count, trailing zeros do (FHIR precision). */
export function significantDigits(text: string): number {
  const { intPart, fracPart } = split(text);
  const digits = (intPart + fracPart).replace(/^0+/, "");
  return digits.length;
}

/** Keeps at most `max` significant digits, truncating (not rounding) the rest. */
export function truncateSignificant(text: string, max: number): string {
  if (significantDigits(text) <= max) return text;
  const { sign, intPart, fracPart, exponent } = split(text);
  const all = intPart + fracPart;
  const firstNonZero = all.search(/[1-9]/);
  const keepUntil = firstNonZero + max; // index in `all` after the last kept digit
  if (keepUntil <= intPart.length) {
    const kept = intPart.slice(0, keepUntil) + "0".repeat(intPart.length - keepUntil);
    return `${sign}${kept}${exponent}`;
  }
  const frac = fracPart.slice(0, keepUntil - intPart.length);
  return `${sign}${intPart}${frac.length > 0 ? `.${frac}` : ""}${exponent}`;
}
