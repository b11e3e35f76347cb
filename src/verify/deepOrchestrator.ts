/**
 * VerifyDeepOrchestration: the deep check (docs/verification.md, "Deep check") as a sub-orchestration
 * of E2ETestOrchestration. It samples every allocated type (VerifyDeepSample hops, each resuming from
 * the previous one's cursor), compares the samples in batches (VerifyDeepCompare) and deletes the
 * stored samples (VerifyCleanup). The comparisons are folded per type as they finish; once an
 * execution's history reaches its budget it continues as new with the hops' cursors, the samples'
 * sizes and those totals, so its history does not grow with the number of pages or batches.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import { VERIFY_ACTIVITY, callVerify } from "./callVerify";
import type { DeepCompareInput } from "./deepCompare";
import type { DeepSampleInput } from "./deepSample";
import { HistoryBudget, continuedAsNew } from "./historyBudget";
import type { HopQueue } from "./hopQueue";
import { hopQueue, hopWave, share } from "./hopQueue";
import type { RowTally } from "./runSummary";
import { checkSummaryOf, emptyRowTally, tallyComparedRows } from "./runSummary";
import type { DeepParts } from "./summary";
import type { DeepCompareResult, DeepSampleResult, VerificationPlan } from "./types";
import { REPORTED_FAILURES, emptyDeepCompare } from "./types";

export const VERIFY_DEEP_ORCHESTRATION = "VerifyDeepOrchestration";

/** JSON bytes of the failures the check carries (the report lists the first REPORTED_FAILURES). */
export const DEEP_FAILURE_BYTES = 16 * 1024;

type DeepPlan = Pick<
  VerificationPlan,
  | "runId"
  | "seed"
  | "allocation"
  | "migratesHistory"
  | "migratesDeletes"
  | "watermark"
  | "limits"
  | "concurrency"
  | "types"
>;

export interface DeepCheckState {
  plan: DeepPlan;
  sampling: HopQueue<DeepSampleInput, DeepSampleResult>;
  /** Comparison batches already run (batches are listed from the samples, in the same order each time). */
  batchesDone: number;
  /** One folded result per type compared so far; its failures are the first ones overall. */
  compared: DeepCompareResult[];
  failureBytes: number;
  rows: RowTally;
  execution: number;
}

export function initialDeepCheckState(plan: DeepPlan): DeepCheckState {
  return {
    plan,
    sampling: hopQueue(
      plan.allocation.map((a) => ({
        runId: plan.runId,
        seed: plan.seed,
        type: a.type,
        size: a.size,
        history: plan.migratesHistory && a.type !== SEARCH_PARAMETER_TYPE,
        cursor: null,
        limits: plan.limits,
      })),
    ),
    batchesDone: 0,
    compared: [],
    failureBytes: 0,
    rows: emptyRowTally(),
    execution: 1,
  };
}

/** The comparison batches of the samples, in type order (the same list in every execution). */
function batchesOf(state: DeepCheckState): DeepCompareInput[] {
  const { plan } = state;
  const batches: DeepCompareInput[] = [];
  for (const s of state.sampling.finished) {
    if (s === null || s.error !== null) continue;
    for (let offset = 0; offset < s.sampled; offset += plan.limits.compareBatch) {
      batches.push({
        runId: plan.runId,
        type: s.type,
        offset,
        limit: plan.limits.compareBatch,
        concurrency: 1,
        history: plan.migratesHistory,
        migratesDeletes: plan.migratesDeletes,
        watermark: plan.watermark,
      });
    }
  }
  return batches;
}

/** Adds one batch's result to its type's totals and to the rows (in place). */
function fold(state: DeepCheckState, r: DeepCompareResult): void {
  let t = state.compared.find((c) => c.type === r.type);
  if (t === undefined) {
    t = emptyDeepCompare(r.type);
    state.compared.push(t);
  }
  t.processed += r.processed;
  t.passed += r.passed;
  t.failed += r.failed;
  t.behind += r.behind;
  t.errors += r.errors;
  const carried = state.compared.reduce((n, c) => n + c.failures.length, 0);
  for (const f of r.failures.slice(0, Math.max(0, REPORTED_FAILURES - carried))) {
    const bytes = JSON.stringify(f).length;
    if (state.failureBytes + bytes > DEEP_FAILURE_BYTES) break;
    state.failureBytes += bytes;
    t.failures.push(f);
  }
  tallyComparedRows(state.rows, r);
}

export const verifyDeepOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const state = context.df.getInput<DeepCheckState>();
  const { plan } = state;
  const bound = plan.concurrency;
  const budget = new HistoryBudget();
  const status = (phase: "deep-sampling" | "deep-comparing", done: number, total: number) =>
    context.df.setCustomStatus({ runId: plan.runId, phase, types: plan.types.length, done, total });
  const sampled = plan.allocation.length;

  while (state.sampling.pending.length > 0) {
    if (continuedAsNew(context, budget, state)) return undefined;
    status("deep-sampling", sampled - state.sampling.pending.length, sampled);
    const wave: DeepSampleResult[] = yield* hopWave<DeepSampleInput, DeepSampleResult>(
      context,
      VERIFY_ACTIVITY.sample,
      state.sampling,
      bound,
      (i, r) => ({ ...i, cursor: r.cursor }),
      (i) => i,
    );
    budget.spend(wave.length);
  }

  const batches = batchesOf(state);
  while (state.batchesDone < batches.length) {
    if (continuedAsNew(context, budget, state)) return undefined;
    status("deep-comparing", state.batchesDone, batches.length);
    const wave = batches.slice(state.batchesDone, state.batchesDone + bound);
    const results: DeepCompareResult[] = yield context.df.Task.all(
      wave.map((b, n) =>
        callVerify(context, VERIFY_ACTIVITY.compare, {
          ...b,
          concurrency: share(bound, wave.length, n),
        }),
      ),
    );
    budget.spend(wave.length);
    for (const r of results) fold(state, r);
    state.batchesDone += wave.length;
    yield callVerify(
      context,
      VERIFY_ACTIVITY.summary,
      checkSummaryOf(plan.runId, "deep", state.rows, false),
    );
    budget.spend(1);
  }
  status("deep-comparing", batches.length, batches.length);
  yield callVerify(context, VERIFY_ACTIVITY.cleanup, { runId: plan.runId });
  yield callVerify(
    context,
    VERIFY_ACTIVITY.summary,
    checkSummaryOf(plan.runId, "deep", state.rows, true),
  );
  const parts: DeepParts = {
    samples: state.sampling.finished.filter((s): s is DeepSampleResult => s !== null),
    comparisons: state.compared,
  };
  return parts;
};
