import { describe, expect, it } from "vitest";
import type { Window } from "../../../src/core/windows";
import { iso, ms, planWindow } from "../../../src/core/windows";
import {
  COUNT_SLICE_VERSIONS,
  MAX_BACKLOG_COUNT_QUERIES,
  MAX_SIZING_COUNT_QUERIES,
  MAX_WINDOW_VERSIONS,
  RAMP_FIRST_SHARE,
  REMAINING_SHARE,
  WINDOW_TOLERANCE,
  countedAfter,
  planSizedWindow,
  windowVersions,
} from "../../../src/core/windowSizing";

const DAY = 86_400_000;
const start = "2015-01-01T00:00:00.000Z";
const first = ms(start);
const farCap = ms("2030-01-01T00:00:00Z");

/** A counter over a sorted list of version instants (ms), recording the windows it was asked about. */
function counter(instants: number[]) {
  const sorted = [...instants].sort((a, b) => a - b);
  const below = (t: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const asked: Window[] = [];
  const count = async (w: Window) => {
    asked.push(w);
    return below(ms(w.till)) - below(ms(w.since));
  };
  return { count, asked };
}

/** `n` versions spread evenly over `days` days from `fromMs`. */
function spread(fromMs: number, days: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => fromMs + Math.floor((i * days * DAY) / n));
}

/** `n` versions over `days` days, most of them recent (creations growing 2.25-fold a year). */
function recentHeavy(fromMs: number, days: number, n: number): number[] {
  const g = Math.log(2.25) * (days / 365);
  return Array.from({ length: n }, (_, i) => {
    const u = (i + 0.5) / n;
    return fromMs + Math.floor((Math.log1p(u * Math.expm1(g)) / g) * days * DAY);
  });
}

async function plan(
  instants: number[],
  limits: { targetVersions: number; chunkLimit?: number; capMs?: number },
) {
  const { count, asked } = counter(instants);
  const result = await planSizedWindow(
    start,
    iso(instants.reduce((a, b) => Math.min(a, b))),
    { lengthMs: 30 * DAY, chunkLimit: 1_000_000_000, capMs: farCap, ...limits },
    count,
  );
  return { result, asked };
}

function within(n: number, want: number): void {
  expect(n).toBeGreaterThanOrEqual(Math.ceil(want * (1 - WINDOW_TOLERANCE)));
  expect(n).toBeLessThanOrEqual(Math.floor(want * (1 + WINDOW_TOLERANCE)));
}

describe("windowVersions", () => {
  it("takes a share of what is left, at least the target and at most the largest window", () => {
    expect(windowVersions(REMAINING_SHARE * 300, 100, 1_000_000)).toBe(300);
    expect(windowVersions(REMAINING_SHARE * 50, 100, 1_000_000)).toBe(100);
    expect(windowVersions(1e12, 100, 1e12)).toBe(MAX_WINDOW_VERSIONS);
    expect(windowVersions(1e12, 100, 5000)).toBe(5000);
    // A target above the limit counts as the limit.
    expect(windowVersions(10, 5000, 300)).toBe(300);
  });

  it("ramps the first windows of a migration up from a share of the target, doubling", () => {
    const left = 1e9;
    const sized = windowVersions(left, 800, 1e12);
    expect(windowVersions(left, 800, 1e12, 0)).toBe(800 / RAMP_FIRST_SHARE);
    expect(windowVersions(left, 800, 1e12, 1)).toBe((2 * 800) / RAMP_FIRST_SHARE);
    expect(windowVersions(left, 800, 1e12, 2)).toBe((4 * 800) / RAMP_FIRST_SHARE);
    // Once the ramp reaches the target, the share of what is left again, not further doubling.
    expect(windowVersions(left, 800, 1e12, 3)).toBe(sized);
    expect(windowVersions(left, 800, 1e12, 40)).toBe(sized);
    expect(windowVersions(left, 800, 1e12, 1_000_000)).toBe(sized);
  });
});

