import { describe, expect, it } from "vitest";
import { FullAccumulator } from "../../../src/verify/fullSummary";
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

describe("FullAccumulator", () => {
  it("adds the units' counts per type", () => {
    const acc = new FullAccumulator();
    acc.add(unit([totals({})]));
    acc.add(unit([totals({ matched: 4, missing: 1 }), totals({ type: "Observation" })]));
    const s = acc.summary(plan, 0, null);
    expect(s.perType.map((t) => [t.type, t.source, t.matched, t.missing])).toEqual([
      ["Observation", 5, 5, 0],
      ["Patient", 10, 9, 1],
    ]);
    expect(s.verdict).toBe("Fail");
    expect(acc.versionsDone).toBe(15);
  });

  it("passes with versions only the destination has: extra is not loss", () => {
    const acc = new FullAccumulator();
    acc.add(unit([totals({ destination: 7, extra: 2 })]));
    expect(acc.summary(plan, 0, null)).toMatchObject({ verdict: "Pass", totals: { extra: 2 } });
  });

  it("says Error when a unit could not be compared, whatever else passed", () => {
    const acc = new FullAccumulator();
    acc.add(unit([], { error: "timeout" }));
    acc.add(unit([totals({})]));
    expect(acc.summary(plan, 0, null)).toMatchObject({
      verdict: "Error",
      errors: [{ unit: "k", error: "timeout" }],
    });
  });

  it("keeps a bounded number of examples per type and kind", () => {
    const acc = new FullAccumulator();
    const example = (i: number) => ({
      type: "Patient",
      id: `p${i}`,
      versionId: "1",
      problem: "missing" as const,
      paths: [],
      note: null,
    });
    for (let u = 0; u < 3; u++)
      acc.add(
        unit([totals({ missing: 20 })], {
          examples: Array.from({ length: 20 }, (_, i) => example(u * 20 + i)),
        }),
      );
    expect(acc.summary(plan, 0, null).examples).toHaveLength(FULL_EXAMPLES_PER_TYPE);
  });
});
