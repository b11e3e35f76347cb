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
 *
 * The surface and full checks read and write nothing the other depends on, so when the full check
 * directly follows the surface check (no deep check or reconciliation between, as at the cutover)
 * they run side by side (docs/verification.md, "Order and concurrency"): the full check's plan
 * beside the first surface wave, then, when its timeline fits in one unit (a short check), the
 * full check beside the rest of the surface check, each with its share of the bound. A longer full
 * check starts once the surface check is done, with the whole bound.
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
import type { FullCheckInput, FullCheckState } from "./fullOrchestrator";
import {
  VERIFY_FULL_ORCHESTRATION,
  fullPlanInput,
  initialFullCheckState,
  verifyFullOrchestrator,
} from "./fullOrchestrator";
import type { FullPlan, FullProgress, FullSummary } from "./fullTypes";
import { FULL_PLAN_REQUESTS } from "./fullTypes";
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
): Generator<Task, R[], unknown> {
  const results: R[] = [];
  for (let i = 0; i < calls.length; i += bound) {
    const wave = calls.slice(i, i + bound);
    const out = (yield context.df.Task.all(
      wave.map((c) => context.df.callActivity(c.name, c.input)),
    )) as R[];
    results.push(...out);
    progress(results.length);
  }
  return results;
}

/**
 * Runs the steps of `thread` while `task` runs: `task` starts with the thread's first step (in a
 * `Task.any`, which returns when either ends), then the steps go on one after another while it runs.
 * Answers the thread's result; the caller then yields `task` alone (at once if it ended). `task` is
 * never put in a second compound task: under durable-functions' replay schema V1 a compound emits
 * again the actions of what it holds, so a task already started would be started twice.
 */
function* beside<R>(
  context: OrchestrationContext,
  task: Task,
  thread: Generator<Task, R, unknown>,
): Generator<Task, R, unknown> {
  let next = thread.next();
  let started = false;
  while (next.done !== true) {
    const current = next.value;
    let result: unknown;
    try {
      if (!started) yield context.df.Task.any([current, task]);
      started = true;
      // Already started (and maybe ended): yielded alone, it is not scheduled again.
      result = yield current;
    } catch (error) {
      next = thread.throw(error);
      continue;
    }
    next = thread.next(result);
  }
  return next.value;
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

  const surfaceCalls = plan.types.map((t) => ({
    name: VERIFY_ACTIVITY.surface,
    input: {
      runId: plan.runId,
      type: t.type,
      watermark: plan.watermark,
      historyScope: plan.historyScope,
      known: plan.knownFailures?.byType.find((k) => k.type === t.type)?.count ?? 0,
    } satisfies SurfaceTypeInput,
  }));
  /**
   * The surface check after its first `typesDone` types (whose rows are `rows`: one or two per
   * type, by scope): the other types in waves of `share`, then the total, then (with `summary`)
   * its summary row; without, the row is left to go out with the next step.
   */
  function* surfaceCheck(
    rows: SurfaceRow[],
    typesDone: number,
    share: number,
    summary: "write" | "leave",
  ): Generator<Task, SurfaceRow[], unknown> {
    const rest = surfaceCalls.slice(typesDone);
    const more = (yield* inWaves<SurfaceTypeInput, SurfaceRow[]>(context, rest, share, (done) =>
      status("surface", types, typesDone + done, types),
    )) as SurfaceRow[][];
    const all = [...rows, ...more.flat()];
    // The system-level total, judged against the per-type rows; with a caller's list of types its
    // reason says when types outside the list differ.
    const total = (yield callVerify(context, VERIFY_ACTIVITY.surfaceTotal, {
      runId: plan.runId,
      watermark: plan.watermark,
      perType: perTypeTotals(all, plan.typeSelection),
    } satisfies SurfaceTotalInput)) as SurfaceRow;
    all.push(total);
    const row = callVerify(context, VERIFY_ACTIVITY.summary, surfaceSummary(plan.runId, all));
    if (summary === "write") yield row;
    else unwritten = row;
    return all;
  }
  const fullInput: FullCheckInput = {
    runId: plan.runId,
    resume: input.resume !== undefined,
    unitVersions: input.unitVersions ?? null,
    concurrency: bound,
    pageSize: plan.limits.pageSize,
    sinceMs: input.fullSinceMs ?? null,
  };
  const callFull = (concurrency: number, fullPlan?: FullPlan) =>
    context.df.callSubOrchestrator(
      VERIFY_FULL_ORCHESTRATION,
      initialFullCheckState({ ...fullInput, concurrency }, fullPlan) satisfies FullCheckState,
      checkInstanceId(plan.runId, "full"),
    );

  let surface: SurfaceRow[] | null = null;
  let full: FullSummary | null = null;
  // The full check beside the surface check: it directly follows it, and the bound leaves the
  // surface a share beside the full check's plan.
  const sideBySide =
    plan.checks.includes("surface") &&
    plan.checks.includes("full") &&
    !plan.checks.includes("deep") &&
    !plan.checks.includes("reconcile") &&
    bound > FULL_PLAN_REQUESTS;
  if (sideBySide) {
    status("surface", types, 0, types);
    const first = surfaceCalls.slice(0, bound - FULL_PLAN_REQUESTS);
    const planned = (yield context.df.Task.all([
      ...first.map((c) => context.df.callActivity(c.name, c.input)),
      callVerify(context, VERIFY_ACTIVITY.fullPlan, fullPlanInput(fullInput)),
    ])) as unknown[];
    const fullPlan = planned.pop() as FullPlan;
    const rows = (planned as SurfaceRow[][]).flat();
    status("surface", types, first.length, types);
    if (Math.max(fullPlan.source, fullPlan.destination) <= fullPlan.unitVersions) {
      // A short full check (one unit's worth): it runs beside the rest of the surface check, which
      // keeps a share of the bound for its remaining types (one slot for the total at least).
      const surfaceShare = Math.max(
        1,
        Math.min(Math.floor(bound / 2), surfaceCalls.length - first.length),
      );
      const fullTask = callFull(bound - surfaceShare, fullPlan);
      surface = yield* beside(
        context,
        fullTask,
        surfaceCheck(rows, first.length, surfaceShare, "write"),
      );
      status("full-planning", types, 0, 0);
      // Yielded alone: a Task.all holding a task that already ended would not end.
      full = (yield fullTask) as FullSummary;
    } else {
      surface = yield* surfaceCheck(rows, first.length, bound, "leave");
      status("full-planning", types, 0, 0);
      full = yield* withUnwritten<FullSummary>(callFull(bound, fullPlan));
    }
  } else if (plan.checks.includes("surface")) {
    status("surface", types, 0, types);
    surface = yield* surfaceCheck([], 0, bound, "leave");
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

  if (plan.checks.includes("full") && !sideBySide) {
    status("full-planning", types, 0, 0);
    full = yield* withUnwritten<FullSummary>(callFull(bound));
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