describe("planSizedWindow", () => {
  it("with a target of 0 plans exactly what planWindow plans", async () => {
    const versions = spread(first, 3650, 500);
    const limits = { lengthMs: 30 * DAY, chunkLimit: 1000, capMs: farCap };
    const sized = await planSizedWindow(
      start,
      iso(first),
      { ...limits, targetVersions: 0 },
      counter(versions).count,
    );
    const seed = await planWindow(start, iso(first), limits, counter(versions).count);
    expect(sized).toEqual(seed);
  });

  it("runs to the cap when what is left is about the target, its count one query of the window", async () => {
    const versions = spread(first, 3650, 105);
    const { result, asked } = await plan(versions, { targetVersions: 100, capMs: farCap });
    expect(result).toMatchObject({
      kind: "window",
      window: { since: start, till: iso(farCap) },
      count: 105,
    });
    expect(asked.at(-1)).toEqual({ since: start, till: iso(farCap) });
  });

  it("counts on from what the last planning counted instead of from the frontier", async () => {
    const versions = spread(first, 3650, REMAINING_SHARE * 4000);
    const { count, asked } = counter(versions);
    const limits = { lengthMs: 30 * DAY, chunkLimit: 1e9, capMs: farCap, targetVersions: 800 };
    const one = await planSizedWindow(start, iso(first), limits, count);
    if (one.kind !== "window") throw new Error("expected a window");
    const known = countedAfter(one.counted, one.window, one.count);
    expect(known).toEqual({ since: one.window.till, till: iso(farCap), versions: 60_000 });
    asked.length = 0;
    const next = versions.find((t) => t >= ms(one.window.till))!;
    const two = await planSizedWindow(one.window.till, iso(next), limits, count, known);
    if (two.kind !== "window") throw new Error("expected a window");
    within(two.count, 60_000 / REMAINING_SHARE);
    // Nothing counted twice: the search's counts only, none of everything left.
    expect(asked.every((w) => w.till !== iso(farCap))).toBe(true);
  });

  it("asks a carried count again as one query when the window ends where it ends", async () => {
    // The carried count says 120, but versions were purged since: the window's count is the source's.
    const versions = spread(first, 3650, 100);
    const { count, asked } = counter(versions);
    const known = { since: start, till: iso(farCap), versions: 120 };
    const result = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1e9, capMs: farCap, targetVersions: 200 },
      count,
      known,
    );
    expect(result).toMatchObject({ kind: "window", count: 100 });
    expect(asked).toEqual([{ since: start, till: iso(farCap) }]);
  });

  it("ignores a carried count that does not start at the frontier", async () => {
    const versions = spread(first, 3650, 100);
    const { count } = counter(versions);
    const stale = { since: iso(first - DAY), till: iso(farCap), versions: 5 };
    const result = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1e9, capMs: farCap, targetVersions: 200 },
      count,
      stale,
    );
    expect(result).toMatchObject({ kind: "window", window: { till: iso(farCap) }, count: 100 });
  });

  it("counts a billion versions in stretches, never everything left at once", async () => {
    // 1e9 versions evenly over ten years, counted exactly from the rate.
    const capMs = first + 3650 * DAY;
    const perMs = 1e9 / (capMs - first);
    const asked: number[] = [];
    const count = async (w: Window) => {
      const n = Math.round((Math.min(ms(w.till), capMs) - Math.max(ms(w.since), first)) * perMs);
      asked.push(n);
      return n;
    };
    let frontier = start;
    let known: ReturnType<typeof countedAfter>;
    let last = 0;
    for (let planned = 0; planned < 8; planned++) {
      const result = await planSizedWindow(
        frontier,
        frontier,
        { lengthMs: DAY, chunkLimit: 1e9, capMs, targetVersions: 500_000, windowsPlanned: planned },
        count,
        known,
      );
      if (result.kind !== "window") throw new Error("expected a window");
      known = countedAfter(result.counted, result.window, result.count);
      frontier = result.window.till;
      last = result.count;
    }
    expect(Math.max(...asked)).toBeLessThanOrEqual(2 * COUNT_SLICE_VERSIONS);
    // Past the ramp, the windows are the largest: enough was counted to know it.
    within(last, MAX_WINDOW_VERSIONS);
  });

  it("takes a sixteenth of what is left far from the present, within the tolerance", async () => {
    const versions = spread(first, 3650, REMAINING_SHARE * 400);
    const { result } = await plan(versions, { targetVersions: 100 });
    if (result.kind !== "window") throw new Error(`expected a window, got ${result.kind}`);
    within(result.count, 400);
    expect(result.window.since).toBe(start);
  });

  it("holds the target near the present, where a sixteenth of what is left is less", async () => {
    const versions = spread(first, 3650, 5 * 100);
    const { result } = await plan(versions, { targetVersions: 100 });
    if (result.kind !== "window") throw new Error(`expected a window, got ${result.kind}`);
    within(result.count, 100);
  });

  it("never holds more than AZURE_ChunkLimit, even within the tolerance", async () => {
    const versions = spread(first, 3650, 100_000);
    const { result } = await plan(versions, { targetVersions: 100, chunkLimit: 1000 });
    if (result.kind !== "window") throw new Error(`expected a window, got ${result.kind}`);
    expect(result.count).toBeLessThanOrEqual(1000);
    expect(result.count).toBeGreaterThanOrEqual(900);
  });

  it("plans a whole catch-up in a few count queries a window, on evenly spread and recent-heavy data", async () => {
    // The cap a day after the last version, as planning sees it (now minus the safety lag).
    const capMs = first + 3651 * DAY;
    for (const versions of [spread(first, 3650, 200_000), recentHeavy(first, 3650, 200_000)]) {
      const { count, asked } = counter(versions);
      let frontier = start;
      let windows = 0;
      let covered = 0;
      let known: ReturnType<typeof countedAfter>;
      for (;;) {
        const next = versions.find((t) => t >= ms(frontier));
        const result = await planSizedWindow(
          frontier,
          next === undefined ? undefined : iso(next),
          { lengthMs: 30 * DAY, chunkLimit: 1_000_000_000, capMs, targetVersions: 1000 },
          count,
          known,
        );
        if (result.kind !== "window") break;
        windows++;
        covered += result.count;
        frontier = result.window.till;
        known = countedAfter(result.counted, result.window, result.count);
      }
      expect(covered).toBe(200_000);
      expect(asked.length / windows).toBeLessThanOrEqual(5);
    }
  });

  it("exports a millisecond holding more than the window may as one window of its own", async () => {
    const burst = Array.from({ length: 5000 }, () => first + 7 * DAY);
    const { result } = await plan([first + 7 * DAY, ...burst, ...spread(first + 8 * DAY, 30, 50)], {
      targetVersions: 10,
      chunkLimit: 100,
    });
    expect(result).toMatchObject({
      kind: "window",
      window: { since: start, till: iso(first + 7 * DAY + 1) },
      count: 5001,
    });
  });

  it("spends a bounded number of count queries whatever the data", async () => {
    // Half the versions on one millisecond: interpolation keeps overshooting it.
    const versions = [
      ...Array.from({ length: 50_000 }, () => first + 100 * DAY),
      ...spread(first, 3650, 50_000),
    ];
    const { result, asked } = await plan(versions, { targetVersions: 100, chunkLimit: 10_000 });
    expect(result.kind).toBe("window");
    expect(asked.length).toBeLessThanOrEqual(
      MAX_BACKLOG_COUNT_QUERIES + MAX_SIZING_COUNT_QUERIES + 2,
    );
    if (result.kind === "window") expect(result.count).toBeLessThanOrEqual(50_001);
  });

  it("plans as the original did when the source's count finds nothing the first-change query found", async () => {
    const limits = { lengthMs: 30 * DAY, chunkLimit: 10, capMs: farCap };
    const none = async () => 0;
    const sized = await planSizedWindow(
      start,
      iso(first + DAY),
      { ...limits, targetVersions: 100 },
      none,
    );
    const original = await planWindow(start, iso(first + DAY), limits, none);
    if (sized.kind !== "window" || original.kind !== "window") throw new Error("expected windows");
    expect(sized.window).toEqual(original.window);
    expect(sized.count).toBe(original.count);
  });

  it("plans a small first window when the migration has planned none yet", async () => {
    const versions = spread(first, 3650, REMAINING_SHARE * 4000);
    const { count } = counter(versions);
    const limits = { lengthMs: 30 * DAY, chunkLimit: 1e9, capMs: farCap, targetVersions: 800 };
    const firstWindow = await planSizedWindow(
      start,
      iso(first),
      { ...limits, windowsPlanned: 0 },
      count,
    );
    const later = await planSizedWindow(
      start,
      iso(first),
      { ...limits, windowsPlanned: 10 },
      count,
    );
    if (firstWindow.kind !== "window" || later.kind !== "window")
      throw new Error("expected windows");
    within(firstWindow.count, 800 / RAMP_FIRST_SHARE);
    within(later.count, 4000);
  });

  it("leaves empty and caught-up plans unchanged", async () => {
    const { count } = counter([]);
    const limits = {
      lengthMs: DAY,
      chunkLimit: 10,
      capMs: first + 30 * DAY,
      targetVersions: 100,
    };
    expect(await planSizedWindow(start, undefined, limits, count)).toEqual({
      kind: "empty",
      till: iso(first + 30 * DAY),
      countQueries: 0,
    });
    expect(await planSizedWindow(iso(first + 30 * DAY), undefined, limits, count)).toMatchObject({
      kind: "caught-up",
    });
  });
});
