import { describe, expect, it } from "vitest";
import {
  SortedVersions,
  VersionHistogram,
  growthPerYear,
  histogramFor,
  splitByShares,
} from "../../../bench/versionSource";

/** The stamps a histogram describes: bin b's n versions at start + ⌊i · width / n⌋. */
function stampsOf(startMs: number, binMs: number, bins: number[]): number[] {
  return bins.flatMap((n, b) =>
    Array.from({ length: n }, (_, i) => startMs + b * binMs + Math.floor((i * binMs) / n)),
  );
}

describe("VersionHistogram", () => {
  const startMs = 1_000_000;
  const binMs = 1000;
  const bins = [3, 0, 1, 2000, 7, 0, 0, 999];
  const histogram = new VersionHistogram(
    startMs,
    binMs,
    Float64Array.from(bins),
    new Map([["Patient", 1]]),
  );
  const stamps = stampsOf(startMs, binMs, bins);

  it("counts [since, till) exactly as the versions it describes", () => {
    const edges = [
      startMs - 5,
      startMs,
      startMs + 1,
      startMs + 999,
      startMs + 2500,
      startMs + 3000,
    ];
    edges.push(startMs + 3001, startMs + 3999, startMs + 4500, startMs + 7999, startMs + 9000);
    for (const since of edges) {
      for (const till of edges) {
        const expected = stamps.filter((t) => t >= since && t < till).length;
        expect(histogram.count(since, till)).toBe(expected);
      }
    }
  });

  it("answers the oldest version at or after an instant as the versions do", () => {
    for (const at of [
      startMs - 1,
      startMs,
      startMs + 1,
      startMs + 1500,
      startMs + 3000,
      startMs + 3000.5,
    ]) {
      expect(histogram.firstAtOrAfter(at)).toBe(stamps.find((t) => t >= at));
    }
    expect(histogram.firstAtOrAfter(startMs + 8000)).toBeUndefined();
    expect(histogram.lastAtMs).toBe(stamps.at(-1));
  });

  it("agrees with the sorted list of the same stamps", () => {
    const sorted = new SortedVersions(stamps.map((atMs) => ({ atMs, type: "Patient" })));
    for (const [since, till] of [
      [startMs, startMs + 3500],
      [startMs + 3200, startMs + 3201],
      [startMs + 2999, startMs + 7999],
    ] as const) {
      expect(histogram.count(since, till)).toBe(sorted.count(since, till));
    }
  });

  it("refuses a bin that holds a fraction of a version", () => {
    expect(
      () => new VersionHistogram(0, 10, Float64Array.from([1.5]), new Map([["Patient", 1]])),
    ).toThrow(/bin 0 holds 1.5 versions/);
  });
});

describe("histogramFor", () => {
  it("holds exactly the versions asked for, over the years asked for", () => {
    const endMs = Date.parse("2025-06-01T00:00:00Z");
    const histogram = histogramFor({ years: 10, seed: 7, ageExponent: 1 }, 12_345_678, endMs);
    expect(histogram.total).toBe(12_345_678);
    expect(histogram.count(Number.NEGATIVE_INFINITY, endMs)).toBe(12_345_678);
    expect(histogram.firstAtOrAfter(Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(
      endMs - 10 * 365.25 * 86_400_000 - 3_600_000,
    );
    const shares = [...histogram.typeShares.values()].reduce((a, b) => a + b, 0);
    expect(shares).toBeCloseTo(1, 10);
  });
});

describe("splitByShares", () => {
  it("splits a count into whole parts that add up to it", () => {
    const parts = splitByShares(
      1001,
      new Map([
        ["A", 0.5],
        ["B", 0.3],
        ["C", 0.2],
      ]),
    );
    expect([...parts.values()].reduce((a, b) => a + b, 0)).toBe(1001);
    expect(parts.get("A")).toBe(501);
  });
});

describe("steady growth (the recent-heavy scale shape)", () => {
  const YEAR_MS = 365.25 * 86_400_000;

  it("finds the yearly growth that puts the share asked for in the last two years", () => {
    for (const [years, share] of [
      [10, 0.8],
      [10, 0.5],
      [6, 0.7],
    ] as const) {
      const g = growthPerYear(years, share) * years;
      const recent = (Math.exp(g) - Math.exp((g * (years - 2)) / years)) / Math.expm1(g);
      expect(recent).toBeCloseTo(share, 6);
    }
  });

  it("puts about that share of the histogram's versions in the last two years", () => {
    const endMs = Date.parse("2026-01-01T00:00:00Z");
    const histogram = histogramFor({ years: 10, seed: 7 }, 1_000_000, endMs, undefined, {
      kind: "growth",
      recentShare: 0.8,
    });
    const recent = histogram.count(endMs - 2 * YEAR_MS, endMs + 1) / histogram.total;
    // Updates and deletes come after their creation, so slightly more than the creations' share.
    expect(recent).toBeGreaterThan(0.78);
    expect(recent).toBeLessThan(0.86);
  });
});
