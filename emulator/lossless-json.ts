/**
 * A small JSON parser/serializer that keeps numbers as their source text. FHIR decimals may carry
 * more digits than a JS double holds; the SQL store rejects some of them (decimal(36,18), protocol
 * docs/server-behaviour.md §5.4) and the emulator must see and export them exactly as received.
 */

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
    while (at < text.length) {
      const c = text[at];
      if (c === "\\") at += 2;
      else if (c === '"') {
        at++;
        return JSON.parse(text.slice(start, at)) as string;
      } else at++;
    }
    return fail("unterminated string");
  };
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
