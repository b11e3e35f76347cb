/**
 * E2ETestOrchestration: plan (type discovery), then the surface check per type, the deep check
 * (sample per type, then compare the samples in batches) and the hard-delete reconciliation per
 * type, each fanned out with Task.all. Deterministic: activities do all I/O, time comes from the
 * durable context, and the output carries counts plus the first failures (the rest are in the
 * job table's check rows).
 *
 * AZURE_CheckConcurrency bounds the requests in flight to each server across the whole run, not
 * per activity: activities run in waves whose per-activity concurrencies add up to the bound.
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type {
  VerificationActivityName,
  VerificationActivityTaking,
  VerificationInputOf,
} from "./activityRegistry";
import type { DeepCompareInput } from "./deepCompare";
import type { DeepSampleInput } from "./deepSample";
import type { ReconcileInput } from "./reconcile";
import type { SurfaceTypeInput } from "./surface";
import type { SurfaceTotalInput } from "./surfaceTotal";
import { perTypeTotals } from "./surfaceTotal";
import { provenUntilMs } from "../core/fullProof";
import { mergeAdjacent } from "../core/fullUnits";
import { FullAccumulator } from "./fullSummary";
import type {
  CountedUnit,
  FullPlan,
  FullPlanInput,
  FullProgress,
  FullSplitInput,
  FullSplitResult,
  FullSummary,
  FullUnitInput,
  FullUnitResult,
} from "./fullTypes";
import { buildReport } from "./summary";
import type {
  DeepCompareResult,
  DeepSampleResult,
  ReconcileTypeResult,
  SurfaceRow,
  VerificationInput,
  VerificationPlan,
} from "./types";

export const E2E_TEST_ORCHESTRATION = "E2ETestOrchestration";

export const VERIFY_ACTIVITY = {
  plan: "VerifyPlan",
  surface: "VerifySurfaceType",
  surfaceTotal: "VerifySurfaceTotal",
  sample: "VerifyDeepSample",
  compare: "VerifyDeepCompare",
  reconcile: "VerifyReconcileType",
  cleanup: "VerifyCleanup",
  fullPlan: "VerifyFullPlan",
  fullSplit: "VerifyFullSplit",
  fullUnit: "VerifyFullUnit",
  fullSearchParameters: "VerifyFullSearchParameters",
  fullRecord: "VerifyFullRecord",
} as const satisfies Record<string, VerificationActivityName>;

/** Calls a verification activity by its registered name with that activity's input. */
function callVerify<K extends VerificationActivityName>(
  context: OrchestrationContext,
  name: K,
  input: VerificationInputOf<K>,
): Task {
  return context.df.callActivity(name, input);
}

/** Count requests one VerifyFullSplit activity sends to each server before handing back. */
export const FULL_SPLIT_COUNTS = 200;

/** Custom status: phase and counts only. */
export interface VerificationStatus {
  runId: string;
  phase:
    | "planning"
    | "surface"
    | "deep-sampling"
    | "deep-comparing"
    | "reconcile"
    | "full-planning"
    | "full"
    | "done";
  types: number;
  done: number;
  total: number;
  /** Full check progress (units and source versions compared), in the "full" phase. */
  full?: FullProgress;
}

/** The i-th of `width` shares of `total` (shares differ by at most one and add up to total). */
export function share(total: number, width: number, i: number): number {
  return Math.max(1, Math.floor(total / width) + (i < total % width ? 1 : 0));
}

type Call<I> = { name: VerificationActivityTaking<I>; input: I };

/**
 * Runs the calls in waves of at most `bound` activities; `withShare` gives each call of a wave its
 * share of the bound (one wave of one call gets all of it).
 */
function* inWaves<I, R>(
  context: OrchestrationContext,
  calls: Call<I>[],
  bound: number,
  withShare: (input: I, share: number) => I = (input) => input,
  progress?: (done: number) => void,
): Generator<Task, R[], R[]> {
  const results: R[] = [];
  for (let i = 0; i < calls.length; i += bound) {
    const wave = calls.slice(i, i + bound);
    const out: R[] = yield context.df.Task.all(
      wave.map((c, n) =>
        // The name takes this input: Call's type checked it where the call was built.
        context.df.callActivity(c.name, withShare(c.input, share(bound, wave.length, n))),
      ),
    );
    results.push(...out);
    progress?.(results.length);
  }
  return results;
}

