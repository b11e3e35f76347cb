/**
 * Windows sized by what they hold. Every export and import costs the servers a queue poll, its
 * orchestrator and a status grace before and after it moves a version, and every planning costs
 * count queries, so far from the present the number of windows, not the number of versions,
 * decides catch-up time; near the present, small windows keep the destination fresh and the last
 * import of a catch-up short (docs/performance.md, "Where the time goes"). So, with the target T
 * (AZURE_ChunkTargetResources) and the most a window may hold, L = min(AZURE_ChunkLimit,
 * MAX_WINDOW_VERSIONS):
 *
 * - the planning knows how many versions lie between the frontier and some instant: what the last
 *   planning counted beyond its window (the cursor carries it), counted on in stretches from the
 *   first change until the window's size no longer depends on more (versionsWorthCounting) or the
 *   cap. A count's time grows with what it counts, so no planning counts everything left: a
 *   stretch aims at COUNT_SLICE_VERSIONS and at most doubles the span counted, and a planning
 *   stops counting past MAX_BACKLOG_VERSIONS (the next one counts on). R is what is known, all
 *   that is left when it reaches the cap;
 * - a window takes W = R / REMAINING_SHARE versions, at least T and at most L: the largest windows
 *   while far behind, then a fixed share of what is left, so the windows shrink towards the
 *   present (the last import is short); near the present, windows of T;
 * - the first windows of a migration ramp up: the k-th holds at most T × 2^k / RAMP_FIRST_SHARE,
 *   since the destination waits for the first window's export and payload build;
 * - when R is within WINDOW_TOLERANCE of W, the window runs to the end of what was counted (the
 *   cap, unless the planning's stretches ran out);
 * - otherwise its end is found on the counts by false position (Illinois), from the bracket
 *   [first change, end of what was counted] whose counts are known (0 and R): it stops as soon as a count is within
 *   WINDOW_TOLERANCE of W, which takes two or three more queries on the benchmark's ten-year data.
 *
 * A target of 0 plans what planWindow plans (the original tool's windows).
 */
import type { CountedStretch, Window, WindowCounter, WindowLimits, WindowPlan } from "./windows";
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

/** The first stretch counted when nothing is known yet: an hour from the first change. */
export const FIRST_COUNT_SPAN_MS = 3_600_000;

/**
 * A stretch counted next is at most this many times as long as what was counted so far (1: the
 * counted span doubles): on data growing from year to year a stretch then holds a few times what
 * was counted before it, never the whole backlog at once.
 */
export const MAX_COUNT_SPAN_GROWTH = 1;

/**
 * While fewer than SPARSE_VERSIONS were counted, the next stretch may be SPARSE_SPAN_GROWTH times
 * as long as what was counted: sparse years are crossed in a few counts, and a stretch that meets
 * denser data starts from so few versions that it still holds a small multiple of the aim.
 */
export const SPARSE_VERSIONS = 10_000;
export const SPARSE_SPAN_GROWTH = 8;

/**
 * Versions one count of the backlog aims at: a count's time grows with what it counts (Cosmos
 * charges by the index entries read), so the backlog is counted in stretches of about this many,
 * never everything left at once (docs/performance.md, "Where the time goes").
 */
export const COUNT_SLICE_VERSIONS = 20_000_000;

/**
 * Versions one planning counts at most in its backlog stretches (the one that passes it is the
 * last); the next planning counts on from there. 100 million: under a minute at the `slow`
 * request profile's 0.5 s per million (docs/performance.md).
 */
export const MAX_BACKLOG_VERSIONS = 100_000_000;

/**
 * Count queries one planning spends on the backlog at most: stretches double from an hour, so 24
 * cover two thousand years of sparse history.
 */
export const MAX_BACKLOG_COUNT_QUERIES = 24;

/**
 * How many versions must be known to lie after the frontier before the window's size no longer
 * depends on how many more there are: past this, counting further changes nothing.
 */
export function versionsWorthCounting(
  targetVersions: number,
  limit: number,
  windowsPlanned?: number,
): number {
  const want = windowVersions(Number.POSITIVE_INFINITY, targetVersions, limit, windowsPlanned);
  const most = Math.min(limit, Math.floor(want * (1 + WINDOW_TOLERANCE)));
  return windowVersions(most + 1, targetVersions, limit, windowsPlanned) === want
    ? most + 1
    : REMAINING_SHARE * want;
}

/**
 * What is known after a window [since, till) holding `count` versions was planned from `counted`:
 * the versions in [till, counted.till), or nothing when the window ends at or after it.
 */
export function countedAfter(
  counted: CountedStretch | undefined,
  window: Window,
  count: number,
): CountedStretch | undefined {
  if (counted === undefined || counted.since !== window.since) return undefined;
  if (ms(window.till) >= ms(counted.till)) return undefined;
  return {
    since: window.till,
    till: counted.till,
    versions: Math.max(0, counted.versions - count),
  };
}

