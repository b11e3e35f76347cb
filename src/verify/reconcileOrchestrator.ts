/**
 * VerifyReconcileOrchestration: the hard-delete reconciliation (docs/verification.md) as a
 * sub-orchestration of E2ETestOrchestration. Every type's walk (VerifyReconcileType hops, each
 * resuming from the windows the previous one left) runs AZURE_CheckConcurrency hops at a time, at
 * most that many types under way at once; once an execution's history reaches its budget it
 * continues as new with those types' cursors and every type's running totals, so its history does
 * not grow with the number of pages.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { VERIFY_ACTIVITY, callVerify } from "./callVerify";
import { HistoryBudget, continuedAsNew } from "./historyBudget";
import type { HopQueue } from "./hopQueue";
import { addRows, hopQueue, hopWave } from "./hopQueue";
import type { ReconcileInput } from "./reconcile";
import type { RowTally } from "./runSummary";
import { checkSummaryOf, emptyRowTally } from "./runSummary";
import type { ReconcileTypeResult, VerificationPlan } from "./types";

export const VERIFY_RECONCILE_ORCHESTRATION = "VerifyReconcileOrchestration";

/**
 * JSON bytes of the extras the hops carry in their inputs across all types (each keeps at most
 * REPORTED_FAILURES); the rest are in the check rows.
 */
export const RECONCILE_SAMPLE_BYTES = 16 * 1024;

type ReconcilePlan = Pick<
  VerificationPlan,
  | "runId"
  | "types"
  | "applyHardDeletes"
  | "migratesDeletes"
  | "watermark"
  | "limits"
  | "concurrency"
>;

export interface ReconcileCheckState {
  runId: string;
  concurrency: number;
  types: number;
  queue: HopQueue<ReconcileInput, ReconcileTypeResult>;
  rows: RowTally;
  execution: number;
}

export function initialReconcileCheckState(plan: ReconcilePlan): ReconcileCheckState {
  return {
    runId: plan.runId,
    concurrency: plan.concurrency,
    types: plan.types.length,
    queue: hopQueue(
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
    ),
    rows: emptyRowTally(),
    execution: 1,
  };
}

/** The extras carried, trimmed to RECONCILE_SAMPLE_BYTES over every type (in place). */
function trimSamples(queue: HopQueue<ReconcileInput, ReconcileTypeResult>): void {
  let bytes = 0;
  const keep = <T>(items: T[]): T[] =>
    items.filter((item) => {
      const size = JSON.stringify(item).length;
      if (bytes + size > RECONCILE_SAMPLE_BYTES) return false;
      bytes += size;
      return true;
    });
  for (const r of queue.finished) if (r !== null) r.sample = keep(r.sample);
  for (const p of queue.pending) p.input.sample = keep(p.input.sample);
}

export const verifyReconcileOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const state = context.df.getInput<ReconcileCheckState>();
  const budget = new HistoryBudget();
  while (state.queue.pending.length > 0) {
    if (continuedAsNew(context, budget, state)) return undefined;
    const done = state.queue.finished.filter((r) => r !== null).length;
    context.df.setCustomStatus({
      runId: state.runId,
      phase: "reconcile",
      types: state.types,
      done,
      total: state.types,
    });
    const wave: ReconcileTypeResult[] = yield* hopWave<ReconcileInput, ReconcileTypeResult>(
      context,
      VERIFY_ACTIVITY.reconcile,
      state.queue,
      state.concurrency,
      (i, r) => ({ ...i, cursor: r.cursor, totals: r.totals, sample: r.sample }),
      (i, n) => ({ ...i, concurrency: n }),
    );
    budget.spend(wave.length);
    for (const r of wave) addRows(state.rows, r.rows);
    trimSamples(state.queue);
    yield callVerify(
      context,
      VERIFY_ACTIVITY.summary,
      checkSummaryOf(state.runId, "reconcile", state.rows, false),
    );
    budget.spend(1);
  }
  yield callVerify(
    context,
    VERIFY_ACTIVITY.summary,
    checkSummaryOf(state.runId, "reconcile", state.rows, true),
  );
  return state.queue.finished.filter((r): r is ReconcileTypeResult => r !== null);
};
