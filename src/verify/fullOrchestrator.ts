/**
 * VerifyFullOrchestration: the full check (docs/verification.md, "Full check") as a sub-orchestration
 * of E2ETestOrchestration whose history stays bounded whatever the number of units.
 *
 * It plans the timeline (VerifyFullPlan), then alternates: cut the earliest ranges still to cut into
 * units (VerifyFullSplit, a bounded number of counts and units per call), compare those units
 * AZURE_CheckConcurrency at a time (VerifyFullUnit), fold their results into running totals and write
 * the run's summary row (VerifyRecordSummary). Once an execution's history reaches its budget
 * (src/verify/historyBudget.ts) it continues as new, carrying only the ranges still to cut, the
 * units found but not compared yet and the totals: never unit results. So no execution's history
 * nor what crosses continue-as-new grows with the data; a billion versions are simply more
 * executions.
 *
 * Units are cut only when none are waiting, a fixed number per call, so the same counts give the
 * same units whatever the concurrency: a resumed run (`resume`) finds the unit rows of its earlier
 * attempt under the same keys and reads them back instead of comparing again.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { provenUntilMs } from "../core/fullProof";
import { VERIFY_ACTIVITY, callVerify } from "./callVerify";
import type { FullTally } from "./fullSummary";
import { addSearchParameterRows, addUnit, emptyFullTally, fullSummaryOf } from "./fullSummary";
import type {
  CountedUnit,
  FullPlan,
  FullProgress,
  FullSplitResult,
  FullSummary,
  FullUnitResult,
} from "./fullTypes";
import { HistoryBudget, continuedAsNew } from "./historyBudget";
import type { CheckSummary } from "./runSummary";
import { checkSummaryOf } from "./runSummary";
import type { DeepCompareResult } from "./types";

export const VERIFY_FULL_ORCHESTRATION = "VerifyFullOrchestration";

/** Count requests one VerifyFullSplit activity sends to each server before handing back. */
export const FULL_SPLIT_COUNTS = 200;

/** Units one VerifyFullSplit activity hands back at most (they wait in the orchestration's input). */
export const FULL_UNITS_PER_SPLIT = 64;

/** What E2ETestOrchestration gives the full check. */
export interface FullCheckInput {
  runId: string;
  /** Continue this run from its stored plan and finished units. */
  resume: boolean;
  unitVersions: number | null;
  /** Units in flight at once (AZURE_CheckConcurrency). */
  concurrency: number;
  pageSize: number;
  sinceMs: number | null;
}

/** The orchestration's input: what the first execution is given, and what each next one carries. */
export interface FullCheckState extends FullCheckInput {
  /** Null until VerifyFullPlan ran. */
  plan: FullPlan | null;
  /** Counted ranges still to cut, in time order. */
  pending: CountedUnit[];
  /** Units found and not compared yet, in time order (at most FULL_UNITS_PER_SPLIT). */
  ready: CountedUnit[];
  oversize: number;
  tally: FullTally;
  /** 1 for the first execution. */
  execution: number;
}

export function initialFullCheckState(input: FullCheckInput): FullCheckState {
  return {
    ...input,
    plan: null,
    pending: [],
    ready: [],
    oversize: 0,
    tally: emptyFullTally(),
    execution: 1,
  };
}

/** Units of the run: compared so far, waiting, and (estimated from their counts) still to cut. */
function unitsEstimate(state: FullCheckState, unitVersions: number): number {
  const toCut = state.pending.reduce(
    (n, r) => n + Math.max(1, Math.ceil(Math.max(r.source, r.destination) / unitVersions)),
    0,
  );
  return state.tally.units + state.ready.length + toCut;
}

/**
 * Versions the units compare: the plan's, less its SearchParameter versions (in the counts, but
 * compared apart, current only, after the units).
 */
function unitVersionsOf(plan: FullPlan | null): number {
  return plan === null ? 0 : Math.max(0, plan.source - (plan.searchParameters ?? 0));
}

export function fullCheckSummary(state: FullCheckState, finished: boolean): CheckSummary {
  return checkSummaryOf(state.runId, "full", state.tally.rows, finished, {
    versions: unitVersionsOf(state.plan),
    versionsDone: state.tally.versionsDone,
    unitsDone: state.tally.units - state.tally.errorsTotal,
    startedAt: state.plan?.startedAt ?? null,
  });
}

