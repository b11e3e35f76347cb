/**
 * Windows sized by what they hold. Every export and import costs the servers a queue poll, its
 * orchestrator and a status grace before and after it moves a version, and every planning costs
 * count queries, so far from the present the number of windows, not the number of versions,
 * decides catch-up time; near the present, small windows keep the destination fresh and the last
 * import of a catch-up short (docs/performance.md, "Where the time goes"). So, with the target T
 * (AZURE_ChunkTargetResources) and the most a window may hold, L = min(AZURE_ChunkLimit,
 * MAX_WINDOW_VERSIONS):
 *
 * - the planning counts what is left up to the cap, R (one query);
 * - a window takes W = R / REMAINING_SHARE versions, at least T and at most L: the largest windows
 *   while far behind, then a fixed share of what is left, so the windows shrink towards the
 *   present (the last import is short); near the present, windows of T;
 * - the first windows of a migration ramp up: the k-th holds at most T × 2^k / RAMP_FIRST_SHARE,
 *   since the destination waits for the first window's export and payload build;
 * - when R is within WINDOW_TOLERANCE of W, the window runs to the cap;
 * - otherwise its end is found on the counts by false position (Illinois), from the bracket
 *   [first change, cap] whose counts are known (0 and R): it stops as soon as a count is within
 *   WINDOW_TOLERANCE of W, which takes two or three more queries on the benchmark's ten-year data.
 *
 * A target of 0 plans what planWindow plans (the original tool's windows).
 */
import type { WindowCounter, WindowLimits, WindowPlan } from "./windows";
import { MIN_WINDOW_MS, iso, ms, planWindow } from "./windows";

/**
 * Most versions one window holds, whatever AZURE_ChunkLimit allows: what one BuildImportPayloads
 * streams and checks line by line well within the 10-minute Functions limit (measured in
 * docs/performance.md, "Import payload building"), and far below what one `$import` takes
 * (10,000 files of 5,000 resources).
 */
export const MAX_WINDOW_VERSIONS = 10_000_000;

/** A window takes at most this share of what is left (1 / REMAINING_SHARE). */
export const REMAINING_SHARE = 16;

/** A window's count may miss W by this share either way. */
export const WINDOW_TOLERANCE = 0.1;

/** Count queries a planning may spend on finding a window's end, beyond counting what is left. */
export const MAX_SIZING_COUNT_QUERIES = 12;

/**
 * The first windows of a migration start small and double: the k-th (from 0) holds at most
 * target × 2^k / RAMP_FIRST_SHARE, until that reaches the target. The destination waits for the
 * first window's export and payload build before it imports anything, so a small first window
 * starts it early; the windows after it are exported while it imports. The ramp stops at the target
 * rather than doubling on to the largest window: each planning counts everything left, which far
 * behind costs minutes, and a ramp of small windows would pay that once per small window.
 */
export const RAMP_FIRST_SHARE = 8;

export interface SizingLimits extends WindowLimits {
  /** AZURE_ChunkTargetResources: versions a window holds at least; 0 = one step per window. */
  targetVersions: number;
  /** Windows (chunks) this migration planned before this one, for the ramp; absent: no ramp. */
  windowsPlanned?: number;
}

interface Point {
  tillMs: number;
  count: number;
}

/**
 * The versions a window should hold when `left` are left up to the cap and `windowsPlanned` windows
 * were planned before it.
 */
export function windowVersions(
  left: number,
  targetVersions: number,
  limit: number,
  windowsPlanned?: number,
): number {
  const largest = Math.min(limit, MAX_WINDOW_VERSIONS);
  const sized = Math.max(
    Math.min(targetVersions, largest),
    Math.min(largest, Math.ceil(left / REMAINING_SHARE)),
  );
  // The ramp ends where it reaches the target: larger windows follow the share of what is left.
  if (windowsPlanned === undefined || 2 ** windowsPlanned >= RAMP_FIRST_SHARE) return sized;
  const ramp = Math.ceil((targetVersions * 2 ** windowsPlanned) / RAMP_FIRST_SHARE);
  return Math.max(1, Math.min(sized, ramp));
}

