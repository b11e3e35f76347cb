import { describe, expect, it } from "vitest";
import type { FullTally } from "../../../src/verify/fullSummary";
import {
  FULL_EXAMPLE_BYTES,
  addUnit,
  emptyFullTally,
  fullSummaryOf,
} from "../../../src/verify/fullSummary";
import type { FullPlan, FullTypeTotals, FullUnitResult } from "../../../src/verify/fullTypes";
import { FULL_EXAMPLES_PER_TYPE } from "../../../src/verify/fullTypes";

const plan: FullPlan = {
  scope: "history",
  sinceMs: 0,
  tillMs: 1000,
  source: 10,
  destination: 10,
  unitVersions: 5,
  resumed: false,
  migratesDeletes: true,
  watermark: null,
  incremental: false,
  startedAt: "2025-03-03T03:00:00.000Z",
};

function totals(overrides: Partial<FullTypeTotals>): FullTypeTotals {
  return {
    type: "Patient",
    source: 5,
    destination: 5,
    matched: 5,
    missing: 0,
    extra: 0,
    different: 0,
    behind: 0,
    skipped: 0,
    known: 0,
    ...overrides,
  };
}

function unit(perType: FullTypeTotals[], overrides: Partial<FullUnitResult> = {}): FullUnitResult {
  return {
    key: "k",
    sinceMs: 0,
    tillMs: 500,
    resumed: false,
    held: 5,
    perType,
    examples: [],
    error: null,
    ...overrides,
  };
}

/** Folds the units into a tally that goes through JSON after each, as it crosses continue-as-new. */
function fold(units: FullUnitResult[]): FullTally {
  let tally = emptyFullTally();
  for (const u of units) {
    addUnit(tally, u);
    tally = JSON.parse(JSON.stringify(tally)) as FullTally;
  }
  return tally;
}

describe("the full check's tally", () => {
  it("adds the units' counts per type", () => {
    const tally = fold([
      unit([totals({})]),
      unit([totals({ matched: 4, missing: 1 }), totals({ type: "Observation" })]),
    ]);
    const s = fullSummaryOf(tally, plan, 0, null);
    expect(s.perType.map((t) => [t.type, t.source, t.matched, t.missing])).toEqual([
      ["Observation", 5, 5, 0],
      ["Patient", 10, 9, 1],
    ]);
    expect(s.verdict).toBe("Fail");
    expect(tally.versionsDone).toBe(15);
  });

  it("passes with versions only the destination has: extra is not loss", () => {
    const tally = fold([unit([totals({ destination: 7, extra: 2 })])]);
    expect(fullSummaryOf(tally, plan, 0, null)).toMatchObject({
      verdict: "Pass",
      totals: { extra: 2 },
    });
  });

  it("says Error when a unit could not be compared, whatever else passed", () => {
    const tally = fold([unit([], { error: "timeout" }), unit([totals({})])]);
    expect(fullSummaryOf(tally, plan, 0, null)).toMatchObject({
      verdict: "Error",
      errors: [{ unit: "k", error: "timeout" }],
    });
  });

  it("keeps a bounded number of examples per type and kind", () => {
    const example = (i: number) => ({
      type: "Patient",
      id: `p${i}`,
      versionId: "1",
      problem: "missing" as const,
      paths: [],
      note: null,
    });
    const tally = fold(
      [0, 1, 2].map((u) =>
        unit([totals({ missing: 20 })], {
          examples: Array.from({ length: 20 }, (_, i) => example(u * 20 + i)),
        }),
      ),
    );
    expect(fullSummaryOf(tally, plan, 0, null).examples).toHaveLength(FULL_EXAMPLES_PER_TYPE);
  });

  it("keeps examples within a byte budget whatever the number of types, with every count exact", () => {
    const types = Array.from({ length: 146 }, (_, i) => `Type${String(i).padStart(3, "0")}`);
    const units = types.map((type) =>
      unit([totals({ type, matched: 3, different: 2 })], {
        examples: Array.from({ length: 20 }, (_, i) => ({
          type,
          id: `id-${i}`,
          versionId: "1",
          problem: "content" as const,
          paths: [{ path: "code.coding[0].display", kind: "changed" as const }],
          note: null,
        })),
      }),
    );
    const tally = fold(units);
    expect(tally.exampleBytes).toBeLessThanOrEqual(FULL_EXAMPLE_BYTES);
    expect(JSON.stringify(tally.examples).length).toBeLessThanOrEqual(FULL_EXAMPLE_BYTES + 200);
    expect(fullSummaryOf(tally, plan, 0, null).totals.different).toBe(146 * 2);
    // The whole tally stays far below the 64 KB that may cross continue-as-new.
    expect(JSON.stringify(tally).length).toBeLessThan(48 * 1024);
  });

  it("counts the unit rows by verdict and keeps the first that did not pass", () => {
    const tally = fold([
      unit([totals({})], { key: "a" }),
      unit([totals({ matched: 4, missing: 1 })], { key: "b" }),
      unit([], { key: "c", error: "timeout" }),
    ]);
    // The plan row passes too.
    expect(tally.rows.results).toEqual({ Pass: 2, Fail: 1, Error: 1 });
    expect(tally.rows.problems.map((p) => [p.key, p.result])).toEqual([
      ["b", "Fail"],
      ["c", "Error"],
    ]);
    expect(tally.rows.problems[1]?.details).toBe("not compared: timeout");
  });
});
