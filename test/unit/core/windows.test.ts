import { describe, expect, it } from "vitest";
import type { Window } from "../../../src/core/windows";
import { iso, ms, planWindow, windowCap } from "../../../src/core/windows";

const DAY = 86_400_000;
const start = "2020-01-01T00:00:00.000Z";

/** A counter over a fixed list of version timestamps, recording the windows it was asked about. */
function counter(instants: string[]) {
  const asked: Window[] = [];
  const count = async (w: Window) => {
    asked.push(w);
    return instants.filter((t) => t >= w.since && t < w.till).length;
  };
  return { count, asked };
}

describe("planWindow", () => {
  it("is caught up when the frontier has reached the cap", async () => {
    const { count } = counter([]);
    const plan = await planWindow(
      start,
      undefined,
      { lengthMs: DAY, chunkLimit: 10, capMs: ms(start) },
      count,
    );
    expect(plan.kind).toBe("caught-up");
  });

  it("skips an empty stretch up to the cap with no count query", async () => {
    const { count, asked } = counter([]);
    const plan = await planWindow(
      start,
      undefined,
      { lengthMs: DAY, chunkLimit: 10, capMs: ms(start) + 30 * DAY },
      count,
    );
    expect(plan).toEqual({ kind: "empty", till: iso(ms(start) + 30 * DAY), countQueries: 0 });
    expect(asked).toEqual([]);
  });

  it("treats a next change at or after the cap as an empty stretch", async () => {
    const { count } = counter([]);
    const cap = ms(start) + DAY;
    const plan = await planWindow(
      start,
      iso(cap),
      { lengthMs: DAY, chunkLimit: 10, capMs: cap },
      count,
    );
    expect(plan.kind).toBe("empty");
  });

  it("starts at the frontier and ends one length after the next change", async () => {
    const change = "2021-06-01T12:00:00.000Z";
    const { count } = counter([change]);
    const plan = await planWindow(
      start,
      change,
      { lengthMs: DAY, chunkLimit: 10, capMs: ms("2030-01-01T00:00:00Z") },
      count,
    );
    expect(plan).toMatchObject({
      kind: "window",
      window: { since: start, till: iso(ms(change) + DAY) },
      count: 1,
    });
  });

  it("never ends after the cap", async () => {
    const change = "2020-01-01T01:00:00.000Z";
    const cap = ms("2020-01-01T02:00:00.000Z");
    const { count } = counter([change]);
    const plan = await planWindow(
      start,
      change,
      { lengthMs: DAY, chunkLimit: 10, capMs: cap },
      count,
    );
    expect(plan).toMatchObject({ kind: "window", window: { till: iso(cap) } });
  });

  it("pulls the end in until the window holds at most the chunk limit", async () => {
    const instants = Array.from({ length: 100 }, (_, i) => iso(ms(start) + i * 3_600_000));
    const { count } = counter(instants);
    const plan = await planWindow(
      start,
      instants[0],
      { lengthMs: 30 * DAY, chunkLimit: 25, capMs: ms("2030-01-01T00:00:00Z") },
      count,
    );
    if (plan.kind !== "window") throw new Error(`expected a window, got ${plan.kind}`);
    expect(plan.count).toBeLessThanOrEqual(25);
    expect(plan.count).toBeGreaterThanOrEqual(24);
    const inside = instants.filter((t) => t >= plan.window.since && t < plan.window.till).length;
    expect(inside).toBe(plan.count);
  });

  it("exports a single second that holds more than the limit as it is", async () => {
    const burst = Array.from({ length: 50 }, () => "2020-01-01T00:00:00.500Z");
    const { count } = counter(burst);
    const plan = await planWindow(
      start,
      burst[0],
      { lengthMs: DAY, chunkLimit: 10, capMs: ms("2030-01-01T00:00:00Z") },
      count,
    );
    expect(plan).toMatchObject({ kind: "window", count: 50 });
  });

  it("chains: planning from each till covers every version exactly once", async () => {
    const instants = Array.from({ length: 200 }, (_, i) => iso(ms(start) + i * i * 60_000));
    const { count } = counter(instants);
    const cap = ms(instants[instants.length - 1]!) + 1;
    let frontier = start;
    let covered = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const next = instants.find((t) => t >= frontier);
      const plan = await planWindow(
        frontier,
        next,
        { lengthMs: 2 * DAY, chunkLimit: 17, capMs: cap },
        count,
      );
      if (plan.kind === "caught-up") break;
      if (plan.kind === "empty") {
        frontier = plan.till;
        continue;
      }
      expect(plan.window.since).toBe(frontier);
      covered += plan.count;
      frontier = plan.window.till;
    }
    expect(covered).toBe(instants.length);
  });
});

describe("windowCap", () => {
  it("is now minus the safety lag", () => {
    expect(windowCap(100_000, 60_000, undefined)).toBe(40_000);
  });

  it("is the end date when that is earlier", () => {
    expect(windowCap(ms("2030-01-01T00:00:00Z"), 60_000, "2024-01-01T00:00:00.000Z")).toBe(
      ms("2024-01-01T00:00:00Z"),
    );
  });
});

describe("ms", () => {
  it("rejects text that is not an instant", () => {
    expect(() => ms("yesterday")).toThrow(/Not an ISO instant/);
  });
});
