import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { settingsFromProcess } from "../config/fromProcess";
import { createEngineDeps } from "../engine/createDeps";
import type { EngineDeps } from "../engine/deps";
import type { ActivityTable } from "../engine/bindActivities";
import { bindActivities } from "../engine/bindActivities";

let deps: EngineDeps | undefined;
let ensured: Promise<void> | undefined;

/** One set of clients per worker process, built on first use; tables are created once. */
export async function engineDeps(log: (message: string) => void): Promise<EngineDeps> {
  deps ??= createEngineDeps(settingsFromProcess(), { log });
  ensured ??= deps.state.ensure();
  await ensured;
  return deps;
}

/** Registers each activity of `activities` under its name, with the process's engine dependencies. */
export function registerActivities(activities: ActivityTable): void {
  const bound = bindActivities(activities, (context: InvocationContext) =>
    engineDeps((m) => context.log(m)),
  );
  for (const [name, handler] of Object.entries(bound)) df.app.activity(name, { handler });
}
