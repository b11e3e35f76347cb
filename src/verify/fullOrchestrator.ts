/**
 * VerifyFullOrchestration: the full check (docs/verification.md, "Full check") as a sub-orchestration
 * of E2ETestOrchestration whose history stays bounded whatever the number of units.
 *
 * It plans the timeline (VerifyFullPlan, unless its caller did), then alternates: cut the earliest
 * ranges still to cut into units (VerifyFullSplit, a bounded number of counts and units per call),
 * compare those units AZURE_CheckConcurrency at a time (VerifyFullUnit), fold their results into
 * running totals; the run's progress row (VerifyRecordSummary) goes out with the next step, and the
 * SearchParameters (VerifyFullSearchParameters) are compared in the first wave with a free slot. A
 * timeline that fits in one unit is not split: it is cut by time into one part per page, up to the
 * concurrency, with no count (src/core/fullUnits.ts, cutByTime). Once an execution's history reaches its budget
 * (src/verify/historyBudget.ts) it continues as new, carrying only the ranges still to cut, the
 * units found but not compared yet and the totals: never unit results. So no execution's history
 * nor what crosses continue-as-new grows with the data; a billion versions are simply more
 * executions.
 *
 * Units are cut only when none are waiting, a fixed number per call, so the same counts give the
 * same units whatever the concurrency: a resumed run (`resume`) finds the unit rows of its earlier
 * attempt under the same keys and reads them back instead of comparing again.
 */
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { provenUntilMs } from "../core/fullProof";
import { cutByTime, partsForPages } from "../core/fullUnits";
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
  /** Units in flight at once (AZURE_CheckConcurrency, or the share of it the run gives the check). */
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
  /**
   * The SearchParameters' comparison once it ran (in the first wave with a free slot); null until then.
   * Absent in a state carried before it ran beside the units.
   */
  searchParameters?: DeepCompareResult | null;
  /** 1 for the first execution. */
  execution: number;
}

/**
 * Sets the plan and what is to compare: a timeline that fits in one unit is cut by time into one
 * part per page, up to the first wave's unit slots (no VerifyFullSplit: no count is needed); a
 * larger one waits to be split. Deterministic from the plan's counts and the concurrency, so a
 * resumed run with the same counts finds its parts' rows under the same keys.
 */
function startFrom(state: FullCheckState, plan: FullPlan): void {
  state.plan = plan;
  state.pending = [];
  state.ready = [];
  if (plan.tillMs <= plan.sinceMs) return;
  const range: CountedUnit = {
    sinceMs: plan.sinceMs,
    tillMs: plan.tillMs,
    source: plan.source,
    destination: plan.destination,
  };
  if (Math.max(range.source, range.destination) > plan.unitVersions) state.pending = [range];
  else
    state.ready = cutByTime(
      range,
      // One slot of the wave is left for the SearchParameters.
      partsForPages(range, state.pageSize, Math.max(1, state.concurrency - 1)),
    );
}

/** The check's first state; with `plan` when the caller planned it (VerifyFullPlan) already. */
export function initialFullCheckState(input: FullCheckInput, plan?: FullPlan): FullCheckState {
  const state: FullCheckState = {
    ...input,
    plan: null,
    pending: [],
    ready: [],
    oversize: 0,
    tally: emptyFullTally(),
    searchParameters: null,
    execution: 1,
  };
  if (plan !== undefined) startFrom(state, plan);
  return state;
}

/** VerifyFullPlan's input for a check: what E2ETestOrchestration or the check itself plans with. */
export function fullPlanInput(input: FullCheckInput) {
  return {
    runId: input.runId,
    resume: input.resume,
    unitVersions: input.unitVersions,
    concurrency: input.concurrency,
    sinceMs: input.sinceMs,
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
 * compared apart, current only, beside the units).
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
    const plan: FullPlan = yield callVerify(
      context,
      VERIFY_ACTIVITY.fullPlan,
      fullPlanInput(state),
    );
    budget.spend(1);
    startFrom(state, plan);
  }
  const plan = state.plan!;
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
  const compareSearchParameters = (concurrency: number) =>
    callVerify(context, VERIFY_ACTIVITY.fullSearchParameters, {
      runId: state.runId,
      migratesDeletes: plan.migratesDeletes,
      watermark: plan.watermark,
      concurrency,
    });
  // The progress row of the last wave is due: it goes out with the next step (an activity on its
  // own costs two message hops), built then, from the totals as they are.
  let progressDue = false;
  function* step(tasks: Task[]): Generator<Task, unknown[], unknown[]> {
    const row = progressDue
      ? [callVerify(context, VERIFY_ACTIVITY.summary, fullCheckSummary(state, false))]
      : [];
    progressDue = false;
    const all = [...row, ...tasks];
    const results: unknown[] = yield context.df.Task.all(all);
    budget.spend(all.length);
    return results.slice(row.length);
  }

  while (state.pending.length > 0 || state.ready.length > 0) {
    if (budget.exhausted && progressDue) yield* step([]);
    if (continuedAsNew(context, budget, state)) return undefined;
    if (state.ready.length === 0) {
      const [split] = (yield* step([
        callVerify(context, VERIFY_ACTIVITY.fullSplit, {
          scope: plan.scope,
          ranges: state.pending,
          unitVersions: plan.unitVersions,
          maxCounts: FULL_SPLIT_COUNTS,
          maxUnits: FULL_UNITS_PER_SPLIT,
          concurrency: bound,
        }),
      ])) as [FullSplitResult];
      // In time order, adjacent small units already merged (src/verify/fullSplit.ts).
      state.ready = split.units;
      state.pending = split.pending;
      state.oversize += split.oversize;
      continue;
    }
    const wave = state.ready.slice(0, bound);
    state.ready = state.ready.slice(bound);
    const tasks: Task[] = wave.map((u) =>
      callVerify(context, VERIFY_ACTIVITY.fullUnit, {
        runId: state.runId,
        scope: plan.scope,
        sinceMs: u.sinceMs,
        tillMs: u.tillMs,
        migratesDeletes: plan.migratesDeletes,
        watermark: plan.watermark,
        pageSize: state.pageSize,
        holdAhead: Math.max(0, plan.unitVersions - u.source),
      }),
    );
    // The SearchParameters in the first wave that leaves a slot of the bound, with the slots it leaves.
    const withSearchParameters = (state.searchParameters ?? null) === null && wave.length < bound;
    if (withSearchParameters) tasks.push(compareSearchParameters(bound - wave.length));
    const results = yield* step(tasks);
    // Folded at once: only totals, a bounded set of examples and the first problems are kept.
    for (const r of results.slice(0, wave.length) as FullUnitResult[]) addUnit(state.tally, r);
    if (withSearchParameters) {
      state.searchParameters = results[wave.length] as DeepCompareResult;
      addSearchParameterRows(state.tally, state.searchParameters);
    }
    // The progress row after each wave but the last: the final row follows the last wave.
    progressDue = state.pending.length > 0 || state.ready.length > 0;
    progress();
  }

  let searchParameters = state.searchParameters ?? null;
  if (searchParameters === null) {
    // Nothing to compare in units (an empty timeline): the SearchParameters alone.
    searchParameters = (yield compareSearchParameters(bound)) as DeepCompareResult;
    addSearchParameterRows(state.tally, searchParameters);
  }
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