/** Calls `name` for every input until its result says done, feeding each result's cursor back. */
function* untilDone<I, R extends { done: boolean }>(
  context: OrchestrationContext,
  name: VerificationActivityTaking<I>,
  inputs: I[],
  bound: number,
  next: (input: I, result: R) => I,
  withShare: (input: I, share: number) => I = (input) => input,
  progress?: (done: number) => void,
): Generator<Task, R[], R[]> {
  const final: R[] = new Array<R>(inputs.length);
  let pending = inputs.map((input, index) => ({ index, input }));
  let finished = 0;
  while (pending.length > 0) {
    const wave = pending.slice(0, bound);
    const rest = pending.slice(bound);
    const out: R[] = yield context.df.Task.all(
      wave.map((p, n) =>
        context.df.callActivity(name, withShare(p.input, share(bound, wave.length, n))),
      ),
    );
    wave.forEach((p, n) => {
      const r = out[n]!;
      if (r.done) {
        final[p.index] = r;
        finished++;
      } else {
        // To the back of the queue, so every type gets its turn.
        rest.push({ index: p.index, input: next(p.input, r) });
      }
    });
    pending = rest;
    progress?.(finished);
  }
  return final;
}

export const verificationOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const given = context.df.getInput<VerificationInput | null>();
  // Started without input (e.g. by hand from the portal): the instance id names the run, and a
  // replay-safe GUID seeds it. Row keys and blob names cannot hold "/", "\\", "#" or "?".
  const input: VerificationInput = {
    ...given,
    runId: given?.runId ?? context.df.instanceId.replace(/[/\\#?\s]/g, "-"),
    seed: given?.seed ?? context.df.newGuid(context.df.instanceId),
  };
  const status = (phase: VerificationStatus["phase"], types: number, done: number, total: number) =>
    context.df.setCustomStatus({ runId: input.runId, phase, types, done, total });
  status("planning", 0, 0, 0);
  const plan: VerificationPlan = yield callVerify(context, VERIFY_ACTIVITY.plan, input);
  const bound = plan.concurrency;
  const types = plan.types.length;

  let surface: SurfaceRow[] | null = null;
  if (plan.checks.includes("surface")) {
    status("surface", types, 0, types);
    const calls = plan.types.map((t) => ({
      name: VERIFY_ACTIVITY.surface,
      input: {
        runId: plan.runId,
        type: t.type,
        watermark: plan.watermark,
        historyScope: plan.historyScope,
        known: plan.knownFailures?.byType.find((k) => k.type === t.type)?.count ?? 0,
      } satisfies SurfaceTypeInput,
    }));
    const rows: SurfaceRow[][] = yield* inWaves<SurfaceTypeInput, SurfaceRow[]>(
      context,
      calls,
      bound,
      undefined,
      (done) => status("surface", types, done, types),
    );
    surface = rows.flat();
    // The system-level total, judged against the per-type rows; with a caller's list of types its
    // reason says when types outside the list differ.
    const total: SurfaceRow = yield callVerify(context, VERIFY_ACTIVITY.surfaceTotal, {
      runId: plan.runId,
      watermark: plan.watermark,
      perType: perTypeTotals(surface, plan.typeSelection),
    } satisfies SurfaceTotalInput);
    surface.push(total);
  }

  let deep: { samples: DeepSampleResult[]; comparisons: DeepCompareResult[] } | null = null;
  if (plan.checks.includes("deep")) {
    const sampled = plan.allocation.length;
    status("deep-sampling", types, 0, sampled);
    const samples: DeepSampleResult[] = yield* untilDone<DeepSampleInput, DeepSampleResult>(
      context,
      VERIFY_ACTIVITY.sample,
      plan.allocation.map((a) => ({
        runId: plan.runId,
        seed: plan.seed,
        type: a.type,
        size: a.size,
        history: plan.migratesHistory && a.type !== SEARCH_PARAMETER_TYPE,
        cursor: null,
        limits: plan.limits,
      })),
      bound,
      (i, r) => ({ ...i, cursor: r.cursor }),
      undefined,
      (done) => status("deep-sampling", types, done, sampled),
    );
    const batches: Call<DeepCompareInput>[] = [];
    for (const s of samples) {
      if (s.error !== null) continue;
      for (let offset = 0; offset < s.sampled; offset += plan.limits.compareBatch) {
        batches.push({
          name: VERIFY_ACTIVITY.compare,
          input: {
            runId: plan.runId,
            type: s.type,
            offset,
            limit: plan.limits.compareBatch,
            concurrency: 1,
            history: plan.migratesHistory,
            migratesDeletes: plan.migratesDeletes,
            watermark: plan.watermark,
          },
        });
      }
    }
    status("deep-comparing", types, 0, batches.length);
    const comparisons: DeepCompareResult[] = yield* inWaves<DeepCompareInput, DeepCompareResult>(
      context,
      batches,
      bound,
      (i, n) => ({ ...i, concurrency: n }),
      (done) => status("deep-comparing", types, done, batches.length),
    );
    yield callVerify(context, VERIFY_ACTIVITY.cleanup, { runId: plan.runId });
    deep = { samples, comparisons };
  }

  let reconcile: ReconcileTypeResult[] | null = null;
  if (plan.checks.includes("reconcile")) {
    status("reconcile", types, 0, types);
    reconcile = yield* untilDone<ReconcileInput, ReconcileTypeResult>(
      context,
      VERIFY_ACTIVITY.reconcile,
      plan.types.map((t) => ({
        runId: plan.runId,
        type: t.type,
        apply: plan.applyHardDeletes,
        migratesDeletes: plan.migratesDeletes,
        watermark: plan.watermark,
        sourceCount: t.source,
        concurrency: 1,
        cursor: null,
        totals: null,
        sample: [],
        limits: plan.limits,
      })),
      bound,
      (i, r) => ({ ...i, cursor: r.cursor, totals: r.totals, sample: r.sample }),
      (i, n) => ({ ...i, concurrency: n }),
      (done) => status("reconcile", types, done, types),
    );
  }

  let full: FullSummary | null = null;
  if (plan.checks.includes("full")) {
    status("full-planning", types, 0, 0);
    const fullPlan: FullPlan = yield callVerify(context, VERIFY_ACTIVITY.fullPlan, {
      runId: plan.runId,
      resume: input.resume !== undefined,
      unitVersions: input.unitVersions ?? null,
      concurrency: bound,
      sinceMs: input.fullSinceMs ?? null,
    } satisfies FullPlanInput);
    let units: CountedUnit[] = [];
    let oversize = 0;
    let pending: CountedUnit[] =
      fullPlan.tillMs > fullPlan.sinceMs
        ? [
            {
              sinceMs: fullPlan.sinceMs,
              tillMs: fullPlan.tillMs,
              source: fullPlan.source,
              destination: fullPlan.destination,
            },
          ]
        : [];
    while (pending.length > 0) {
      const split: FullSplitResult = yield callVerify(context, VERIFY_ACTIVITY.fullSplit, {
        scope: fullPlan.scope,
        ranges: pending,
        unitVersions: fullPlan.unitVersions,
        maxCounts: FULL_SPLIT_COUNTS,
        concurrency: bound,
      } satisfies FullSplitInput);
      units = mergeAdjacent([...units, ...split.units], fullPlan.unitVersions);
      oversize += split.oversize;
      pending = split.pending;
      status("full-planning", types, units.length, 0);
    }
    const accumulator = new FullAccumulator();
    // SearchParameter versions are in the counts but compared apart (current only), after the units.
    const versions = Math.max(
      0,
      units.reduce((n, u) => n + u.source, 0) - (fullPlan.searchParameters ?? 0),
    );
    const progress = (done: number) =>
      context.df.setCustomStatus({
        runId: input.runId,
        phase: "full",
        types,
        done,
        total: units.length,
        full: {
          units: units.length,
          unitsDone: done,
          versions,
          versionsDone: accumulator.versionsDone,
        },
      } satisfies VerificationStatus);
    progress(0);
    // Units are folded in as each wave finishes: the orchestration keeps totals and examples only.
    for (let i = 0; i < units.length; i += bound) {
      const wave = units.slice(i, i + bound);
      const results: FullUnitResult[] = yield context.df.Task.all(
        wave.map((u) =>
          callVerify(context, VERIFY_ACTIVITY.fullUnit, {
            runId: plan.runId,
            scope: fullPlan.scope,
            sinceMs: u.sinceMs,
            tillMs: u.tillMs,
            migratesDeletes: fullPlan.migratesDeletes,
            watermark: fullPlan.watermark,
            pageSize: plan.limits.pageSize,
          } satisfies FullUnitInput),
        ),
      );
      for (const r of results) accumulator.add(r);
      progress(Math.min(units.length, i + wave.length));
    }
    const searchParameters: DeepCompareResult = yield callVerify(
      context,
      VERIFY_ACTIVITY.fullSearchParameters,
      {
        runId: plan.runId,
        migratesDeletes: fullPlan.migratesDeletes,
        watermark: fullPlan.watermark,
        concurrency: bound,
      },
    );
    full = accumulator.summary(fullPlan, oversize, searchParameters);
    // Every version before `proven` was found equal: the next proof needs only what changes after it.
    const proven = provenUntilMs(full.verdict, fullPlan.tillMs, fullPlan.watermark);
    if (proven !== undefined && proven > fullPlan.sinceMs) {
      yield callVerify(context, VERIFY_ACTIVITY.fullRecord, {
        runId: plan.runId,
        scope: fullPlan.scope,
        sinceMs: fullPlan.sinceMs,
        tillMs: proven,
        incremental: fullPlan.incremental,
      });
    }
  }

  status("done", types, types, types);
  return buildReport(
    plan,
    { surface, deep, reconcile, full },
    context.df.currentUtcDateTime.toISOString(),
  );
};