export const verifyFullOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const state = context.df.getInput<FullCheckState>();
  const budget = new HistoryBudget();
  const bound = state.concurrency;
  if (state.plan === null) {
    const plan: FullPlan = yield callVerify(context, VERIFY_ACTIVITY.fullPlan, {
      runId: state.runId,
      resume: state.resume,
      unitVersions: state.unitVersions,
      concurrency: bound,
      sinceMs: state.sinceMs,
    });
    budget.spend(1);
    state.plan = plan;
    state.pending =
      plan.tillMs > plan.sinceMs
        ? [
            {
              sinceMs: plan.sinceMs,
              tillMs: plan.tillMs,
              source: plan.source,
              destination: plan.destination,
            },
          ]
        : [];
  }
  const plan = state.plan;
  const progress = () => {
    const full: FullProgress = {
      units: unitsEstimate(state, plan.unitVersions),
      unitsDone: state.tally.units,
      versions: unitVersionsOf(plan),
      versionsDone: state.tally.versionsDone,
    };
    context.df.setCustomStatus({
      runId: state.runId,
      phase: "full",
      types: 0,
      done: full.unitsDone,
      total: full.units,
      full,
    });
  };
  progress();

  while (state.pending.length > 0 || state.ready.length > 0) {
    if (continuedAsNew(context, budget, state)) return undefined;
    if (state.ready.length === 0) {
      const split: FullSplitResult = yield callVerify(context, VERIFY_ACTIVITY.fullSplit, {
        scope: plan.scope,
        ranges: state.pending,
        unitVersions: plan.unitVersions,
        maxCounts: FULL_SPLIT_COUNTS,
        maxUnits: FULL_UNITS_PER_SPLIT,
        concurrency: bound,
      });
      budget.spend(1);
      // In time order, adjacent small units already merged (src/verify/fullSplit.ts).
      state.ready = split.units;
      state.pending = split.pending;
      state.oversize += split.oversize;
      continue;
    }
    const wave = state.ready.slice(0, bound);
    state.ready = state.ready.slice(bound);
    const results: FullUnitResult[] = yield context.df.Task.all(
      wave.map((u) =>
        callVerify(context, VERIFY_ACTIVITY.fullUnit, {
          runId: state.runId,
          scope: plan.scope,
          sinceMs: u.sinceMs,
          tillMs: u.tillMs,
          migratesDeletes: plan.migratesDeletes,
          watermark: plan.watermark,
          pageSize: state.pageSize,
        }),
      ),
    );
    budget.spend(wave.length);
    // Folded at once: only totals, a bounded set of examples and the first problems are kept.
    for (const r of results) addUnit(state.tally, r);
    // The progress row after each wave but the last: the final row follows within two activities.
    if (state.pending.length > 0 || state.ready.length > 0) {
      yield callVerify(context, VERIFY_ACTIVITY.summary, fullCheckSummary(state, false));
      budget.spend(1);
    }
    progress();
  }

  const searchParameters: DeepCompareResult = yield callVerify(
    context,
    VERIFY_ACTIVITY.fullSearchParameters,
    {
      runId: state.runId,
      migratesDeletes: plan.migratesDeletes,
      watermark: plan.watermark,
      concurrency: bound,
    },
  );
  addSearchParameterRows(state.tally, searchParameters);
  const summary: FullSummary = fullSummaryOf(state.tally, plan, state.oversize, searchParameters);
  // Every version before `proven` was found equal: the next proof needs only what changes after it.
  const proven = provenUntilMs(summary.verdict, plan.tillMs, plan.watermark);
  // The proven range and the final summary row are independent writes: one fan-out, not two
  // activities one after the other (each costs two message hops).
  const last = [callVerify(context, VERIFY_ACTIVITY.summary, fullCheckSummary(state, true))];
  if (proven !== undefined && proven > plan.sinceMs) {
    last.push(
      callVerify(context, VERIFY_ACTIVITY.fullRecord, {
        runId: state.runId,
        scope: plan.scope,
        sinceMs: plan.sinceMs,
        tillMs: proven,
        incremental: plan.incremental,
      }),
    );
  }
  yield context.df.Task.all(last);
  return summary;
};
