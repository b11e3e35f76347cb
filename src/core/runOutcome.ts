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
