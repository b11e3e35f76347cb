import { resolve } from "node:path";
import type { Command } from "commander";
import type { SettingName } from "../config/settingNames";
import type { Environment } from "../config/settings";
import type { AzuriteInstance } from "../local/azurite";
import { startAzurite } from "../local/azurite";
import type { CliRuntime } from "./runtime";

const STORAGE_SETTINGS: readonly SettingName[] = [
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AZURE_StagingStorageUri",
];

/** A stand-in for the Azurite's connection string while the other settings are checked. */
const PLACEHOLDER_STORAGE = "UseDevelopmentStorage=true";

/**
 * Local runs need tables and blobs for their state. When the settings name no storage, an Azurite is
 * started here, on disk under `stateDir`, so stopping and running again resumes where it stopped.
 * `validate` (the command's own settings parse) runs first, with a stand-in for the Azurite when
 * none is configured: bad settings fail before anything is started or written to disk.
 */
export async function withLocalStorage(
  env: Environment,
  stateDir: string,
  runtime: CliRuntime,
  validate: (env: Environment) => unknown = () => undefined,
): Promise<{ env: Environment; azurite: AzuriteInstance | undefined }> {
  if (STORAGE_SETTINGS.some((n) => (env[n] ?? "").trim() !== "")) {
    validate(env);
    return { env, azurite: undefined };
  }
  validate({ ...env, AzureWebJobsStorage: PLACEHOLDER_STORAGE });
  const location = resolve(runtime.cwd, stateDir);
  const azurite = await startAzurite({ location });
  runtime.stderr(`No storage configured: keeping state in a local Azurite under ${location}\n`);
  return { env: { ...env, AzureWebJobsStorage: azurite.connectionString }, azurite };
}

/** `--state-dir`: where withLocalStorage keeps its Azurite data. */
export function addStateDirOption(command: Command): Command {
  return command.option(
    "--state-dir <dir>",
    "where a local Azurite keeps the state when no storage is configured",
    ".fhir-migrate",
  );
}
