/**
 * Compares a source resource with its copy on the destination and names every JSON path that
 * differs. Only what the destination legitimately changes is normalised (docs/verification.md
 * lists each normalisation with its reason):
 * - `meta.lastUpdated` is compared as an instant truncated to milliseconds: `$import` in
 *   IncrementalLoad keeps lastUpdated but truncates it to milliseconds, and the servers may write
 *   `+00:00` where the source wrote `Z` (docs/server-behaviour.md §4.4).
 * - SearchParameter resources are copied by PUT without meta (docs/server-behaviour.md §6), so the destination
 *   assigns its own `meta.versionId` and `meta.lastUpdated`: those two are left out for them.
 * Everything else, including every other meta field, must be equal. Resources read losslessly
 * (src/core/losslessJson.ts, the full check) compare number literals as text: a FHIR decimal keeps
 * its precision, so `1.50` and `1.5` differ.
 */
import { RawNumber } from "./losslessJson";

export type DifferenceKind = "changed" | "missing" | "extra";

export interface PathDifference {
  /** e.g. `name[0].family`, `valueQuantity.value`; "" is the whole value. */
  path: string;
  /** changed: both have it, different; missing: only the source has it; extra: only the destination. */
  kind: DifferenceKind;
}

export interface CompareOptions {
  /** Leave meta.versionId and meta.lastUpdated out (SearchParameter, copied by PUT). */
  ignoreVersionMeta?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function keyPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawNumber)
  );
}

/**
 * Number literals read losslessly (src/core/losslessJson.ts) are equal when their text is; a
 * number parsed by JSON.parse stands for the literal it prints as (the lossless reads parse a
 * literal that way only when it reads back exactly).
 */
function sameLeaf(source: unknown, destination: unknown): boolean {
  if (source instanceof RawNumber || destination instanceof RawNumber) {
    const literal = (v: unknown) =>
      v instanceof RawNumber ? v.text : typeof v === "number" ? String(v) : undefined;
    return literal(source) !== undefined && literal(source) === literal(destination);
  }
  return source === destination;
}

/**
 * Every path at which two JSON values differ, in document order (source keys first, then keys only
 * the destination has). Arrays are compared position by position: FHIR arrays are ordered, and a
 * reordered array is a real difference.
 */
export function diffJson(source: unknown, destination: unknown, path = ""): PathDifference[] {
  if (isPlainObject(source) && isPlainObject(destination)) {
    const out: PathDifference[] = [];
    for (const key of Object.keys(source)) {
      const p = keyPath(path, key);
      if (!Object.hasOwn(destination, key)) out.push({ path: p, kind: "missing" });
      else out.push(...diffJson(source[key], destination[key], p));
    }
    for (const key of Object.keys(destination)) {
      if (!Object.hasOwn(source, key)) out.push({ path: keyPath(path, key), kind: "extra" });
    }
    return out;
  }
  if (Array.isArray(source) && Array.isArray(destination)) {
    const out: PathDifference[] = [];
    const shared = Math.min(source.length, destination.length);
    for (let i = 0; i < shared; i++)
      out.push(...diffJson(source[i], destination[i], `${path}[${i}]`));
    for (let i = shared; i < source.length; i++)
      out.push({ path: `${path}[${i}]`, kind: "missing" });
    for (let i = shared; i < destination.length; i++)
      out.push({ path: `${path}[${i}]`, kind: "extra" });
    return out;
  }
  const sameShape =
    isPlainObject(source) === isPlainObject(destination) &&
    Array.isArray(source) === Array.isArray(destination);
  if (
    sameShape &&
    !isPlainObject(source) &&
    !Array.isArray(source) &&
    sameLeaf(source, destination)
  ) {
    return [];
  }
  return [{ path, kind: "changed" }];
}

const INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant as `yyyy-mm-ddThh:mm:ss.sssZ`, truncated (not rounded) to milliseconds, as the
 * destination stores it; undefined when the text is not a full instant with a zone.
 */
export function canonicalInstant(text: string): string | undefined {
  const m = INSTANT.exec(text);
  if (m === null) return undefined;
  const [, base, fraction, zone] = m;
  const seconds = Date.parse(`${base}Z`);
  if (Number.isNaN(seconds)) return undefined;
  const millis = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  let offsetMs = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return new Date(seconds + millis - offsetMs).toISOString();
}

/** A copy with only the documented normalisations applied (the input is not changed). */
export function normalizeForComparison(resource: unknown, options: CompareOptions = {}): unknown {
  if (!isPlainObject(resource) || !isPlainObject(resource.meta)) return resource;
  const meta: Record<string, unknown> = { ...resource.meta };
  if (options.ignoreVersionMeta === true) {
    delete meta.versionId;
    delete meta.lastUpdated;
  } else if (typeof meta.lastUpdated === "string") {
    meta.lastUpdated = canonicalInstant(meta.lastUpdated) ?? meta.lastUpdated;
  }
  const copy: Record<string, unknown> = { ...resource, meta };
  // A meta emptied by the normalisation says nothing; an absent meta on one side is then no difference.
  if (options.ignoreVersionMeta === true && Object.keys(meta).length === 0) delete copy.meta;
  return copy;
}

/** The differing paths between a source resource and its destination copy, after normalisation. */
export function compareResources(
  source: unknown,
  destination: unknown,
  options: CompareOptions = {},
): PathDifference[] {
  return diffJson(
    normalizeForComparison(source, options),
    normalizeForComparison(destination, options),
  );
}

/** `name[0].family (changed)`, for messages and table cells. */
export function describeDifference(d: PathDifference): string {
  return `${d.path === "" ? "(whole resource)" : d.path} (${d.kind})`;
}
