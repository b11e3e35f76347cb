/** `fhir-migrate reset-retries`: its options and help; the work is in ../actions/resetRetries.ts. */
import type { Command } from "commander";
import type { ResetRetriesOptions } from "../actions/resetRetries";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("reset-retries")
    .description(
      "Resume a migration halted after repeated failures (resets the failure count and the halt).",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .option("--dry-run", "say what would be cleared and queued again; change nothing")
    .addHelpText(
      "after",
      [
        "",
        "Payloads that used up their import attempts are queued again. The next run (or the timer in",
        "Azure) continues from where the migration halted. Give the same --settings (and --state-dir)",
        "as the run that halted.",
        "",
        "Exit codes: 0 reset; 1 no state, storage unreachable or no token; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate reset-retries --settings local.settings.json",
        "  $ fhir-migrate reset-retries --settings local.settings.json --dry-run",
      ].join("\n"),
    )
    .action(async (options: ResetRetriesOptions, cmd: Command) => {
      const { resetRetries } = await import("../actions/resetRetries.js");
      await resetRetries(options, actionContext(cmd));
    });
}
