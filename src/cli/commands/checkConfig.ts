/** `fhir-migrate check-config`: its options and help; the work is in ../actions/checkConfig.ts. */
import type { Command } from "commander";
import type { SettingsSourceOptions } from "../commandOptions";
import { addSettingsOption } from "../commandOptions";
import { runtimeOf, wantsJson } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("check-config")
    .description(
      "Validate the app settings and show the effective values (secrets masked), with warnings.",
    );
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Reads the environment (the app settings), or with --settings only the Values of a",
        "local.settings.json file. Every setting is listed with its value and whether it was set",
        "or is the default; docs/configuration.md describes them.",
        "",
        "Exit codes: 0 valid; 2 invalid settings (one error naming every bad setting) or an",
        "unreadable settings file.",
        "",
        "Examples:",
        "  $ fhir-migrate check-config",
        "  $ fhir-migrate check-config --settings local.settings.json",
        "  $ fhir-migrate check-config --settings local.settings.json --json",
      ].join("\n"),
    )
    .action(async (options: SettingsSourceOptions, cmd: Command) => {
      const { checkConfig } = await import("../actions/checkConfig.js");
      checkConfig(options, wantsJson(cmd), runtimeOf(cmd));
    });
}
