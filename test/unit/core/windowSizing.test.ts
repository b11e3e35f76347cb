import { describe, expect, it } from "vitest";
import type { Window } from "../../../src/core/windows";
import { iso, ms, planWindow } from "../../../src/core/windows";
import { MAX_SIZING_COUNT_QUERIES, planSizedWindow } from "../../../src/core/windowSizing";

const DAY = 86_400_000;
const start = "2015-01-01T00:00:00.000Z";
const farCap = ms("2030-01-01T00:00:00Z");

/** A counter over a fixed list of version instants (ms), recording the windows it was asked about. */
function counter(instants: number[]) {
  const asked: Window[] = [];
  const count = async (w: Window) => {
    asked.push(w);
    return instants.filter((t) => t >= ms(w.since) && t < ms(w.till)).length;
  };
  return { count, asked };
}

/** `n` versions spread evenly over `days` days from `fromMs`. */
function spread(fromMs: number, days: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => fromMs + Math.floor((i * days * DAY) / n));
}

const first = ms(start);

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

  it("merges sparse steps until the window holds the target", async () => {
    // 10 versions a month for ten years: 30-day steps hold about 10 each.
    const versions = spread(first, 3650, 1200);
    const { count } = counter(versions);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 100 },
      count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeGreaterThanOrEqual(100);
    // One step less would not have reached the target: the window is the shortest that does.
    const shorter = await counter(versions).count({
      since: start,
      till: iso(ms(plan.window.till) - 30 * DAY),
    });
    expect(shorter).toBeLessThan(100);
  });

  it("ends on the step grid counted from the first change", async () => {
    const change = first + 7 * DAY + 3_600_000;
    const versions = [change, ...spread(change, 3000, 300)];
    const plan = await planSizedWindow(
      start,
      iso(change),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 50 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.window.since).toBe(start);
    expect((ms(plan.window.till) - change) % (30 * DAY)).toBe(0);
  });

  it("runs to the cap when everything up to the cap holds less than the target", async () => {
    const versions = spread(first, 3650, 40);
    const cap = first + 3700 * DAY;
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: cap, targetVersions: 1000 },
      counter(versions).count,
    );
    expect(plan).toMatchObject({ kind: "window", window: { since: start, till: iso(cap) } });
    if (plan.kind === "window") expect(plan.count).toBe(40);
  });

  it("keeps a step holding exactly the target as it is, with one count query", async () => {
    const versions = spread(first, 30, 100);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 100 },
      counter(versions).count,
    );
    expect(plan).toMatchObject({ kind: "window", count: 100, countQueries: 1 });
    if (plan.kind === "window") expect(plan.window.till).toBe(iso(first + 30 * DAY));
  });

  it("cuts a dense first step down to the target", async () => {
    const versions = spread(first, 30, 5000);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 100 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeLessThanOrEqual(100);
    expect(plan.count).toBeGreaterThan(90);
  });

  it("stops before a dense stretch that would take the window past twice the target", async () => {
    // Sparse for a year (20 versions), then one month holding 500.
    const denseFrom = first + 400 * DAY;
    const versions = [...spread(first, 360, 20), ...spread(denseFrom, 30, 500)];
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 100 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBe(20);
    expect(ms(plan.window.till)).toBeLessThanOrEqual(denseFrom + 30 * DAY);
  });

  it("never grows past the chunk limit", async () => {
    // Sparse for a year, then a month holding more than the limit.
    const versions = [...spread(first, 360, 20), ...spread(first + 400 * DAY, 30, 500)];
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 200, capMs: farCap, targetVersions: 150 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeLessThanOrEqual(200);
    expect(plan.count).toBe(20);
    expect(ms(plan.window.till)).toBeLessThanOrEqual(first + 400 * DAY + 30 * DAY);
  });

  it("still splits a first step above the chunk limit, without growing it", async () => {
    const versions = spread(first, 30, 500);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 100, capMs: farCap, targetVersions: 80 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeLessThanOrEqual(100);
    expect(ms(plan.window.till)).toBeLessThan(first + 30 * DAY);
  });

  it("treats a target above the chunk limit as the chunk limit", async () => {
    const versions = spread(first, 3650, 1000);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 300, capMs: farCap, targetVersions: 5000 },
      counter(versions).count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeGreaterThanOrEqual(300 - 10);
    expect(plan.count).toBeLessThanOrEqual(300);
  });

  it("spends at most the bounded number of count queries on growing", async () => {
    // One-hour steps over ten sparse years: far more steps than the budget can gallop through.
    const versions = spread(first, 3650, 100);
    const { count, asked } = counter(versions);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 3_600_000, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 1_000_000 },
      count,
    );
    expect(plan.kind).toBe("window");
    expect(asked.length).toBeLessThanOrEqual(1 + MAX_SIZING_COUNT_QUERIES);
    if (plan.kind === "window") expect(plan.countQueries).toBe(asked.length);
  });

  it("covers ten sparse years in thirty-day steps with a handful of queries", async () => {
    const versions = spread(first, 3650, 1200);
    const { count, asked } = counter(versions);
    const plan = await planSizedWindow(
      start,
      iso(first),
      { lengthMs: 30 * DAY, chunkLimit: 1_000_000, capMs: farCap, targetVersions: 100_000 },
      count,
    );
    expect(plan).toMatchObject({ kind: "window", count: 1200 });
    expect(asked.length).toBeLessThanOrEqual(10);
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
