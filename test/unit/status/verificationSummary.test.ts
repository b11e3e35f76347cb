import { describe, expect, it } from "vitest";
import { describeFullProgress, verificationInfoOf } from "../../../src/status/verificationSummary";
import type { CheckResultRecord } from "../../../src/storage/migrationStateStore";
import { fullCheckSummary, initialFullCheckState } from "../../../src/verify/fullOrchestrator";
import type { CheckSummary } from "../../../src/verify/runSummary";

const latest = { runId: "v20240501T120000-aaaaaa", runs: 3 };

function surfaceRow(overrides: Partial<CheckResultRecord> = {}): CheckResultRecord {
  return {
    runId: latest.runId,
    kind: "surface",
    resourceType: "Patient",
    key: "search",
    result: "Pass",
    details: JSON.stringify({ source: 10, destination: 10, reason: "counts match" }),
    ...overrides,
  };
}

function summary(overrides: Partial<CheckSummary> = {}): CheckSummary {
  return {
    runId: latest.runId,
    kind: "surface",
    results: { Pass: 1 },
    problems: [],
    full: null,
    finished: true,
    ...overrides,
  };
}

const problem = (key: string, result: string, details = "why") => ({
  resourceType: "Patient",
  key,
  result,
  source: null,
  destination: null,
  details,
});

describe("the latest verification from its summary rows", () => {
  it("counts rows per check and result, with the worst result as the verdict", () => {
    const info = verificationInfoOf(
      latest,
      [
        summary({ results: { Pass: 1, Behind: 1 }, problems: [problem("history", "Behind")] }),
        summary({ kind: "deep", results: { Pass: 3, Fail: 1 }, problems: [problem("p1", "Fail")] }),
      ],
      [surfaceRow()],
    );
    expect(info).toMatchObject({
      runId: latest.runId,
      verdict: "Fail",
      runsSeen: 3,
      counts: { surface: { Pass: 1, Behind: 1 }, deep: { Pass: 3, Fail: 1 } },
      problemsTotal: 2,
    });
    expect(info.problems.map((p) => [p.kind, p.result])).toEqual([
      ["deep", "Fail"],
      ["surface", "Behind"],
    ]);
  });

  it("reads the counts on each side from a surface row's details", () => {
    const info = verificationInfoOf(
      latest,
      [summary()],
      [
        surfaceRow({
          details: JSON.stringify({ source: 12, destination: 11, reason: "1 missing" }),
          result: "Fail",
        }),
      ],
    );
    expect(info.surface[0]).toMatchObject({ source: 12, destination: 11, details: "1 missing" });
  });

  it("shows surface details that are not JSON as they are", () => {
    const info = verificationInfoOf(latest, [], [surfaceRow({ details: "{not json" })]);
    expect(info.surface[0]).toMatchObject({ source: null, details: "{not json" });
  });

  it("lists at most 20 problems, worst first, and counts them all", () => {
    const many = Array.from({ length: 20 }, (_, i) => problem(`u${i}`, "Behind"));
    const info = verificationInfoOf(
      latest,
      [
        summary({ kind: "full", results: { Behind: 500 }, problems: many }),
        summary({
          kind: "reconcile",
          results: { Error: 1 },
          problems: [problem("_summary", "Error")],
        }),
      ],
      [],
    );
    expect(info.problemsTotal).toBe(501);
    expect(info.problems).toHaveLength(20);
    expect(info.problems[0]).toMatchObject({ kind: "reconcile", result: "Error" });
  });

  it("takes the full check's progress from its summary", () => {
    const full = {
      versions: 1000,
      versionsDone: 250,
      unitsDone: 1,
      startedAt: "2024-05-01T12:00:00.000Z",
    };
    const info = verificationInfoOf(latest, [summary({ kind: "full", full, finished: false })], []);
    expect(info.full).toEqual(full);
  });
});

describe("full check progress", () => {
  it("estimates the time left from the pace since the plan", () => {
    const full = {
      versions: 1000,
      versionsDone: 250,
      unitsDone: 1,
      startedAt: "2024-05-01T12:00:00.000Z",
    };
    // 250 versions in 60 s: 750 left take 180 s.
    expect(describeFullProgress(full, "2024-05-01T12:01:00.000Z")).toBe(
      "Full check: 250 of 1,000 versions compared (25 %, 1 unit); about 3 min left at the pace so far",
    );
  });

  it("counts only the versions the units compare: a run past its last unit is finished", () => {
    // The plan counted 637 versions, one a SearchParameter compared apart (current only).
    const state = initialFullCheckState({
      runId: latest.runId,
      resume: false,
      unitVersions: 1000,
      concurrency: 1,
      pageSize: 1000,
      sinceMs: null,
    });
    state.plan = {
      scope: "history",
      sinceMs: 0,
      tillMs: 1000,
      source: 637,
      destination: 637,
      searchParameters: 1,
      unitVersions: 1000,
      resumed: false,
      migratesDeletes: true,
      watermark: null,
      incremental: false,
      startedAt: "2024-05-01T12:00:00.000Z",
    };
    state.tally.units = 1;
    state.tally.versionsDone = 636;
    const full = fullCheckSummary(state, false).full!;
    expect(describeFullProgress(full, "2024-05-01T12:00:01.000Z")).toBe(
      "Full check: 636 of 636 versions compared (100 %, 1 unit); finished",
    );
  });

  it("says less than a second is left, never about under 1 s", () => {
    const full = {
      versions: 1000,
      versionsDone: 999,
      unitsDone: 1,
      startedAt: "2024-05-01T12:00:00.000Z",
    };
    expect(describeFullProgress(full, "2024-05-01T12:01:00.000Z")).toBe(
      "Full check: 999 of 1,000 versions compared (99 %, 1 unit); less than a second left at the pace so far",
    );
  });
});
