/**
 * Options several commands share. Only commander here: the command definitions import this to
 * build `--help`, which must load no Azure SDK (src/cli/main.ts).
 */
import type { Command } from "commander";

/** Option values of a command that called addSettingsOption. */
export interface SettingsSourceOptions {
  settings?: string;
}

/** Option values of a command that called addStateDirOption. */
export interface StateDirOptions {
  stateDir?: string;
}

/** Where a local run keeps its state when no storage is configured. */
export const DEFAULT_STATE_DIR = ".fhir-migrate";

/** Adds `--settings <file>` to a command; read it back with readSettingsInput or loadSettings. */
export function addSettingsOption(command: Command): Command {
  return command.option(
    "--settings <file>",
    "read the app settings from the Values of this local.settings.json file instead of the environment",
  );
}

/** `--state-dir`: where a local run keeps its Azurite data (src/cli/localStorage.ts). */
export function addStateDirOption(command: Command): Command {
  return command.option(
    "--state-dir <dir>",
    `with no storage in the settings: the folder of the local run's state (default ${DEFAULT_STATE_DIR})`,
  );
}
