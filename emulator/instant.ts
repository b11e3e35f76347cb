/**
 * Server timestamps and FHIR partial date-times. The server writes `lastUpdated` with milliseconds
 * and "+00:00" (docs/server-behaviour.md §2.2 / §2.4 samples); search and export bounds are partial
 * date-times whose precision defines a range (`ge2023-01-01` = from the start of that day).
 */

export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/**
 * `meta.lastUpdated` as the stores write it: the fraction's trailing zeros dropped, and no fraction
 * at all on a whole second (`…:52.069+00:00`, `…:52.1+00:00`, `…:52+00:00`): both stores'
 * RemoveTrailingZerosFromMillisecondsForAGivenDate (SqlServerFhirDataStore.cs,
 * CosmosFhirDataStore.cs), and ToInstantString's "FFFFFFF" for bundles (DateTimeOffsetExtensions.cs).
 */
export function formatLastUpdated(ms: number): string {
  return formatInstant(ms).replace(/\.?0+\+00:00$/, "+00:00");
}

/** yyyyMMddTHHmmss of the job's queued time: the export folder prefix (docs/server-behaviour.md §2.3). */
export function folderTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, "");
}

export interface InstantRange {
  /** First millisecond of the value's precision range. */
  start: number;
  /** First millisecond after the range. */
  end: number;
}

const PARTIAL =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR partial date-time (no zone = UTC, as the server assumes); undefined when malformed. */
export function parsePartialDateTime(text: string): InstantRange | undefined {
  const m = PARTIAL.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const fracMs = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  let offsetMs = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fracMs) - offsetMs;
  if (Number.isNaN(base) || new Date(base + offsetMs).getUTCDate() !== day) return undefined;
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1) - offsetMs;
  else if (d === undefined) end = Date.UTC(year, month, 1) - offsetMs;
  else if (h === undefined) end = base + 86_400_000;
  else if (s === undefined) end = base + 60_000;
  else if (frac === undefined) end = base + 1000;
  else end = base + 1;
  return { start: base, end };
}

/** A full instant (import `meta.lastUpdated`), truncated to milliseconds; undefined when malformed. */
export function parseInstant(text: string): number | undefined {
  if (!/T\d{2}:\d{2}/.test(text)) return undefined;
  return parsePartialDateTime(text)?.start;
}
