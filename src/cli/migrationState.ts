import type { Environment, Settings } from "../config/settings";
import { parseSettings } from "../config/settings";
import type { SettingsSourceOptions, StateDirOptions } from "./commandOptions";
import type { StateAccess } from "./localStorage";
import { openMigrationStorage } from "./localStorage";
import { preflight } from "./preflight";
import type { CliRuntime } from "./runtime";
import { readSettingsInput } from "./settingsSource";

/**
 * What every command that reads or writes a migration's state does first, the same way: read and
 * parse the settings, reach the state (the configured storage, or the local run's under
 * --state-dir), check that the storage answers and every credential gives a token (one line
 * otherwise), then run `body`. A local Azurite this started is stopped when `body` ends.
 */
export async function withMigrationState<T>(
  options: SettingsSourceOptions & StateDirOptions,
  context: {
    runtime: CliRuntime;
    access: StateAccess;
    debug: boolean;
    /** Whether the command talks to the FHIR servers: only then are their credentials checked. */
    servers: boolean;
    /** The command's own settings on top of the user's (lift-and-shift's range and types). */
    adjust?: (env: Environment) => Environment;
  },
  body: (settings: Settings) => Promise<T>,
): Promise<T> {
  const { runtime } = context;
  const adjust = context.adjust ?? ((env: Environment) => env);
  // As the engine parses them: a future AZURE_StartDate is refused here, before anything starts.
  const parse = (env: Environment): Settings => parseSettings(adjust(env), { nowMs: Date.now() });
  const input = readSettingsInput(options, runtime);
  const storage = await openMigrationStorage(input.env, {
    stateDir: options.stateDir,
    access: context.access,
    runtime,
    validate: parse,
  });
  try {
    const settings = parse(storage.env);
    await preflight(settings, runtime, { debug: context.debug, servers: context.servers });
    return await body(settings);
  } finally {
    await storage.release();
  }
}