/**
 * Plans the next window after `frontier`. The result always starts at the frontier, holds the first
 * change after it, ends at the cap at the latest, and holds at most AZURE_ChunkLimit versions
 * (unless a single millisecond holds more). `known`, what an earlier planning counted from the
 * frontier, saves counting it again; it is used only when it starts at the frontier and ends by the
 * cap. The window's count is always one query of the window itself, never a sum.
 */
export async function planSizedWindow(
  frontier: string,
  nextChange: string | undefined,
  limits: SizingLimits,
  count: WindowCounter,
  known?: CountedStretch,
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

  // What lies in [frontier, counted.tillMs): carried from the last planning, then counted on in
  // stretches until the window's size no longer depends on what is beyond, or the cap.
  const carried =
    known !== undefined &&
    known.since === frontier &&
    ms(known.till) > changeMs &&
    ms(known.till) <= capMs;
  let counted = carried
    ? { tillMs: ms(known.till), versions: known.versions, oneQuery: false }
    : { tillMs: frontierMs, versions: 0, oneQuery: true };
  const enough = versionsWorthCounting(limits.targetVersions, chunkLimit, limits.windowsPlanned);
  let backlogQueries = 0;
  let backlogVersions = 0;
  let last: { spanMs: number; versions: number } | undefined;
  while (
    counted.tillMs < capMs &&
    counted.versions < enough &&
    backlogQueries < MAX_BACKLOG_COUNT_QUERIES &&
    backlogVersions < MAX_BACKLOG_VERSIONS
  ) {
    // The next stretch: as long as the density so far says holds what is still worth counting
    // (at most COUNT_SLICE_VERSIONS), at most MAX_COUNT_SPAN_GROWTH times what was counted.
    // The density is the last stretch's (data grows towards the present), else the average.
    const fromMs = Math.max(counted.tillMs, changeMs);
    const covered = fromMs - changeMs;
    const aim = Math.min(COUNT_SLICE_VERSIONS, enough - counted.versions);
    const growth = counted.versions < SPARSE_VERSIONS ? SPARSE_SPAN_GROWTH : MAX_COUNT_SPAN_GROWTH;
    const longest = covered > 0 ? growth * covered : FIRST_COUNT_SPAN_MS;
    const recent = last ?? { spanMs: covered, versions: counted.versions };
    const guess = recent.versions > 0 ? (aim * recent.spanMs) / recent.versions : longest;
    const tillMs = Math.min(capMs, fromMs + Math.max(1, Math.ceil(Math.min(guess, longest))));
    backlogQueries++;
    queries++;
    const first = counted.tillMs === frontierMs;
    const n = await count({ since: first ? frontier : iso(counted.tillMs), till: iso(tillMs) });
    backlogVersions += n;
    last = { spanMs: tillMs - fromMs, versions: n };
    counted = { tillMs, versions: counted.versions + n, oneQuery: first };
  }
  const countedStretch: CountedStretch = {
    since: frontier,
    till: iso(counted.tillMs),
    versions: counted.versions,
  };
  const window = (tillMs: number, n: number): WindowPlan => ({
    kind: "window",
    window: { since: frontier, till: iso(tillMs) },
    count: n,
    countQueries: queries,
    counted: countedStretch,
  });
  // The window's own count: a sum of stretches (or a carried count) is asked again as one query.
  const ownCount = async (tillMs: number, n: number): Promise<number> =>
    tillMs === counted.tillMs && !counted.oneQuery ? countTo(tillMs) : n;

  const left = counted.versions;
  // The oldest-change query found a version the count does not (a source that answers the two
  // differently): plan as the original did rather than guess.
  if (left === 0 && counted.tillMs >= capMs) {
    const plan = await planWindow(frontier, nextChange, { ...limits, chunkLimit }, count);
    return { ...plan, countQueries: plan.countQueries + queries };
  }
  // Left is what is known; beyond counted.tillMs (not yet counted) there may be more.
  const want = windowVersions(left, limits.targetVersions, chunkLimit, limits.windowsPlanned);
  const most = Math.min(chunkLimit, Math.floor(want * (1 + WINDOW_TOLERANCE)));
  const least = Math.ceil(want * (1 - WINDOW_TOLERANCE));
  if (left <= most) return window(counted.tillMs, await ownCount(counted.tillMs, left));

  // Nothing before the first change, `left` by the end of what was counted: the bracket to search.
  let lo: Point = { tillMs: changeMs, count: 0 };
  let hi: Point = { tillMs: counted.tillMs, count: left };
  const searchFrom = queries;
  // Illinois: a side kept twice in a row has its weight halved, so the guesses close in from both.
  let loWeight = 1;
  let hiWeight = 1;
  let lastMoved: "lo" | "hi" | undefined;
  while (hi.tillMs - lo.tillMs > 1 && queries - searchFrom < MAX_SIZING_COUNT_QUERIES) {
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
  if (hi.count <= Math.min(chunkLimit, MAX_WINDOW_VERSIONS))
    return window(hi.tillMs, await ownCount(hi.tillMs, hi.count));
  const smallest = Math.min(changeMs + MIN_WINDOW_MS, hi.tillMs);
  return window(smallest, smallest === hi.tillMs ? hi.count : await countTo(smallest));
}
