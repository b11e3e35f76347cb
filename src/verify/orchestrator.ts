/**
 * E2ETestOrchestration: plan (type discovery), then the surface check per type, then the deep check,
 * the hard-delete reconciliation and the full check, each a sub-orchestration
 * (src/verify/deepOrchestrator.ts, reconcileOrchestrator.ts, fullOrchestrator.ts) whose history
 * stays bounded whatever the data size: they continue as new with their totals, never their
 * activities' results. This orchestration's own history grows only with the number of types (at
 * most the R4 types). Deterministic: activities do all I/O, time comes from the durable context,
 * and the output carries counts plus the first failures (the rest are in the job table's check
 * rows; each check's totals are in its summary row, which the status page reads).
 *
 * AZURE_CheckConcurrency bounds the requests in flight to each server across the whole run, not
 * per activity: activities run in waves whose per-activity concurrencies add up to the bound.
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import type { VerificationActivityTaking } from "./activityRegistry";
import { VERIFY_ACTIVITY, callVerify } from "./callVerify";
import type { DeepCheckState } from "./deepOrchestrator";
import {
  VERIFY_DEEP_ORCHESTRATION,
  initialDeepCheckState,
  verifyDeepOrchestrator,
} from "./deepOrchestrator";
import type { FullCheckState } from "./fullOrchestrator";
import {
  VERIFY_FULL_ORCHESTRATION,
  initialFullCheckState,
  verifyFullOrchestrator,
} from "./fullOrchestrator";
import type { FullProgress, FullSummary } from "./fullTypes";
import type { ReconcileCheckState } from "./reconcileOrchestrator";
import {
  VERIFY_RECONCILE_ORCHESTRATION,
  initialReconcileCheckState,
  verifyReconcileOrchestrator,
} from "./reconcileOrchestrator";
import type { CheckSummary } from "./runSummary";
import { checkSummaryOf, emptyRowTally, tallyRow } from "./runSummary";
import type { SurfaceTypeInput } from "./surface";
import type { SurfaceTotalInput } from "./surfaceTotal";
import { perTypeTotals } from "./surfaceTotal";
import type { DeepParts } from "./summary";
import { buildReport } from "./summary";
import type { ReconcileTypeResult, SurfaceRow, VerificationInput, VerificationPlan } from "./types";

export const E2E_TEST_ORCHESTRATION = "E2ETestOrchestration";

/** The sub-orchestration of one check of a run: the run id and the check name it works for. */
export function checkInstanceId(runId: string, check: "deep" | "reconcile" | "full"): string {
  return `${runId}:${check}`;
}

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

type Call<I> = { name: VerificationActivityTaking<I>; input: I };

/** Runs the calls in waves of at most `bound` activities, reporting the count done after each. */
function* inWaves<I, R>(
  context: OrchestrationContext,
  calls: Call<I>[],
  bound: number,
  progress: (done: number) => void,
): Generator<ReturnType<OrchestrationContext["df"]["Task"]["all"]>, R[], R[]> {
  const results: R[] = [];
  for (let i = 0; i < calls.length; i += bound) {
    const wave = calls.slice(i, i + bound);
    const out: R[] = yield context.df.Task.all(
      wave.map((c) => context.df.callActivity(c.name, c.input)),
    );
    results.push(...out);
    progress(results.length);
  }
  return results;
}

function surfaceSummary(runId: string, rows: SurfaceRow[]): CheckSummary {
  const tally = emptyRowTally();
  for (const r of rows) {
    tallyRow(tally, {
      resourceType: r.type,
      key: r.scope,
      result: r.verdict,
      source: r.source,
      destination: r.destination,
      details: r.reason,
    });
  }
  return checkSummaryOf(runId, "surface", tally, true);
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

  // A summary row still to be written: it goes out with the next step, not on its own (an activity
  // on its own costs two message hops; the row is independent of what follows).
  let unwritten: Task | undefined;
  // Runs `step` together with the unwritten summary row, if any; answers the step's result.
  function* withUnwritten<R>(step: Task): Generator<Task, R, unknown> {
    const tasks = unwritten === undefined ? [step] : [unwritten, step];
    unwritten = undefined;
    const results = (yield context.df.Task.all(tasks)) as unknown[];
    return results.at(-1) as R;
  }

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
    unwritten = callVerify(context, VERIFY_ACTIVITY.summary, surfaceSummary(plan.runId, surface));
  }

  let deep: DeepParts | null = null;
  if (plan.checks.includes("deep")) {
    status("deep-sampling", types, 0, plan.allocation.length);
    deep = yield* withUnwritten<DeepParts>(
      context.df.callSubOrchestrator(
        VERIFY_DEEP_ORCHESTRATION,
        initialDeepCheckState(plan) satisfies DeepCheckState,
        checkInstanceId(plan.runId, "deep"),
      ),
    );
  }

  let reconcile: ReconcileTypeResult[] | null = null;
  if (plan.checks.includes("reconcile")) {
    status("reconcile", types, 0, types);
    reconcile = yield* withUnwritten<ReconcileTypeResult[]>(
      context.df.callSubOrchestrator(
        VERIFY_RECONCILE_ORCHESTRATION,
        initialReconcileCheckState(plan) satisfies ReconcileCheckState,
        checkInstanceId(plan.runId, "reconcile"),
      ),
    );
  }

  let full: FullSummary | null = null;
  if (plan.checks.includes("full")) {
    status("full-planning", types, 0, 0);
    full = yield* withUnwritten<FullSummary>(
      context.df.callSubOrchestrator(
        VERIFY_FULL_ORCHESTRATION,
        initialFullCheckState({
          runId: plan.runId,
          resume: input.resume !== undefined,
          unitVersions: input.unitVersions ?? null,
          concurrency: bound,
          pageSize: plan.limits.pageSize,
          sinceMs: input.fullSinceMs ?? null,
        }) satisfies FullCheckState,
        checkInstanceId(plan.runId, "full"),
      ),
    );
  }
  if (unwritten !== undefined) yield unwritten;

  status("done", types, types, types);
  return buildReport(
    plan,
    { surface, deep, reconcile, full },
    context.df.currentUtcDateTime.toISOString(),
  );
};

/** Every verification orchestration by its registered name (the Functions app registers these). */
export const VERIFICATION_ORCHESTRATIONS = {
  [E2E_TEST_ORCHESTRATION]: verificationOrchestrator,
  [VERIFY_DEEP_ORCHESTRATION]: verifyDeepOrchestrator,
  [VERIFY_RECONCILE_ORCHESTRATION]: verifyReconcileOrchestrator,
  [VERIFY_FULL_ORCHESTRATION]: verifyFullOrchestrator,
} as const satisfies Record<string, OrchestrationHandler>;
