import { describe, expect, it } from "vitest";
import type { CountedRange } from "../../../src/core/fullUnits";
import {
  RECONCILE_WINDOW_IDS,
  fromReconcileCursor,
  nextWindowBatch,
  toReconcileCursor,
} from "../../../src/verify/reconcileWindows";

/** Both servers hold `perMs` resources per millisecond of [0, span). */
function counter(perMs: number) {
  const calls: [number, number][] = [];
  const count = async (sinceMs: number, tillMs: number): Promise<CountedRange> => {
    calls.push([sinceMs, tillMs]);
    const n = (tillMs - sinceMs) * perMs;
    return { sinceMs, tillMs, source: n, destination: n };
  };
  return { calls, count };
}

describe("the reconciliation's windows", () => {
  it("cuts a window holding too many ids into counted parts that fit, in time order", async () => {
    const { calls, count } = counter(10);
    const windows = [await count(0, 100_000)];
    calls.length = 0;
    const batch = await nextWindowBatch(windows, 4, count);
    expect(calls.length).toBeGreaterThan(0);
    expect(batch).toHaveLength(4);
    expect(batch).toEqual(windows.slice(0, 4));
    // Only what is walked now is cut: later windows are cut when they come to the front.
    for (const w of batch) expect(w.destination).toBeLessThanOrEqual(RECONCILE_WINDOW_IDS);
    // The parts cover the range exactly: each starts where the previous ended.
    expect(windows[0]?.sinceMs).toBe(0);
    expect(windows.at(-1)?.tillMs).toBe(100_000);
    windows.forEach((w, i) => i > 0 && expect(w.sinceMs).toBe(windows[i - 1]!.tillMs));
    expect(windows.reduce((n, w) => n + w.destination, 0)).toBe(1_000_000);
  });

  it("walks windows that fit as they are, without counting again", async () => {
    const { calls, count } = counter(1);
    const windows = [await count(0, 100), await count(100, 200)];
    calls.length = 0;
    expect(await nextWindowBatch(windows, 8, count)).toEqual(windows);
    expect(calls).toEqual([]);
  });

  it("stops a batch at a window that must be cut first", async () => {
    const { count } = counter(1);
    const big = { sinceMs: 100, tillMs: 200, source: 0, destination: RECONCILE_WINDOW_IDS + 1 };
    const windows = [await count(0, 100), big];
    expect(await nextWindowBatch(windows, 8, count)).toEqual([windows[0]]);
  });
});

describe("the reconciliation's cursor", () => {
  it("keeps adjacent counted windows compactly and gives them back as they were", () => {
    const windows = [
      { sinceMs: 0, tillMs: 100, source: 3, destination: 4 },
      { sinceMs: 100, tillMs: 250, source: 0, destination: 1 },
    ];
    const cursor = toReconcileCursor(windows);
    expect(cursor).toEqual({
      till: 250,
      windows: [
        [0, 3, 4],
        [100, 0, 1],
      ],
    });
    expect(fromReconcileCursor(JSON.parse(JSON.stringify(cursor)))).toEqual(windows);
  });

  it("refuses windows with a gap between them", () => {
    expect(() =>
      toReconcileCursor([
        { sinceMs: 0, tillMs: 100, source: 1, destination: 1 },
        { sinceMs: 150, tillMs: 200, source: 1, destination: 1 },
      ]),
    ).toThrow(/not adjacent/);
  });
});
