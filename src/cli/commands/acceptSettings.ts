/** `fhir-migrate accept-settings`: its options and help; the work is in ../actions/acceptSettings.ts. */
import type { Command } from "commander";
import type { AcceptSettingsOptions } from "../actions/acceptSettings";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("accept-settings")
    .description(
      "Record these settings as the migration's (after changing AZURE_IsParallel, AZURE_ResourceTypes, ...).",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "A runner whose AZURE_SourceUri, AZURE_DestinationUri, AZURE_IsParallel, AZURE_ResourceTypes,",
        "AZURE_ExportWithHistory, AZURE_ExportWithDelete or AZURE_ConfigFile differ from the ones the",
        "tables record refuses to plan or import. Stop the runner with the old settings first, then run this",
        "with the new ones: chunks already planned finish as planned, and windows from the current frontier",
        "on use the new settings. A runner still using the old settings is refused from then on.",
        "",
        "Exit codes: 0 recorded; 1 no state, storage unreachable or no token; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate accept-settings --settings local.settings.json",
      ].join("\n"),
    )
    .action(async (options: AcceptSettingsOptions, cmd: Command) => {
      const { acceptSettings } = await import("../actions/acceptSettings.js");
      await acceptSettings(options, actionContext(cmd));
    });
}
