import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/local/durableRuntime";
import { runOrchestration } from "../../../src/local/durableRuntime";
import type { DeepCompareInput } from "../../../src/verify/deepCompare";
import type { DeepSampleInput } from "../../../src/verify/deepSample";
import type { FullPlan, FullUnitInput } from "../../../src/verify/fullTypes";
import { noSearchParameters, unitResult } from "../../support/fullCheck";
import { share } from "../../../src/verify/hopQueue";
import {
  E2E_TEST_ORCHESTRATION,
  VERIFICATION_ORCHESTRATIONS,
  verificationOrchestrator,
} from "../../../src/verify/orchestrator";
import type { ReconcileInput } from "../../../src/verify/reconcile";
import type { SurfaceTypeInput } from "../../../src/verify/surface";
import type { SurfaceTotalInput } from "../../../src/verify/surfaceTotal";
import type {
  DeepCompareResult,
  DeepSampleResult,
  ReconcileTypeResult,
  SurfaceRow,
  VerificationInput,
  VerificationPlan,
  VerificationReport,
} from "../../../src/verify/types";
import { DEFAULT_HOP_LIMITS } from "../../../src/verify/types";

const clock: Clock = { now: () => Date.parse("2025-03-03T03:00:00Z"), sleepUntil: async () => {} };

function plan(overrides: Partial<VerificationPlan> = {}): VerificationPlan {
  return {
    runId: "run-1",
    seed: "s1",
    startedAt: "2025-03-03T03:00:00.000Z",
    checks: ["surface", "deep", "reconcile"],
    watermark: "2025-03-03T02:00:00.000Z",
    migratesHistory: false,
    migratesDeletes: false,
    historyScope: false,
    concurrency: 4,
    deepCheckCount: 30,
    applyHardDeletes: false,
    typeSelection: "discovered",
    types: [
      { type: "Observation", source: 20, destination: 20, error: null },
      { type: "Patient", source: 10, destination: 10, error: null },
    ],
    allocation: [
      { type: "Observation", size: 20 },
      { type: "Patient", size: 10 },
    ],
    limits: { ...DEFAULT_HOP_LIMITS, compareBatch: 8 },
    ...overrides,
  };
}

const FULL_SINCE = Date.parse("2025-03-03T02:00:00Z");

function fullPlan(versions: number): FullPlan {
  return {
    scope: "history",
    sinceMs: FULL_SINCE,
    tillMs: FULL_SINCE + 60_000,
    source: versions,
    destination: versions,
    searchParameters: 0,
    unitVersions: 2_000,
    resumed: false,
    migratesDeletes: true,
    watermark: null,
    incremental: false,
    startedAt: "2025-03-03T03:00:00.000Z",
  };
}

function surfaceRow(type: string, verdict: SurfaceRow["verdict"] = "Pass"): SurfaceRow {
  return {
    type,
    scope: "search",
    source: 1,
    destination: 1,
    difference: 0,
    verdict,
    reason: verdict,
    watermark: null,
    sourceBeforeWatermark: null,
    destinationBeforeWatermark: null,
    sourceChangedSinceWatermark: null,
  };
}

interface Calls {
  names: string[];
  samples: DeepSampleInput[];
  compares: DeepCompareInput[];
  reconciles: ReconcileInput[];
  totals: SurfaceTotalInput[];
}

