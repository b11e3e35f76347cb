import type { DurableClient } from "durable-functions";
import { OrchestrationRuntimeStatus } from "durable-functions";
import { MIGRATION_INSTANCE_ID, MIGRATION_ORCHESTRATION } from "./migrationOrchestrator";

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
