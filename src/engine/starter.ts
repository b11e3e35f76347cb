import type { DurableClient } from "durable-functions";
import { OrchestrationRuntimeStatus } from "durable-functions";
import {
  MIGRATION_INSTANCE_ID,
  MIGRATION_ORCHESTRATION,
  MIGRATION_WAKE_EVENT,
} from "./migrationOrchestrator";

/** Runtime states in which the singleton must not be started again. */
const ACTIVE = new Set<string>([
  OrchestrationRuntimeStatus.Running,
  OrchestrationRuntimeStatus.Pending,
  OrchestrationRuntimeStatus.ContinuedAsNew,
]);

export type StartOutcome = "started" | "already-running";

/**
 * The watchdog behind TimerOrchestration: starts the singleton migration unless it is running or
 * pending. It is not the pacer: a running orchestration continues on its own.
 */
export async function startMigrationIfIdle(
  client: Pick<DurableClient, "getStatus" | "startNew">,
  log: (message: string) => void,
): Promise<StartOutcome> {
  const status = await client.getStatus(MIGRATION_INSTANCE_ID, { showInput: false });
  if (status?.runtimeStatus !== undefined && ACTIVE.has(status.runtimeStatus))
    return "already-running";
  await client.startNew(MIGRATION_ORCHESTRATION, { instanceId: MIGRATION_INSTANCE_ID, input: {} });
  log(
    status?.runtimeStatus === undefined
      ? `started ${MIGRATION_ORCHESTRATION}`
      : `restarted ${MIGRATION_ORCHESTRATION} (it was ${status.runtimeStatus})`,
  );
  return "started";
}

export type WakeOutcome = StartOutcome | "woken" | { notWoken: string };

/**
 * Makes the migration act now: starts it when it is not running, otherwise raises
 * MIGRATION_WAKE_EVENT so a running orchestration ends its wait between passes at once (instead of
 * at its idle poll). An instance that ended between the two calls cannot be woken: the answer says
 * so, and the timer starts it again within its schedule.
 */
export async function wakeMigration(
  client: Pick<DurableClient, "getStatus" | "startNew" | "raiseEvent">,
  log: (message: string) => void,
): Promise<WakeOutcome> {
  const started = await startMigrationIfIdle(client, log);
  if (started === "started") return started;
  try {
    await client.raiseEvent(MIGRATION_INSTANCE_ID, MIGRATION_WAKE_EVENT, null);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`could not wake ${MIGRATION_ORCHESTRATION}: ${message}`);
    return { notWoken: message.slice(0, 500) };
  }
  log(`woke ${MIGRATION_ORCHESTRATION}`);
  return "woken";
}