/**
 * Plans the next window after `frontier`. The result always starts at the frontier, holds the first
 * change after it, ends at the cap at the latest, and holds at most AZURE_ChunkLimit versions
 * (unless a single millisecond holds more).
 */
export async function planSizedWindow(
  frontier: string,
  nextChange: string | undefined,
  limits: SizingLimits,
  count: WindowCounter,
): Promise<WindowPlan> {
  if (limits.targetVersions <= 0) return planWindow(frontier, nextChange, limits, count);
  const frontierMs = ms(frontier);
  const { capMs, chunkLimit } = limits;
  if (frontierMs >= capMs) return { kind: "caught-up", countQueries: 0 };
  const changeMs = nextChange === undefined ? undefined : Math.max(ms(nextChange), frontierMs);
  if (changeMs === undefined || changeMs >= capMs) {
    return { kind: "empty", till: iso(capMs), countQueries: 0 };
  }
  let queries = 0;
  const countTo = async (tillMs: number): Promise<number> => {
    queries++;
    return count({ since: frontier, till: iso(tillMs) });
  };
  const window = (tillMs: number, n: number): WindowPlan => ({
    kind: "window",
    window: { since: frontier, till: iso(tillMs) },
    count: n,
    countQueries: queries,
  });

  const left = await countTo(capMs);
  // The oldest-change query found a version the count does not (a source that answers the two
  // differently): plan as the original did rather than guess.
  if (left === 0) {
    const plan = await planWindow(frontier, nextChange, { ...limits, chunkLimit }, count);
    return { ...plan, countQueries: plan.countQueries + queries };
  }
  const want = windowVersions(left, limits.targetVersions, chunkLimit, limits.windowsPlanned);
  const most = Math.min(chunkLimit, Math.floor(want * (1 + WINDOW_TOLERANCE)));
  const least = Math.ceil(want * (1 - WINDOW_TOLERANCE));
  if (left <= most) return window(capMs, left);

  // Nothing before the first change, everything left by the cap: the bracket to search.
  let lo: Point = { tillMs: changeMs, count: 0 };
  let hi: Point = { tillMs: capMs, count: left };
  // Illinois: a side kept twice in a row has its weight halved, so the guesses close in from both.
  let loWeight = 1;
  let hiWeight = 1;
  let lastMoved: "lo" | "hi" | undefined;
  while (hi.tillMs - lo.tillMs > 1 && queries <= MAX_SIZING_COUNT_QUERIES) {
    const below = (want - lo.count) * loWeight;
    const above = (hi.count - want) * hiWeight;
    const guess = lo.tillMs + ((hi.tillMs - lo.tillMs) * below) / (below + above);
    const tillMs = Math.min(hi.tillMs - 1, Math.max(lo.tillMs + 1, Math.round(guess)));
    const n = await countTo(tillMs);
    if (n >= least && n <= most) return window(tillMs, n);
    if (n < want) {
      lo = { tillMs, count: n };
      hiWeight = lastMoved === "lo" ? hiWeight / 2 : 1;
      loWeight = 1;
      lastMoved = "lo";
    } else {
      hi = { tillMs, count: n };
      loWeight = lastMoved === "hi" ? loWeight / 2 : 1;
      hiWeight = 1;
      lastMoved = "hi";
    }
  }
  // Not within the tolerance within the budget, or a millisecond holds more than the window may:
  // the larger end known to fit, else the smallest window that holds the first change.
  if (lo.count > 0) return window(lo.tillMs, lo.count);
  if (hi.count <= Math.min(chunkLimit, MAX_WINDOW_VERSIONS)) return window(hi.tillMs, hi.count);
  const smallest = Math.min(changeMs + MIN_WINDOW_MS, hi.tillMs);
  return window(smallest, smallest === hi.tillMs ? hi.count : await countTo(smallest));
}
