import { describe, expect, it } from "vitest";
import { VerificationTally, describeFullProgress } from "../../../src/status/verificationSummary";
import type { CheckResultRecord } from "../../../src/storage/migrationStateStore";

function check(overrides: Partial<CheckResultRecord> = {}): CheckResultRecord {
  return {
    runId: "20240501T120000Z-a",
    kind: "surface",
    resourceType: "Patient",
    key: "search",
    result: "Pass",
    details: JSON.stringify({ source: 10, destination: 10, reason: "counts match" }),
    ...overrides,
  };
}

function summarize(records: CheckResultRecord[]) {
  const tally = new VerificationTally();
  for (const r of records) tally.add(r);
  return tally.summary();
}

describe("VerificationTally", () => {
  it("is null when no verification has run", () => {
    expect(summarize([])).toBeNull();
  });

  it("keeps only the run whose id sorts last", () => {
    const summary = summarize([
      check({ runId: "20240430T080000Z-a", result: "Fail" }),
      check({ runId: "20240501T120000Z-a" }),
    ]);
    expect(summary).toMatchObject({
      runId: "20240501T120000Z-a",
      verdict: "Pass",
      runsSeen: 2,
      problemsTotal: 0,
    });
  });

  it("counts rows per check and result, with the worst result as the verdict", () => {
    const summary = summarize([
      check(),
      check({ resourceType: "Observation", result: "Behind" }),
      check({
        kind: "deep",
        resourceType: "Patient",
        key: "p1",
        result: "Fail",
        details: "version 2 differs",
      }),
    ]);
    expect(summary?.counts).toEqual({ surface: { Pass: 1, Behind: 1 }, deep: { Fail: 1 } });
    expect(summary?.verdict).toBe("Fail");
    expect(summary?.problems.map((p) => [p.kind, p.result, p.details])).toEqual([
      ["deep", "Fail", "version 2 differs"],
      ["surface", "Behind", "counts match"],
    ]);
  });

  it("reads the counts on each side from a surface row's details", () => {
    const summary = summarize([
      check({
        details: JSON.stringify({ source: 12, destination: 11, reason: "1 missing" }),
        result: "Fail",
      }),
    ]);
    expect(summary?.surface[0]).toMatchObject({
      source: 12,
      destination: 11,
      details: "1 missing",
    });
  });

  it("shows details that are not JSON as they are", () => {
    const summary = summarize([check({ details: "{not json", result: "Error" })]);
    expect(summary?.problems[0]).toMatchObject({ source: null, details: "{not json" });
  });
});

describe("full check progress", () => {
  const plan = check({
    kind: "full",
    resourceType: "_plan",
    key: "range",
    details: JSON.stringify({ source: 1000, startedAt: "2024-05-01T12:00:00.000Z" }),
  });
  const unit = (versions: number, result = "Pass") =>
    check({
      kind: "full",
      resourceType: "_unit",
      key: `u${versions}`,
      result,
      details: JSON.stringify({
        reason: "r",
        unit: { perType: [{ type: "Patient", source: versions }] },
      }),
    });

  it("adds the source versions of every finished unit to the plan's total", () => {
    expect(summarize([plan, unit(100), unit(150)])?.full).toEqual({
      versions: 1000,
      versionsDone: 250,
      unitsDone: 2,
      startedAt: "2024-05-01T12:00:00.000Z",
    });
  });

  it("does not count a unit that could not be compared as done", () => {
    expect(summarize([plan, unit(100, "Error")])?.full?.versionsDone).toBe(0);
  });

  it("estimates the time left from the pace since the plan", () => {
    const full = summarize([plan, unit(250)])!.full!;
    // 250 versions in 60 s: 750 left take 180 s.
    expect(describeFullProgress(full, "2024-05-01T12:01:00.000Z")).toBe(
      "Full check: 250 of 1,000 versions compared (25 %, 1 unit); about 3 min left at the pace so far",
    );
  });

  it("counts only the versions the units compare: a run past its last unit is finished", () => {
    // The plan's count holds the SearchParameter versions, which are compared apart, current only.
    const withSearchParameter = check({
      kind: "full",
      resourceType: "_plan",
      key: "range",
      details: JSON.stringify({
        source: 637,
        searchParameters: 1,
        startedAt: "2024-05-01T12:00:00.000Z",
      }),
    });
    const full = summarize([withSearchParameter, unit(636)])!.full!;
    expect(describeFullProgress(full, "2024-05-01T12:00:01.000Z")).toBe(
      "Full check: 636 of 636 versions compared (100 %, 1 unit); finished",
    );
  });

  it("says less than a second is left, never about under 1 s", () => {
    const full = summarize([plan, unit(999)])!.full!;
    expect(describeFullProgress(full, "2024-05-01T12:01:00.000Z")).toBe(
      "Full check: 999 of 1,000 versions compared (99 %, 1 unit); less than a second left at the pace so far",
    );
  });
});
