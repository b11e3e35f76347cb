/** `fhir-migrate status`: its options and help; the work is in ../actions/status.ts. */
import type { Command } from "commander";
import type { StatusCliOptions } from "../actions/status";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("status")
    .description(
      "Show the migration's progress: watermark, jobs in flight, failures and the estimate to catch up.",
    )
    .option("--serve", "serve the status page on 127.0.0.1 until Ctrl+C, and print its URL")
    .option("--port <n>", "with --serve: the port (default 0: any free port)");
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Reads the state tables named by the settings (AzureWebJobsStorage, AZURE_ChunkTableName,",
        "AZURE_ExportTableName, AZURE_PartitionKey), or, with no storage in the settings, the state a",
        "local `fhir-migrate run` keeps under --state-dir; it changes nothing. docs/status.md explains",
        "every number.",
        "",
        "Exit codes: 0 the status was read (whatever the migration's phase; use --json to script",
        "on it); 1 the state could not be read (no tables yet, storage unreachable, no token); 2 bad",
        "settings or options.",
        "",
        "Examples:",
        "  $ fhir-migrate status --settings local.settings.json",
        "  $ fhir-migrate --json status --settings local.settings.json",
        "  $ fhir-migrate status --serve --port 8080 --settings local.settings.json",
      ].join("\n"),
    )
    .action(async (options: StatusCliOptions, cmd: Command) => {
      const { status } = await import("../actions/status.js");
      await status(options, actionContext(cmd));
    });
}
