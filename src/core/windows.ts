/**
 * Time windows over `_lastUpdated`. Windows are [since, till) and the next window always starts at
 * the previous till, so windows chain with no gap. The server's `_till` is exclusive only on SQL
 * parallel exports and inclusive elsewhere; the planner ends each window on a millisecond holding no
 * version (windowBoundary.ts), so no version is in two windows on any store.
 */

export interface Window {
  since: string;
  till: string;
}

export interface WindowLimits {
  /** Window length in ms (AZURE_ExportChunkTime × unit). */
  lengthMs: number;
  /** Most versions one window may hold (AZURE_ChunkLimit). */
  chunkLimit: number;
  /** now − safety lag, and AZURE_EndDate under AZURE_SpecificRun: windows never end after it. */
  capMs: number;
}

/** Counts the versions (history-aware when history/deletes are exported) with lastUpdated in [since, till). */
export type WindowCounter = (window: Window) => Promise<number>;

/**
 * Versions counted in [since, till) by a planning: what the next planning starts from instead of
 * counting everything left again (core/windowSizing.ts).
 */
export interface CountedStretch {
  since: string;
  till: string;
  versions: number;
}

export type WindowPlan =
  | {
      kind: "window";
      window: Window;
      count: number;
      countQueries: number;
      /** What the planning counted from the window's start (absent: nothing beyond the window). */
      counted?: CountedStretch;
    }
  /** Nothing changed in [frontier, cap): the frontier may move to cap without exporting. */
  | { kind: "empty"; till: string; countQueries: number }
  /** The frontier has reached the cap: nothing to plan yet. */
  | { kind: "caught-up"; countQueries: number };

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function ms(instant: string): number {
  const value = Date.parse(instant);
  if (Number.isNaN(value)) throw new RangeError(`Not an ISO instant: ${JSON.stringify(instant)}`);
  return value;
}

/** Smallest window end we ever split down to: one second (the server truncates lastUpdated to ms). */
export const MIN_WINDOW_MS = 1000;

/**
 * Plans the next window after `frontier`.
 * - `nextChange` is the lastUpdated of the oldest version at or after the frontier (undefined: none),
 *   found with one query, so empty stretches are skipped instead of exported one by one.
 * - The window starts at the frontier (contiguity), ends at most `lengthMs` after the next change and
 *   never after the cap; if it holds more than `chunkLimit` versions its end is pulled in by binary
 *   search on the count until it fits (a single second holding more is exported as is).
 */
export async function planWindow(
  frontier: string,
  nextChange: string | undefined,
  limits: WindowLimits,
  count: WindowCounter,
): Promise<WindowPlan> {
  const frontierMs = ms(frontier);
  if (frontierMs >= limits.capMs) return { kind: "caught-up", countQueries: 0 };
  const changeMs = nextChange === undefined ? undefined : Math.max(ms(nextChange), frontierMs);
  if (changeMs === undefined || changeMs >= limits.capMs) {
    return { kind: "empty", till: iso(limits.capMs), countQueries: 0 };
  }
  let tillMs = Math.min(changeMs + limits.lengthMs, limits.capMs);
  // The window must contain the change it was planned for.
  const minTillMs = Math.min(changeMs + MIN_WINDOW_MS, limits.capMs);
  let queries = 1;
  let total = await count({ since: frontier, till: iso(tillMs) });
  if (total <= limits.chunkLimit) {
    return {
      kind: "window",
      window: { since: frontier, till: iso(tillMs) },
      count: total,
      countQueries: queries,
    };
  }
  // Binary search the largest till in [minTill, till) whose count fits.
  let fitsMs = minTillMs;
  let fitsCount: number | undefined;
  let tooBigMs = tillMs;
  while (tooBigMs - fitsMs > MIN_WINDOW_MS) {
    const midMs = Math.floor((fitsMs + tooBigMs) / 2);
    queries++;
    const midCount = await count({ since: frontier, till: iso(midMs) });
    if (midCount <= limits.chunkLimit) {
      fitsMs = midMs;
      fitsCount = midCount;
    } else {
      tooBigMs = midMs;
      total = midCount;
    }
  }
  if (fitsCount === undefined) {
    queries++;
    fitsCount = await count({ since: frontier, till: iso(fitsMs) });
  }
  tillMs = fitsMs;
  return {
    kind: "window",
    window: { since: frontier, till: iso(tillMs) },
    count: fitsCount,
    countQueries: queries,
  };
}

/** The instant windows may not pass: now minus the safety lag, and the end date of a specific run. */
export function windowCap(nowMs: number, safetyLagMs: number, endDate: string | undefined): number {
  const lagged = nowMs - safetyLagMs;
  return endDate === undefined ? lagged : Math.min(lagged, ms(endDate));
}