function fakes(
  p: VerificationPlan,
  overrides: Record<string, (input: never) => unknown> = {},
  onCall: (name: string) => void = () => {},
) {
  const calls: Calls = { names: [], samples: [], compares: [], reconciles: [], totals: [] };
  const sizes = new Map(p.allocation.map((a) => [a.type, a.size]));
  const activities: Record<string, (input: unknown) => Promise<unknown>> = {
    VerifyPlan: async () => p,
    VerifySurfaceType: async (i) => [surfaceRow((i as SurfaceTypeInput).type)],
    VerifySurfaceTotal: async (i) => {
      calls.totals.push(i as SurfaceTotalInput);
      return { ...surfaceRow("(all types)"), scope: "system" };
    },
    VerifyDeepSample: async (i) => {
      const input = i as DeepSampleInput;
      calls.samples.push(input);
      // Two hops per type: the first hands back a cursor.
      const done = input.cursor !== null;
      return {
        type: input.type,
        done,
        cursor: done ? null : `${input.type}?ct=1`,
        scanned: 5,
        sampled: sizes.get(input.type) ?? 0,
        error: null,
      } satisfies DeepSampleResult;
    },
    VerifyDeepCompare: async (i) => {
      const input = i as DeepCompareInput;
      calls.compares.push(input);
      const processed = Math.min(input.limit, (sizes.get(input.type) ?? 0) - input.offset);
      return {
        type: input.type,
        processed,
        passed: processed,
        failed: 0,
        behind: 0,
        errors: 0,
        failures: [],
      } satisfies DeepCompareResult;
    },
    VerifyCleanup: async () => ({ deleted: 2 }),
    VerifyFullPlan: async () => fullPlan(1_500),
    VerifyFullSplit: async (i) => ({
      units: (i as { ranges: FullPlan[] }).ranges,
      oversize: 0,
      pending: [],
    }),
    VerifyFullUnit: async (i) => unitResult(i as FullUnitInput),
    VerifyFullSearchParameters: async () => noSearchParameters(),
    VerifyFullRecord: async () => ({ provenUntil: null }),
    VerifyRecordSummary: async () => null,
    VerifyReconcileType: async (i) => {
      const input = i as ReconcileInput;
      calls.reconciles.push(input);
      return {
        type: input.type,
        done: true,
        cursor: null,
        totals: {
          scanned: 3,
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
        rows: { results: { Pass: 1 }, problems: [] },
      } satisfies ReconcileTypeResult;
    },
  };
  for (const [name, fn] of Object.entries(overrides)) {
    activities[name] = async (input) => fn(input as never);
  }
  const wrapped = Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (input: unknown) => (calls.names.push(name), onCall(name), fn(input)),
    ]),
  );
  return { calls, activities: wrapped };
}

const input: VerificationInput = { runId: "run-1", seed: "s1" };

async function run(p: VerificationPlan, overrides = {}, onCall?: (name: string) => void) {
  const { calls, activities } = fakes(p, overrides, onCall);
  const statuses: unknown[] = [];
  const result = await runOrchestration(
    verificationOrchestrator,
    E2E_TEST_ORCHESTRATION,
    "run-1",
    input,
    {
      activities,
      orchestrations: VERIFICATION_ORCHESTRATIONS,
      clock,
      onCustomStatus: (s) => statuses.push(s),
    },
  );
  return { calls, report: result.output as VerificationReport, statuses };
}

