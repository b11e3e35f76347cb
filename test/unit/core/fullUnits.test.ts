import { describe, expect, it } from "vitest";
import {
  BYTES_PER_HELD_VERSION,
  BYTES_PER_PAGE,
  MAX_PARTS,
  cutByTime,
  partsForPages,
  MIN_UNIT_VERSIONS,
  estimateSecondsLeft,
  memoryBoundBytes,
  mergeAdjacent,
  splitDecision,
  unitKey,
  unitVersionsFor,
} from "../../../src/core/fullUnits";

const MB = 1024 * 1024;

describe("unitVersionsFor", () => {
  it("sizes units so that the units in flight stay within the memory budget", () => {
    const n = unitVersionsFor(512 * MB, 8);
    expect(memoryBoundBytes(n, 8)).toBeLessThanOrEqual(512 * MB);
    expect(memoryBoundBytes(n + 1, 8)).toBeGreaterThan(512 * MB - 8 * BYTES_PER_HELD_VERSION);
  });

  it("gives smaller units when more run at once", () => {
    expect(unitVersionsFor(512 * MB, 16)).toBeLessThan(unitVersionsFor(512 * MB, 4));
  });

  it("never goes below the minimum unit, even on a tiny budget", () => {
    expect(unitVersionsFor(BYTES_PER_PAGE, 8)).toBe(MIN_UNIT_VERSIONS);
  });

  it("rejects a concurrency that is not a whole number of at least 1", () => {
    expect(() => unitVersionsFor(512 * MB, 0)).toThrow(/concurrency must be a whole number/);
  });
});

describe("splitDecision", () => {
  const range = (source: number, destination: number, span = 1000) => ({
    sinceMs: 10_000,
    tillMs: 10_000 + span,
    source,
    destination,
  });

  it("keeps a range that fits on both servers as one unit", () => {
    expect(splitDecision(range(100, 100), 100)).toEqual({ kind: "unit", oversize: false });
  });

  it("splits when the destination alone holds more than a unit", () => {
    expect(splitDecision(range(10, 101), 100).kind).toBe("split");
  });

  it("cuts into as many equal whole-millisecond parts as the count needs, covering the range exactly", () => {
    const d = splitDecision(range(450, 0), 100);
    if (d.kind !== "split") throw new Error("expected a split");
    expect(d.parts).toHaveLength(5);
    expect(d.parts[0]!.sinceMs).toBe(10_000);
    expect(d.parts[4]!.tillMs).toBe(11_000);
    for (let i = 1; i < d.parts.length; i++)
      expect(d.parts[i]!.sinceMs).toBe(d.parts[i - 1]!.tillMs);
    expect(d.parts.every((p) => Number.isInteger(p.sinceMs) && p.tillMs > p.sinceMs)).toBe(true);
  });

  it("cuts into at most MAX_PARTS parts and never below one millisecond", () => {
    const wide = splitDecision(range(1_000_000, 0), 100);
    expect(wide.kind === "split" && wide.parts.length).toBe(MAX_PARTS);
    const narrow = splitDecision(range(1_000_000, 0, 3), 100);
    expect(narrow.kind === "split" && narrow.parts.length).toBe(3);
  });

  it("keeps a single millisecond that holds too much as an oversize unit", () => {
    expect(splitDecision(range(500, 0, 1), 100)).toEqual({ kind: "unit", oversize: true });
  });
});

describe("mergeAdjacent", () => {
  it("merges neighbours while both counts fit, and adds their counts", () => {
    const merged = mergeAdjacent(
      [
        { sinceMs: 0, tillMs: 10, source: 30, destination: 30 },
        { sinceMs: 10, tillMs: 20, source: 40, destination: 41 },
        { sinceMs: 20, tillMs: 30, source: 40, destination: 40 },
      ],
      100,
    );
    expect(merged).toEqual([
      { sinceMs: 0, tillMs: 20, source: 70, destination: 71 },
      { sinceMs: 20, tillMs: 30, source: 40, destination: 40 },
    ]);
  });

  it("never bridges a gap between ranges", () => {
    expect(
      mergeAdjacent(
        [
          { sinceMs: 0, tillMs: 10, source: 1, destination: 1 },
          { sinceMs: 11, tillMs: 20, source: 1, destination: 1 },
        ],
        100,
      ),
    ).toHaveLength(2);
  });

  it("rejects overlapping ranges", () => {
    expect(() =>
      mergeAdjacent(
        [
          { sinceMs: 0, tillMs: 10, source: 1, destination: 1 },
          { sinceMs: 5, tillMs: 20, source: 1, destination: 1 },
        ],
        100,
      ),
    ).toThrow(/overlap/);
  });
});

describe("unitKey and estimateSecondsLeft", () => {
  it("gives keys that sort by time", () => {
    const a = unitKey({ sinceMs: 9_000, tillMs: 10_000 });
    const b = unitKey({ sinceMs: 10_000, tillMs: 200_000 });
    expect(a < b).toBe(true);
  });

  it("estimates from the pace of this attempt only", () => {
    // 1,000 of 10,000 done, 500 of them in this attempt, in 5 s: 9,000 left at 100/s.
    expect(estimateSecondsLeft(1_000, 10_000, 500, 5_000)).toBe(90);
    expect(estimateSecondsLeft(1_000, 10_000, 0, 5_000)).toBeUndefined();
    expect(estimateSecondsLeft(10_000, 10_000, 0, 0)).toBe(0);
  });
});

describe("cutByTime", () => {
  const range = { sinceMs: 1_000, tillMs: 1_010, source: 900, destination: 950 };

  it("cuts a range into equal stretches of whole milliseconds, without gaps, each with the range's counts", () => {
    expect(cutByTime(range, 3)).toEqual([
      { sinceMs: 1_000, tillMs: 1_003, source: 900, destination: 950 },
      { sinceMs: 1_003, tillMs: 1_006, source: 900, destination: 950 },
      { sinceMs: 1_006, tillMs: 1_010, source: 900, destination: 950 },
    ]);
  });

  it("never cuts below one millisecond", () => {
    expect(cutByTime({ ...range, tillMs: 1_002 }, 8)).toHaveLength(2);
  });

  it("refuses a number of parts that is not a whole number ≥ 1", () => {
    expect(() => cutByTime(range, 0)).toThrow(/whole number ≥ 1, got 0/);
  });
});

describe("partsForPages", () => {
  it("gives one part per page of the larger side, at most the slots, at least one", () => {
    const range = { sinceMs: 0, tillMs: 1, source: 2_500, destination: 3_100 };
    expect(partsForPages(range, 1_000, 8)).toBe(4);
    expect(partsForPages(range, 1_000, 3)).toBe(3);
    expect(partsForPages({ ...range, source: 0, destination: 0 }, 1_000, 8)).toBe(1);
  });
});
