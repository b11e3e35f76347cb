/**
 * A small JSON parser/serializer that keeps numbers as their source text. FHIR decimals keep their
 * precision (`1.50` is not `1.5`) and may carry more digits than a JS double holds: the full check
 * compares number literals as text (src/verify/fullUnit.ts), and the emulator must see and export
 * them exactly as received (the SQL store rejects some of them: decimal(36,18),
 * docs/server-behaviour.md §5.4).
 */

import type { Span } from "./rawJson";

/** A JSON number kept as its source text. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** Already-serialized JSON inserted verbatim by stringifyLossless (resources inside bundles). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type LosslessValue =
  null | boolean | string | RawNumber | LosslessValue[] | { [key: string]: LosslessValue };

export type LosslessObject = { [key: string]: LosslessValue };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseLossless(text: string): LosslessValue {
  let at = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`Invalid JSON: ${what} at position ${at}`);
  };
  const skipSpace = (): void => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else break;
    }
  };
  const parseString = (): string => {
    const start = at;
    at++;
    let escaped = false;
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x5c) {
        escaped = true;
        at += 2;
      } else if (c === 0x22) {
        at++;
        // Most strings hold no escape: their text is the value (JSON.parse only for the others).
        return escaped
          ? (JSON.parse(text.slice(start, at)) as string)
          : checkedPlain(text.slice(start + 1, at - 1));
      } else at++;
    }
    return fail("unterminated string");
  };
  const checkedPlain = (value: string): string =>
    // eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in strings
    /[\u0000-\u001f]/.test(value) ? fail("a control character in a string") : value;
  const parseValue = (): LosslessValue => {
    skipSpace();
    const c = text[at];
    if (c === "{") {
      at++;
      const obj: LosslessObject = {};
      skipSpace();
      if (text[at] === "}") {
        at++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail("expected a property name");
        const key = parseString();
        skipSpace();
        if (text[at] !== ":") fail("expected ':'");
        at++;
        const value = parseValue();
        // defineProperty so that a "__proto__" key stays an ordinary property.
        Object.defineProperty(obj, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipSpace();
        if (text[at] === ",") at++;
        else if (text[at] === "}") {
          at++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      at++;
      const arr: LosslessValue[] = [];
      skipSpace();
      if (text[at] === "]") {
        at++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipSpace();
        if (text[at] === ",") at++;
        else if (text[at] === "]") {
          at++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith("true", at)) {
      at += 4;
      return true;
    }
    if (text.startsWith("false", at)) {
      at += 5;
      return false;
    }
    if (text.startsWith("null", at)) {
      at += 4;
      return null;
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m === null) return fail("unexpected character");
    at += m[0].length;
    return new RawNumber(m[0]);
  };

  const value = parseValue();
  skipSpace();
  if (at !== text.length) fail("unexpected trailing content");
  return value;
}

/** Serializes plain values plus RawNumber/RawJson; undefined properties are skipped like JSON.stringify. */
export function stringifyLossless(value: unknown): string {
  if (value instanceof RawNumber || value instanceof RawJson) return value.text;
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : stringifyLossless(v))).join(",")}]`;
  }
  if (typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${stringifyLossless(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return JSON.stringify(value);
  }
  throw new TypeError(`cannot serialize a ${typeof value}`);
}

export function isLosslessObject(value: LosslessValue | undefined): value is LosslessObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawNumber)
  );
}

/** Visits every RawNumber in a parsed value. */
export function forEachNumber(value: LosslessValue, visit: (n: RawNumber) => void): void {
  if (value instanceof RawNumber) visit(value);
  else if (Array.isArray(value)) for (const v of value) forEachNumber(v, visit);
  else if (isLosslessObject(value)) for (const v of Object.values(value)) forEachNumber(v, visit);
}

/**
 * True when every number literal in `text` (or in `span` of it) reads back as itself: JSON.parse
 * then keeps what the text says, and a lossless read is not needed. `1.50`, `1e2`, `-0` and integers
 * past 2^53 are not (their value prints otherwise). One pass over the text, strings skipped.
 */
export function numbersReadBackExactly(
  text: string,
  span: Span = { start: 0, end: text.length },
): boolean {
  for (let i = span.start; i < span.end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string (a backslash escapes the next character).
      for (i++; i < span.end; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < span.end) {
        const d = text.charCodeAt(j);
        // digits, '.', 'e', 'E', '+', '-'
        if (
          (d >= 0x30 && d <= 0x39) ||
          d === 0x2e ||
          d === 0x65 ||
          d === 0x45 ||
          d === 0x2b ||
          d === 0x2d
        )
          j++;
        else break;
      }
      const literal = text.slice(i, j);
      if (String(Number(literal)) !== literal) return false;
      i = j - 1;
    }
  }
  return true;
}

/**
 * The entries of a parsed search Bundle with every number as the server wrote it: kept as parsed
 * (JSON.parse, fast) when every number literal of the page reads back exactly, else read again
 * from the page's text with parseLossless, so `1.50` stays `1.50` (a RawNumber). `text` is the
 * Bundle's body, `entries` its parsed `entry` array. (Reading only the entries that need it costs
 * more than the whole page once most of them do: one pass to find them, another to cut them out.)
 */
export function entriesAsWritten<E>(entries: readonly E[], text: string): (E | LosslessValue)[] {
  if (numbersReadBackExactly(text)) return [...entries];
  const page = parseLossless(text);
  const lossless = isLosslessObject(page) ? page.entry : undefined;
  if (!Array.isArray(lossless) || lossless.length !== entries.length)
    throw new SyntaxError("The page's text does not hold the entries it was parsed into");
  return lossless;
}
