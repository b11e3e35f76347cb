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
