import { resolve } from "node:path";
import type { Command } from "commander";
import type { Environment } from "../config/settings";
import type { AzuriteInstance } from "../local/azurite";
import { startAzurite } from "../local/azurite";
import type { CliRuntime } from "./runtime";

const STORAGE_SETTINGS = [
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AZURE_StagingStorageUri",
];

/**
 * Local runs need tables and blobs for their state. When the settings name no storage, an Azurite is
 * started here, on disk under `stateDir`, so stopping and running again resumes where it stopped.
 */
export async function withLocalStorage(
  env: Environment,
  stateDir: string,
  runtime: CliRuntime,
): Promise<{ env: Environment; azurite: AzuriteInstance | undefined }> {
  if (STORAGE_SETTINGS.some((n) => (env[n] ?? "").trim() !== ""))
    return { env, azurite: undefined };
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
