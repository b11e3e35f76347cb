/**
 * Decimal rules of the AHDS SQL store. Number and quantity search values are indexed in
 * `decimal(36,18)` columns (src/Microsoft.Health.Fhir.SqlServer/Features/Schema/Sql/Tables/
 * NumberSearchParam.sql, QuantitySearchParam.sql): 18 integer digits and 18 fraction digits.
 * Extra fraction digits are rounded when the value is converted (SqlDecimal.ConvertToPrecScale),
 * never rejected; a value of 1e18 or more in absolute value cannot be held and throws an
 * OverflowException. Everything is decided on the source text, never through a JS double.
 */
import { RawNumber, type LosslessObject } from "../src/core/losslessJson";

/** Integer digits a decimal(36,18) column holds. */
export const MAX_INTEGER_DIGITS = 18;

/** The message of the OverflowException SqlDecimal throws (System.Data.SqlTypes SQLResource.ConversionOverflowMessage). */
export const CONVERSION_OVERFLOWS = "Conversion overflows.";

interface DecimalParts {
  sign: string;
  intPart: string;
  fracPart: string;
  exponent: number;
}

function split(text: string): DecimalParts {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) throw new Error(`not a JSON number: ${text}`);
  return {
    sign: m[1] ?? "",
    intPart: m[2] ?? "",
    fracPart: m[3] ?? "",
    exponent: m[4] === undefined ? 0 : Number(m[4]),
  };
}

/**
 * Digits before the decimal point of |value| once rounded to 18 fraction digits, leading zeros
 * not counted. `999999999999999999.9999999999999999995` rounds up to 1e18 (19 digits).
 */
function integerDigitsAfterRounding(text: string): number {
  const { intPart, fracPart, exponent } = split(text);
  const digits = intPart + fracPart;
  // Position of the decimal point in `digits` after applying the exponent.
  const point = intPart.length + exponent;
  if (point <= 0) return 0;
  const whole =
    point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point);
  const fraction = point >= digits.length ? "" : digits.slice(point);
  let integer = whole.replace(/^0+/, "");
  // Round half away from zero at the 19th fraction digit, as SqlDecimal does.
  if (fraction.length > 18 && Number(fraction[18]) >= 5 && /^9{18}$/.test(fraction.slice(0, 18))) {
    integer =
      integer.length === 0
        ? "1"
        : /^9+$/.test(integer)
          ? `1${"0".repeat(integer.length)}`
          : integer;
  }
  return integer.length;
}

/** True when the value cannot be held by a decimal(36,18) index column (|value| ≥ 1e18 after rounding). */
export function exceedsDecimal36_18(text: string): boolean {
  return integerDigitsAfterRounding(text) > MAX_INTEGER_DIGITS;
}

/**
 * Where R4 number and quantity search parameters read their values, as JSON paths (arrays are
 * walked through), from the `number` and `quantity` entries of
 * src/Microsoft.Health.Fhir.Core/Data/R4/search-parameters.json. Only these values get an index
 * row; a large number anywhere else is stored without complaint. `*` applies to every type.
 */
const INDEXED_NUMBER_PATHS: Readonly<Record<string, readonly string[]>> = {
  "*": [
    "useContext.valueQuantity.value",
    "useContext.valueRange.low.value",
    "useContext.valueRange.high.value",
  ],
  ChargeItem: ["factorOverride", "priceOverride.value", "quantity.value"],
  Condition: [
    "abatementAge.value",
    "abatementRange.low.value",
    "abatementRange.high.value",
    "onsetAge.value",
    "onsetRange.low.value",
    "onsetRange.high.value",
  ],
  Encounter: ["length.value"],
  Invoice: ["totalGross.value", "totalNet.value"],
  MolecularSequence: [
    "variant.start",
    "variant.end",
    "referenceSeq.windowStart",
    "referenceSeq.windowEnd",
  ],
  Observation: ["valueQuantity.value", "component.valueQuantity.value"],
  RiskAssessment: ["prediction.probabilityDecimal"],
  Substance: ["instance.quantity.value"],
};

function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (path.length === 0) return [value];
  if (value === null || typeof value !== "object") return [];
  const [head, ...rest] = path;
  return valuesAt((value as Record<string, unknown>)[head as string], rest);
}

/**
 * The first indexed number or quantity value of the resource that a decimal(36,18) column cannot
 * hold, as its text; undefined when every indexed value fits.
 */
export function overflowingIndexedNumber(resource: LosslessObject): string | undefined {
  const type = typeof resource.resourceType === "string" ? resource.resourceType : "";
  const paths = [...(INDEXED_NUMBER_PATHS["*"] ?? []), ...(INDEXED_NUMBER_PATHS[type] ?? [])];
  for (const path of paths) {
    for (const v of valuesAt(resource, path.split("."))) {
      if (v instanceof RawNumber && exceedsDecimal36_18(v.text)) return v.text;
    }
  }
  return undefined;
}
