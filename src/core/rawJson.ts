/**
 * Spans of JSON text, without parsing values: a resource inside a search Bundle is copied exactly as
 * the server wrote it. The server embeds each version's stored raw JSON in the Bundle
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.Shared.Core/Features/Search/BundleFactory.cs,
 * RawBundleEntryComponent) and `$export` writes that same raw JSON as the line
 * (src/Microsoft.Health.Fhir.Core/Features/Operations/Export/ExportJobTask.cs), so the span is the
 * export line to the character; JSON.parse would change numbers such as `1.50` or `1e2`.
 */

/** A value's text: `text.slice(start, end)`. */
export interface Span {
  start: number;
  end: number;
}

export interface Member {
  key: string;
  value: Span;
}

/** Malformed JSON text: a SyntaxError like JSON.parse's, so one check covers both parsers. */
export class RawJsonError extends SyntaxError {
  override readonly name = "RawJsonError";
  constructor(what: string, at: number) {
    super(`Malformed JSON: ${what} at character ${at}`);
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    // space, tab, line feed, carriage return (RFC 8259 whitespace)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

function stringEnd(text: string, i: number): number {
  // text[i] is the opening quote.
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === '"') return j + 1;
  }
  throw new RawJsonError("unterminated string", i);
}

/** End of the value starting at `i` (after whitespace). */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') {
        j = stringEnd(text, j) - 1;
      } else if (d === "{" || d === "[") {
        depth++;
      } else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new RawJsonError("unterminated object or array", i);
  }
  let j = i;
  while (j < text.length && !",}] \t\n\r".includes(text[j] as string)) j++;
  if (j === i) throw new RawJsonError("a value was expected", i);
  return j;
}

/** The members of the object at `span`, in order, with their value spans. */
export function objectMembers(text: string, span: Span): Member[] {
  let i = skipSpace(text, span.start);
  if (text[i] !== "{") throw new RawJsonError("an object was expected", i);
  const members: Member[] = [];
  i = skipSpace(text, i + 1);
  if (text[i] === "}") return members;
  for (;;) {
    if (text[i] !== '"') throw new RawJsonError("a member name was expected", i);
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    if (text[i] !== ":") throw new RawJsonError("':' was expected", i);
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    members.push({ key, value: { start, end } });
    i = skipSpace(text, end);
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (text[i] === "}") return members;
    throw new RawJsonError("',' or '}' was expected", i);
  }
}

/** The element spans of the array at `span`. */
export function arrayElements(text: string, span: Span): Span[] {
  let i = skipSpace(text, span.start);
  if (text[i] !== "[") throw new RawJsonError("an array was expected", i);
  const elements: Span[] = [];
  i = skipSpace(text, i + 1);
  if (text[i] === "]") return elements;
  for (;;) {
    const end = valueEnd(text, i);
    elements.push({ start: i, end });
    i = skipSpace(text, end);
    if (text[i] === ",") {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (text[i] === "]") return elements;
    throw new RawJsonError("',' or ']' was expected", i);
  }
}

/** The whole text as one value span (leading and trailing whitespace excluded). */
export function wholeSpan(text: string): Span {
  const start = skipSpace(text, 0);
  return { start, end: valueEnd(text, start) };
}
