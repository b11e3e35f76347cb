/**
 * Work units of the exhaustive verification (docs/verification.md, "Full check"): the timeline is
 * cut into half-open ranges `[since, till)` of whole milliseconds, each holding at most a bounded
 * number of versions on either server, so the memory a unit needs is known before it runs whatever
 * the dataset's size. Ranges are counted with history-aware counts
 * (`_history?_summary=count&_since=&_before=`), split until they fit, and adjacent small ranges are
 * merged back, so a sparse decade does not become thousands of near-empty units.
 */

export interface TimeRange {
  sinceMs: number;
  tillMs: number;
}

export interface CountedRange extends TimeRange {
  /** Versions on the source in the range. */
  source: number;
  /** Versions on the destination in the range. */
  destination: number;
}

/**
 * Bytes one source version costs a unit while it is held for matching: its key
 * (`Type/id/versionId`), a content digest, lastUpdated and the deleted flag, plus the map entry.
 * Measured with the bench (bench/fullVerify.ts) at about 250 bytes; rounded up.
 */
export const BYTES_PER_HELD_VERSION = 320;

/** A page of `_count=1000` versions, as text and parsed, held while it is matched (about 1 KB each). */
export const BYTES_PER_PAGE = 8 * 1024 * 1024;

/** Fewer versions per unit than this only adds requests. */
export const MIN_UNIT_VERSIONS = 1_000;

/** Most parts one counted range is cut into at a time (each needs one count on each server). */
export const MAX_PARTS = 16;

/**
 * How many versions one unit may hold so that `concurrency` units in flight stay within
 * `memoryBytes`: each unit holds its source versions' keys and digests plus one page per server.
 */
export function unitVersionsFor(memoryBytes: number, concurrency: number): number {
  if (!Number.isFinite(memoryBytes) || memoryBytes <= 0)
    throw new RangeError(`memoryBytes must be a positive number, got ${memoryBytes}`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const perUnit = memoryBytes / concurrency - 2 * BYTES_PER_PAGE;
  return Math.max(MIN_UNIT_VERSIONS, Math.floor(perUnit / BYTES_PER_HELD_VERSION));
}

/** The memory `concurrency` units of `unitVersions` versions need at most (the inverse of unitVersionsFor). */
export function memoryBoundBytes(unitVersions: number, concurrency: number): number {
  return concurrency * (unitVersions * BYTES_PER_HELD_VERSION + 2 * BYTES_PER_PAGE);
}

export type SplitDecision =
  { kind: "unit"; oversize: boolean } | { kind: "split"; parts: TimeRange[] };

/**
 * Whether a counted range is a unit or must be cut: into as many equal time parts as its larger
 * count needs (at least 2, at most MAX_PARTS, never below one millisecond). A range of one
 * millisecond cannot be cut: it is a unit even when it holds more (`oversize`), and the run says so.
 */
export function splitDecision(range: CountedRange, maxVersions: number): SplitDecision {
  if (!Number.isInteger(maxVersions) || maxVersions < 1)
    throw new RangeError(`maxVersions must be a whole number ≥ 1, got ${maxVersions}`);
  const span = range.tillMs - range.sinceMs;
  if (!Number.isInteger(span) || span < 1)
    throw new RangeError(`a range must span at least one whole millisecond, got ${span}`);
  const larger = Math.max(range.source, range.destination);
  if (larger <= maxVersions) return { kind: "unit", oversize: false };
  if (span === 1) return { kind: "unit", oversize: true };
  const count = Math.min(span, MAX_PARTS, Math.max(2, Math.ceil(larger / maxVersions)));
  const parts: TimeRange[] = [];
  for (let i = 0; i < count; i++) {
    const sinceMs = range.sinceMs + Math.floor((span * i) / count);
    const tillMs = range.sinceMs + Math.floor((span * (i + 1)) / count);
    parts.push({ sinceMs, tillMs });
  }
  return { kind: "split", parts };
}

/**
 * Merges consecutive adjacent ranges while both counts stay within `maxVersions` (counts of
 * adjacent disjoint half-open ranges add up). Ranges must be in time order; a gap between two
 * ranges is never bridged.
 */
export function mergeAdjacent(
  ranges: readonly CountedRange[],
  maxVersions: number,
): CountedRange[] {
  const out: CountedRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last !== undefined && r.sinceMs < last.tillMs)
      throw new RangeError(
        `ranges overlap or are out of order: ${last.sinceMs}..${last.tillMs} then ${r.sinceMs}..${r.tillMs}`,
      );
    if (
      last !== undefined &&
      last.tillMs === r.sinceMs &&
      last.source + r.source <= maxVersions &&
      last.destination + r.destination <= maxVersions
    ) {
      out[out.length - 1] = {
        sinceMs: last.sinceMs,
        tillMs: r.tillMs,
        source: last.source + r.source,
        destination: last.destination + r.destination,
      };
    } else out.push({ ...r });
  }
  return out;
}

/** The whole-millisecond key of a unit, used in its check row (sorts by time). */
export function unitKey(range: TimeRange): string {
  const pad = (ms: number) => String(ms).padStart(15, "0");
  return `${pad(range.sinceMs)}-${pad(range.tillMs)}`;
}

/**
 * Seconds left at the pace so far (versions compared per second of this run); undefined until
 * something was compared in this run.
 */
export function estimateSecondsLeft(
  doneVersions: number,
  totalVersions: number,
  doneThisRun: number,
  elapsedMs: number,
): number | undefined {
  if (doneVersions >= totalVersions) return 0;
  if (doneThisRun <= 0 || elapsedMs <= 0) return undefined;
  return Math.round(((totalVersions - doneVersions) * elapsedMs) / doneThisRun / 1000);
}

/**
 * Cuts a range that fits in one unit into `parts` equal stretches of time (whole milliseconds, never
 * more parts than milliseconds), so they can be compared side by side. No count is needed: a part of
 * a range that fits fits too. Each part carries its range's counts, an upper bound of its own.
 */
export function cutByTime(range: CountedRange, parts: number): CountedRange[] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be a whole number ≥ 1, got ${parts}`);
  const span = range.tillMs - range.sinceMs;
  if (!Number.isInteger(span) || span < 1)
    throw new RangeError(`a range must span at least one whole millisecond, got ${span}`);
  const count = Math.min(span, parts);
  const out: CountedRange[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      ...range,
      sinceMs: range.sinceMs + Math.floor((span * i) / count),
      tillMs: range.sinceMs + Math.floor((span * (i + 1)) / count),
    });
  }
  return out;
}

/**
 * Parts a range that fits in one unit is cut into: one per page its larger side holds (a part of
 * fewer versions than a page saves no request), at most `slots`, at least one.
 */
export function partsForPages(range: CountedRange, pageSize: number, slots: number): number {
  const pages = Math.ceil(Math.max(range.source, range.destination) / pageSize);
  return Math.max(1, Math.min(slots, pages));
}
