import * as df from "durable-functions";
import { settingsFromProcess } from "../config/fromProcess";
import { createEngineDeps } from "../engine/createDeps";
import type { EngineDeps } from "../engine/deps";

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
export function registerActivities(
  activities: Readonly<Record<string, (deps: EngineDeps, input: never) => Promise<unknown>>>,
): void {
  for (const [name, implementation] of Object.entries(activities)) {
    const call = implementation as (deps: EngineDeps, input: unknown) => Promise<unknown>;
    df.app.activity(name, {
      handler: async (input: unknown, context) =>
        call(await engineDeps((m) => context.log(m)), input),
    });
  }
}
