import { resolve } from "node:path";
import type { SettingName } from "../config/settingNames";
import type { Environment } from "../config/settings";
import { holdsLocalState, openLocalState } from "../local/localState";
import { DEFAULT_STATE_DIR } from "./commandOptions";
import { OperationFailedError } from "./errors";
import type { CliRuntime } from "./runtime";

/** Settings that name the migration's storage; with none of them, state is kept locally. */
export const STORAGE_SETTINGS: readonly SettingName[] = [
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AZURE_StagingStorageUri",
];

/** A stand-in for the Azurite's connection string while the other settings are checked. */
const PLACEHOLDER_STORAGE = "UseDevelopmentStorage=true";

/**
 * "create": the command may start a migration's state (run, cutover, lift-and-shift). "read": it
 * works on a state that must exist already (status, verify, reset-retries, accept-settings, cleanup).
 */
export type StateAccess = "create" | "read";

export interface MigrationStorage {
  /** The settings with the storage to use. */
  env: Environment;
  /** Stops the local Azurite when this command started it. */
  release(): Promise<void>;
}

export function storageConfigured(env: Environment): boolean {
  return STORAGE_SETTINGS.some((n) => (env[n] ?? "").trim() !== "");
}

/**
 * The storage a command works on. When the settings name one, that one. Otherwise the local run's
 * state under `stateDir` (`--state-dir`, default .fhir-migrate): every command reaches it the same
 * way, through the Azurite already serving that folder or one started there (src/local/localState.ts).
 * `validate` (the command's own settings parse) runs first, with a stand-in for the Azurite when
 * none is configured: bad settings fail before anything is started or written to disk.
 */
export async function openMigrationStorage(
  env: Environment,
  options: {
    stateDir: string | undefined;
    access: StateAccess;
    runtime: CliRuntime;
    validate?: (env: Environment) => unknown;
  },
): Promise<MigrationStorage> {
  const validate = options.validate ?? (() => undefined);
  if (storageConfigured(env)) {
    validate(env);
    return { env, release: async () => {} };
  }
  validate({ ...env, AzureWebJobsStorage: PLACEHOLDER_STORAGE });
  const location = resolve(options.runtime.cwd, options.stateDir ?? DEFAULT_STATE_DIR);
  if (options.access === "read" && !holdsLocalState(location)) {
    throw new OperationFailedError(
      `No migration state to read: the settings name no storage (${STORAGE_SETTINGS.join(", ")}) and ${location} holds no local run's state. ` +
        'For a deployed migration, give the settings of its storage (docs/operations.md, "Use the CLI on a deployed migration"); for a local one, run `fhir-migrate run` first, or pass the --state-dir it used.',
    );
  }
  const local = await openLocalState(location);
  options.runtime.stderr(
    options.access === "read"
      ? `No storage configured: using the local run's state under ${location}\n`
      : local.started
        ? `No storage configured: keeping state in a local Azurite under ${location}\n`
        : `No storage configured: keeping state in the local Azurite already serving ${location}\n`,
  );
  return {
    env: { ...env, AzureWebJobsStorage: local.azurite.connectionString },
    release: () => local.release(),
  };
}
