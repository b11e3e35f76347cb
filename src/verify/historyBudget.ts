/**
 * How much history one execution of an orchestration may write before it continues as new
 * (docs/architecture.md, "Bounded histories"). With extended sessions off the host reloads an
 * instance's whole history at every episode, so an execution's history must not grow with the
 * data: the fan-outs of the verification count the events they cause and hand their state (totals,
 * never results) to a fresh execution once past the budget.
 */

import type { OrchestrationContext } from "durable-functions";

/**
 * Events one execution writes before it continues as new; the last wave adds at most 2 + 2 × 66 (64
 * units, the SearchParameters and a summary row).
 */
export const HISTORY_EVENTS_PER_EXECUTION = 2_000;

/**
 * Counts the events an execution's history holds, as the host writes them: the start
 * (OrchestratorStarted, ExecutionStarted), then per episode an OrchestratorCompleted, one scheduling
 * event per task and, in the next episode, an OrchestratorStarted and one completion per task.
 * Deterministic: it counts what the orchestrator yields, so replays agree.
 */
export class HistoryBudget {
  private events = 2;

  constructor(private readonly limit: number = HISTORY_EVENTS_PER_EXECUTION) {}

  /** One yield of `tasks` activities or sub-orchestrations (Task.all counts each of them). */
  spend(tasks: number): void {
    this.events += 2 + 2 * tasks;
  }

  get spent(): number {
    return this.events;
  }

  /** True once the execution should continue as new before it yields more. */
  get exhausted(): boolean {
    return this.events >= this.limit;
  }
}

/**
 * Continues as new with `state` (its execution count one higher) once the budget is spent; the
 * caller then returns at once. True when it did.
 */
export function continuedAsNew<S extends { execution: number }>(
  context: OrchestrationContext,
  budget: HistoryBudget,
  state: S,
): boolean {
  if (!budget.exhausted) return false;
  context.df.continueAsNew({ ...state, execution: state.execution + 1 });
  return true;
}
