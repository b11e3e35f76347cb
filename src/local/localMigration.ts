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
import { boundVerificationActivities } from "../verify/activities";
import { VERIFICATION_ORCHESTRATIONS } from "../verify/orchestrator";
import type { ActivityImplementation, Clock, RunResult } from "./durableRuntime";
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
  /** Wraps every activity call (tests count calls or inject crashes). */
  wrapActivity?: (name: MigrationActivityName, call: () => Promise<unknown>) => Promise<unknown>;
}

/** The registered activities bound to one set of dependencies. */
export function boundActivities(
  deps: EngineDeps,
  wrap?: LocalMigrationOptions["wrapActivity"],
): Record<string, ActivityImplementation> {
  return Object.fromEntries(
    (Object.keys(MIGRATION_ACTIVITIES) as MigrationActivityName[]).map((name) => {
      const implementation = MIGRATION_ACTIVITIES[name] as (
        d: EngineDeps,
        input: unknown,
      ) => Promise<unknown>;
      const call = (input: unknown) => implementation(deps, input);
      return [name, wrap === undefined ? call : (input: unknown) => wrap(name, () => call(input))];
    }),
  );
}

/**
 * Runs the same orchestration and activities the Functions app registers, in this process, with
 * the verification's orchestrations and activities the cutover's proof runs as a sub-orchestration.
 */
export async function runMigrationLocally(
  deps: EngineDeps,
  options: LocalMigrationOptions = {},
): Promise<RunResult> {
  await deps.state.ensure();
  return runOrchestration(
    migrationOrchestrator,
    MIGRATION_ORCHESTRATION,
    MIGRATION_INSTANCE_ID,
    options.input ?? {},
    {
      activities: {
        ...boundVerificationActivities(deps),
        ...boundActivities(deps, options.wrapActivity),
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
}

/**
 * Wakes the migration running in this process (runMigrationLocally), as Cutover_Http wakes the one
 * in the Functions app: its wait between passes ends at once. False when none runs here.
 */
export function wakeLocalMigration(): boolean {
  return raiseLocalEvent(MIGRATION_INSTANCE_ID, MIGRATION_WAKE_EVENT);
}
