import { describe, expect, it } from "vitest";
import { formatVerificationReport } from "../../../src/verify/format";
import type { VerificationReport } from "../../../src/verify/types";

function report(overrides: Partial<VerificationReport> = {}): VerificationReport {
  return {
    runId: "v20250303T030000-abcdef",
    seed: "seed01",
    startedAt: "2025-03-03T03:00:00.000Z",
    finishedAt: "2025-03-03T03:01:00.000Z",
    verdict: "Pass",
    passed: true,
    watermark: "2025-03-03T02:00:00.000Z",
    checks: ["surface", "deep", "reconcile"],
    typeSelection: "discovered",
    migratesHistory: true,
    migratesDeletes: true,
    concurrency: 8,
    applyHardDeletes: false,
    surface: {
      verdict: "Pass",
      rows: [
        {
          type: "Patient",
          scope: "search",
          source: 5,
          destination: 5,
          difference: 0,
          verdict: "Pass",
          reason: "counts are equal",
          watermark: null,
          sourceBeforeWatermark: null,
          destinationBeforeWatermark: null,
          sourceChangedSinceWatermark: null,
        },
      ],
    },
    deep: {
      verdict: "Pass",
      requested: 10,
      sampled: 5,
      passed: 5,
      failed: 0,
      behind: 0,
      errors: 0,
      perType: [
        {
          type: "Patient",
          allocated: 5,
          sampled: 5,
          passed: 5,
          failed: 0,
          behind: 0,
          errors: 0,
          error: null,
        },
      ],
      failures: [],
    },
    reconcile: {
      verdict: "Pass",
      types: [
        {
          type: "Patient",
          totals: {
            scanned: 5,
            extra: 0,
            hardDeleted: 0,
            deletedOnSource: 0,
            deletePending: 0,
            errors: 0,
            applied: 0,
            applyFailed: 0,
          },
          applyRefused: null,
          sample: [],
          verdict: "Pass",
          error: null,
        },
      ],
    },
    ...overrides,
  };
}

describe("formatVerificationReport", () => {
  it("prints a table per check and the seed to repeat the sample", () => {
    const text = formatVerificationReport(report());
    expect(text).toMatch(/^Verification v20250303T030000-abcdef: PASS$/m);
    expect(text).toMatch(/seed seed01/);
    expect(text).toMatch(/^ {2}Patient\s+search\s+5\s+5\s+0\s+Pass$/m);
    expect(text).toMatch(/^Deep check: PASS \(5 sampled of 10 requested/m);
    expect(text).toMatch(/^Hard-delete reconciliation: PASS$/m);
    expect(text).toMatch(/^Result: PASS\./m);
  });

  it("lists each differing resource with its versions and paths", () => {
    const base = report();
    const text = formatVerificationReport({
      ...base,
      verdict: "Fail",
      passed: false,
      deep: {
        ...base.deep!,
        verdict: "Fail",
        passed: 4,
        failed: 1,
        failures: [
          {
            type: "Patient",
            id: "p-1",
            result: "Fail",
            versionsCompared: 2,
            findings: [
              {
                versionId: "2",
                problem: "content",
                paths: [{ path: "name[0].family", kind: "changed" }],
                note: null,
              },
              {
                versionId: "3",
                problem: "missing",
                paths: [],
                note: "the destination has no current version of it",
              },
            ],
            note: null,
          },
        ],
      },
    });
    expect(text).toContain(
      "Patient/p-1 Fail: v2 name[0].family (changed); v3 missing (the destination has no current version of it)",
    );
    expect(text).toMatch(/^Result: FAIL\./m);
  });

  it("shows the reason of a surface row that did not pass", () => {
    const base = report();
    const row = {
      ...base.surface!.rows[0]!,
      destination: 4,
      difference: -1,
      verdict: "Behind" as const,
      reason: "explained by newer changes",
    };
    const text = formatVerificationReport({
      ...base,
      verdict: "Behind",
      surface: { verdict: "Behind", rows: [row] },
    });
    expect(text).toMatch(/Patient\s+search\s+5\s+4\s+-1\s+Behind\s+explained by newer changes/);
    expect(text).toMatch(/^Result: BEHIND\./m);
  });

  it("says how to apply hard deletes that were only listed, and why deletes were refused", () => {
    const base = report();
    const type = base.reconcile!.types[0]!;
    const text = formatVerificationReport({
      ...base,
      verdict: "Fail",
      reconcile: {
        verdict: "Fail",
        types: [
          {
            ...type,
            verdict: "Fail",
            totals: { ...type.totals, extra: 1, hardDeleted: 1 },
            sample: [
              {
                id: "gone-1",
                class: "hard-deleted",
                applied: false,
                note: "the source has no version of it",
              },
            ],
            applyRefused: "the source holds no Patient at all",
          },
        ],
      },
    });
    expect(text).toContain("Patient/gone-1 hard deleted: the source has no version of it");
    expect(text).toContain("Patient: deletes not applied: the source holds no Patient at all");
    expect(text).toMatch(
      /1 hard-deleted resource\(s\) are still on the destination; run again with applyHardDeletes=true/,
    );
  });

  it("leaves out checks that did not run", () => {
    const text = formatVerificationReport(
      report({ deep: null, reconcile: null, checks: ["surface"] }),
    );
    expect(text).not.toMatch(/Deep check|reconciliation/);
  });
});