describe("E2ETestOrchestration (replayed by durable-functions' engine)", () => {
  it("plans, then runs surface, deep and reconcile per type, and passes when everything passes", async () => {
    const { calls, report } = await run(plan());
    expect(calls.names[0]).toBe("VerifyPlan");
    expect(calls.names.filter((n) => n === "VerifySurfaceType")).toHaveLength(2);
    expect(calls.names.filter((n) => n === "VerifyReconcileType")).toHaveLength(2);
    expect(calls.names.indexOf("VerifyCleanup")).toBeLessThan(
      calls.names.indexOf("VerifyReconcileType"),
    );
    expect(report).toMatchObject({
      runId: "run-1",
      seed: "s1",
      verdict: "Pass",
      passed: true,
      finishedAt: "2025-03-03T03:00:00.000Z",
      deep: { requested: 30, sampled: 30, passed: 30, failed: 0, verdict: "Pass" },
    });
    expect(report.surface?.rows.map((r) => r.type)).toEqual([
      "Observation",
      "Patient",
      "(all types)",
    ]);
  });

  it("resumes sampling from the cursor each hop returns", async () => {
    const { calls } = await run(plan());
    expect(calls.samples.map((s) => [s.type, s.cursor])).toEqual([
      ["Observation", null],
      ["Patient", null],
      ["Observation", "Observation?ct=1"],
      ["Patient", "Patient?ct=1"],
    ]);
  });

  it("compares each sample in batches whose concurrencies add up to the bound", async () => {
    const { calls } = await run(plan());
    // Observation 20 → offsets 0, 8, 16; Patient 10 → 0, 8.
    expect(calls.compares.map((c) => [c.type, c.offset])).toEqual([
      ["Observation", 0],
      ["Observation", 8],
      ["Observation", 16],
      ["Patient", 0],
      ["Patient", 8],
    ]);
    // Waves of at most 4 activities: the first wave shares 4, the second (one batch) gets all 4.
    expect(calls.compares.map((c) => c.concurrency)).toEqual([1, 1, 1, 1, 4]);
  });

  it("feeds reconciliation hops their cursor and running totals", async () => {
    const p = plan({ types: [plan().types[0]!], allocation: [], checks: ["reconcile"] });
    const { calls, report } = await run(p, {
      VerifyReconcileType: (i: ReconcileInput): ReconcileTypeResult => {
        const done = i.cursor !== null;
        return {
          type: i.type,
          done,
          cursor: done ? null : { till: 2, windows: [[1, 1, 1]] },
          totals: {
            scanned: (i.totals?.scanned ?? 0) + 1000,
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
          rows: { results: done ? { Pass: 1 } : {}, problems: [] },
        };
      },
    });
    const hops = calls.names.filter((n) => n === "VerifyReconcileType");
    expect(hops).toHaveLength(2);
    expect(report.reconcile?.types).toEqual([
      expect.objectContaining({
        type: "Observation",
        totals: expect.objectContaining({ scanned: 2000 }),
      }),
    ]);
  });

  it("gives a lone reconciliation activity the whole concurrency bound", async () => {
    const { calls } = await run(
      plan({ types: [plan().types[0]!], allocation: [], checks: ["reconcile"] }),
    );
    expect(calls.reconciles.map((r) => r.concurrency)).toEqual([4]);
  });

  it("writes the surface summary row alongside the next check's start, not on its own", async () => {
    const order: string[] = [];
    await run(
      plan({ checks: ["surface", "deep"] }),
      {
        VerifyRecordSummary: async () => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          order.push("summary written");
          return null;
        },
      },
      (name) => order.push(name),
    );
    // The deep check's first activity was called while the surface summary was still being written.
    const written = order.indexOf("summary written");
    expect(order.slice(0, written)).toContain("VerifyDeepSample");
  });

  describe("with the full check right after the surface check", () => {
    const slow = (ms: number, answer: unknown) => async () => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return answer;
    };
    /** Each activity's start and end, in order. */
    async function timed(p: VerificationPlan, overrides: Record<string, (i: never) => unknown>) {
      const log: string[] = [];
      const wrapped = Object.fromEntries(
        Object.entries(overrides).map(([name, fn]) => [
          name,
          async (i: never) => {
            log.push(`${name} start`);
            const out = await fn(i);
            log.push(`${name} end`);
            return out;
          },
        ]),
      );
      const { calls, report } = await run(p, wrapped, (name) => {
        if (!(name in overrides)) log.push(`${name} start`);
      });
      return { log, calls, report };
    }
    const surfaceAndFull = plan({ checks: ["surface", "full"], allocation: [] });

    it("plans the full check beside the first surface wave", async () => {
      const { log } = await timed(surfaceAndFull, {
        VerifySurfaceType: (i: SurfaceTypeInput) => slow(30, [surfaceRow(i.type)])(),
      });
      expect(log.indexOf("VerifyFullPlan start")).toBeLessThan(
        log.indexOf("VerifySurfaceType end"),
      );
    });

    it("runs a full check of one unit's worth beside the rest of the surface check", async () => {
      const { log, report } = await timed(surfaceAndFull, {
        VerifySurfaceTotal: slow(50, { ...surfaceRow("(all types)"), scope: "system" }),
      });
      expect(log.indexOf("VerifyFullUnit start")).toBeLessThan(
        log.indexOf("VerifySurfaceTotal end"),
      );
      expect(report.full).toMatchObject({ verdict: "Pass" });
      expect(report.surface?.rows.at(-1)?.scope).toBe("system");
    });

    it("leaves the surface check one slot of the bound while the full check runs beside it", async () => {
      const units: FullUnitInput[] = [];
      let searchParameters = 0;
      await timed(surfaceAndFull, {
        VerifyFullUnit: (u: FullUnitInput) => (units.push(u), unitResult(u)),
        VerifyFullSearchParameters: (i: { concurrency: number }) => (
          (searchParameters = i.concurrency),
          noSearchParameters()
        ),
      });
      // Bound 4: the surface total takes 1; the full check's 3 go to two parts and the SearchParameters.
      expect({ units: units.length, searchParameters }).toEqual({ units: 2, searchParameters: 1 });
    });

    it("starts a full check larger than a unit only once the surface check is done, with the whole bound", async () => {
      let splitConcurrency = 0;
      const { log } = await timed(surfaceAndFull, {
        VerifyFullPlan: () => fullPlan(5_000),
        VerifyFullSplit: (i: { ranges: FullPlan[]; concurrency: number }) => (
          (splitConcurrency = i.concurrency),
          { units: i.ranges, oversize: 0, pending: [] }
        ),
      });
      expect(log.indexOf("VerifyFullSplit start")).toBeGreaterThan(
        log.indexOf("VerifySurfaceTotal start"),
      );
      expect(splitConcurrency).toBe(4);
    });

    it("checks every type once when each answers a row per scope and they outnumber the first wave", async () => {
      const five = ["Condition", "Encounter", "MedicationRequest", "Observation", "Patient"];
      const p = plan({
        checks: ["surface", "full"],
        allocation: [],
        historyScope: true,
        types: five.map((type) => ({ type, source: 1, destination: 1, error: null })),
      });
      const checked: string[] = [];
      const { report } = await timed(p, {
        VerifySurfaceType: (i: SurfaceTypeInput) => (
          checked.push(i.type),
          [surfaceRow(i.type), { ...surfaceRow(i.type), scope: "history" }]
        ),
      });
      expect(checked.sort()).toEqual(five);
      expect(new Set(report.surface?.rows.map((r) => r.type))).toEqual(
        new Set([...five, "(all types)"]),
      );
    });

    it("keeps the checks in order when a deep check comes between", async () => {
      const { log } = await timed(plan({ checks: ["surface", "deep", "full"] }), {});
      expect(log.indexOf("VerifyFullPlan start")).toBeGreaterThan(
        log.lastIndexOf("VerifyDeepCompare start"),
      );
    });
  });

  it("runs only the checks the plan asks for", async () => {
    const { calls, report } = await run(plan({ checks: ["surface"] }));
    expect(new Set(calls.names)).toEqual(
      new Set(["VerifyPlan", "VerifySurfaceType", "VerifySurfaceTotal", "VerifyRecordSummary"]),
    );
    expect(report.deep).toBeNull();
    expect(report.reconcile).toBeNull();
  });

  it("fails the run when one type's surface check fails, keeping the others' rows", async () => {
    const { report } = await run(plan(), {
      VerifySurfaceType: (i: SurfaceTypeInput) => [
        surfaceRow(i.type, i.type === "Patient" ? "Fail" : "Pass"),
      ],
    });
    expect(report.verdict).toBe("Fail");
    expect(report.passed).toBe(false);
    expect(report.surface?.verdict).toBe("Fail");
    expect(report.surface?.rows.map((r) => r.type)).toEqual([
      "Observation",
      "Patient",
      "(all types)",
    ]);
  });

  it("checks the system-level total after the types, with their summed search counts", async () => {
    const { calls, report } = await run(plan({ checks: ["surface"] }), {
      VerifySurfaceType: (i: SurfaceTypeInput) => [
        { ...surfaceRow(i.type), source: 10, destination: i.type === "Patient" ? 9 : 10 },
      ],
    });
    expect({
      last: calls.names.filter((n) => n !== "VerifyRecordSummary").at(-1),
      perType: calls.totals[0]?.perType,
      reported: report.surface?.rows.at(-1)?.scope,
    }).toEqual({
      last: "VerifySurfaceTotal",
      perType: {
        source: 20,
        destination: 19,
        uncounted: [],
        anyBehind: false,
        // The fixture's rows all pass: they explain their own difference.
        explainedByTypes: true,
        typeSelection: plan().typeSelection,
      },
      reported: "system",
    });
  });

  it("reports Behind (not passed) when the only differences are newer than the watermark", async () => {
    const { report } = await run(plan(), {
      VerifySurfaceType: (i: SurfaceTypeInput) => [surfaceRow(i.type, "Behind")],
    });
    expect(report).toMatchObject({ verdict: "Behind", passed: false });
  });

  it("aggregates deep failures across batches, carrying at most 20", async () => {
    const failure = (id: string) => ({
      type: "Observation",
      id,
      result: "Fail" as const,
      versionsCompared: 1,
      findings: [],
      note: null,
    });
    const { report } = await run(plan(), {
      VerifyDeepCompare: (i: DeepCompareInput) => ({
        type: i.type,
        processed: 8,
        passed: 0,
        failed: 8,
        behind: 0,
        errors: 0,
        failures: Array.from({ length: 8 }, (_, n) => failure(`${i.type}-${i.offset + n}`)),
      }),
    });
    expect(report.deep).toMatchObject({ failed: 40, verdict: "Fail" });
    expect(report.deep?.failures).toHaveLength(20);
    expect(report.verdict).toBe("Fail");
  });

  it("reports a type whose sampling failed as an error and compares nothing of it", async () => {
    const { calls, report } = await run(plan(), {
      VerifyDeepSample: (i: DeepSampleInput) => ({
        type: i.type,
        done: true,
        cursor: null,
        scanned: 0,
        sampled: 0,
        error: i.type === "Patient" ? "HTTP 500" : null,
      }),
    });
    expect(calls.compares.every((c) => c.type !== "Patient")).toBe(true);
    expect(report.deep?.perType.find((t) => t.type === "Patient")).toMatchObject({
      error: "HTTP 500",
      errors: 1,
    });
    expect(report.verdict).toBe("Error");
  });

  it("fails the orchestration with the plan's error when planning fails", async () => {
    await expect(
      run(plan(), {
        VerifyPlan: () => {
          throw new Error("AZURE_SurfaceCheckResources: not R4 types: Patients");
        },
      }),
    ).rejects.toThrow(/not R4 types: Patients/);
  });

  it("names the run after its instance id when started without input", async () => {
    let planned: VerificationInput | undefined;
    const { activities } = fakes(plan({ checks: ["surface"] }));
    await runOrchestration(verificationOrchestrator, E2E_TEST_ORCHESTRATION, "by/hand", null, {
      clock,
      orchestrations: VERIFICATION_ORCHESTRATIONS,
      activities: {
        ...activities,
        VerifyPlan: async (i) => (
          (planned = i as VerificationInput),
          plan({ checks: ["surface"] })
        ),
      },
    });
    expect(planned?.runId).toBe("by-hand");
    expect(planned?.seed).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps its custom status to a phase and counts", async () => {
    const { statuses } = await run(plan());
    expect(statuses.at(-1)).toEqual({ runId: "run-1", phase: "done", types: 2, done: 2, total: 2 });
  });
});

describe("share", () => {
  it("splits a bound into shares that add up to it", () => {
    expect([0, 1, 2].map((i) => share(8, 3, i))).toEqual([3, 3, 2]);
    expect(share(8, 1, 0)).toBe(8);
  });
});
