/**
 * The words for where a migration stands, used by the pass planner, the orchestrator's custom
 * status, the CLI and the status page alike (docs/glossary.md).
 */

/** How a run of the orchestrator ends. */
export type RunOutcome =
  /** Stopped on a failure a person must look at (the cursor's halt reason says which). */
  | "halted"
  /** AZURE_SpecificRun: every window up to AZURE_EndDate is migrated. */
  | "range-complete"
  /** A one-shot run (`--until-caught-up`): everything the source changed before the watermark is migrated. */
  | "caught-up"
  /** The cutover operation reached GO or NO-GO (src/core/cutover.ts). */
  | "cutover-decided";

/**
 * What the migration is doing now. `caught-up` while running means the same as the outcome: nothing
 * is in flight and the last planning found nothing newer; the migration keeps polling the source.
 */
export type RunPhase = "migrating" | "waiting" | "paused" | "caught-up" | "cutover" | RunOutcome;

/** What the phase is decided from; the first that holds wins, in this order. */
export interface PhaseFacts {
  /** The run stopped (the orchestrator's decision), or the state says it must (status page). */
  outcome?: RunOutcome | undefined;
  /** A cutover operation is under way. */
  cutover?: boolean;
  /** Inside the business-hours pause. */
  paused: boolean;
  /** Nothing in flight and the last planning found nothing newer. */
  caughtUp: boolean;
  /** The last pass changed nothing: the orchestrator sleeps until its next poll. */
  waiting?: boolean;
}

/** The one rule for where a migration stands: the orchestrator's custom status and the status page. */
export function runPhase(facts: PhaseFacts): RunPhase {
  if (facts.outcome !== undefined) return facts.outcome;
  if (facts.cutover === true) return "cutover";
  if (facts.paused) return "paused";
  if (facts.caughtUp) return "caught-up";
  return facts.waiting === true ? "waiting" : "migrating";
}
