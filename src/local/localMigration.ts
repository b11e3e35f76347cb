import type { ProgressSink } from "../core/progress";
import { MIGRATION_ACTIVITIES } from "../engine/activities";
import type { MigrationActivityName } from "../engine/activities";
import type { EngineDeps } from "../engine/deps";
import type { MigrationInput, MigrationStatus } from "../engine/migrationOrchestrator";
import {
  MIGRATION_INSTANCE_ID,
  MIGRATION_ORCHESTRATION,
  MIGRATION_WAKE_EVENT,
  migrationOrchestrator,
} from "../engine/migrationOrchestrator";
import { VERIFICATION_ACTIVITIES } from "../verify/activities";
import type { VerificationActivityName } from "../verify/activities";
import { bindActivities } from "../engine/bindActivities";
import type { ActivityWrapper } from "../engine/bindActivities";
import { VERIFICATION_ORCHESTRATIONS } from "../verify/orchestrator";
import type { Clock, RunResult } from "./durableRuntime";
import { raiseLocalEvent, runOrchestration } from "./durableRuntime";

export interface LocalMigrationOptions {
  input?: MigrationInput;
  clock?: Clock;
  onStatus?: (status: MigrationStatus) => void;
  /** Receives the orchestrator's phase as progress events (the activities' come through EngineDeps.progress). */
  progress?: ProgressSink;
  shouldStop?: () => boolean;
  beforeEpisode?: (episode: number) => void;
  isCrash?: (error: unknown) => boolean;
  /**
   * Wraps every activity call, the cutover proof's verification activities included (tests count
   * calls or inject crashes; the benchmark prices every request).
   */
  wrapActivity?: ActivityWrapper<MigrationActivityName | VerificationActivityName>;
}

/**
 * Runs the same orchestration and activities the Functions app registers, in this process, with
 * the verification's orchestrations and activities the cutover's proof runs as a sub-orchestration.
 */
export async function runMigrationLocally(
  deps: EngineDeps,
  options: LocalMigrationOptions = {},
): Promise<RunResult> {
  // On a simulated clock the run counts from this call on, not from its first replay: the tables
  // are made ready first (I/O), and time must not move on meanwhile. Let go once runOrchestration
  // was called (not awaited): the runtime counts the orchestration from its first synchronous step.
  const starting = options.clock?.join?.();
  try {
    await deps.state.ensure();
    return runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      MIGRATION_INSTANCE_ID,
      options.input ?? {},
      {
        activities: {
          ...bindActivities(VERIFICATION_ACTIVITIES, () => deps, options.wrapActivity),
          ...bindActivities(MIGRATION_ACTIVITIES, () => deps, options.wrapActivity),
        },
        orchestrations: VERIFICATION_ORCHESTRATIONS,
        clock: options.clock,
        onCustomStatus: (s, _instanceId, name) => {
          // The proof's verification reports its own progress (phase and counts), not a pass's.
          if (name !== MIGRATION_ORCHESTRATION) return;
          const status = s as MigrationStatus;
          options.progress?.emit({ kind: "phase", phase: status.phase, pass: status.pass });
          options.onStatus?.(status);
        },
        shouldStop: options.shouldStop,
        beforeEpisode: options.beforeEpisode,
        isCrash: options.isCrash,
      },
    );
  } finally {
    starting?.();
  }
}

/**
 * Wakes the migration running in this process (runMigrationLocally), as Cutover_Http wakes the one
 * in the Functions app: its wait between passes ends at once. False when none runs here.
 */
export function wakeLocalMigration(): boolean {
  return raiseLocalEvent(MIGRATION_INSTANCE_ID, MIGRATION_WAKE_EVENT);
}
