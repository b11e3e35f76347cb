/** `fhir-migrate run`: its options and help; the work is in ../actions/run.ts, loaded when it runs. */
import type { Command } from "commander";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";
import type { RunOptions } from "../actions/run";

export function register(program: Command): void {
  const command = program
    .command("run")
    .description(
      "Run the continuous migration in this process (the same engine as the Functions app).",
    )
    .option(
      "--until-caught-up",
      "end once caught up with the source instead of polling for new changes",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Ctrl+C stops after the current step; the state stays in the tables and a later run resumes.",
        "With no storage in the settings, the state is kept in a local Azurite under --state-dir, which",
        "status, verify, reset-retries, accept-settings and cleanup read the same way.",
        "Exit codes: 0 caught up, range done or stopped; 1 halted, or the storage or a credential",
        "does not answer (said in one line before anything runs); 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate run --settings local.settings.json",
        "  $ fhir-migrate run --settings local.settings.json --until-caught-up --json",
      ].join("\n"),
    )
    .action(async (options: RunOptions, cmd: Command) => {
      const { runMigration } = await import("../actions/run.js");
      await runMigration(options, actionContext(cmd));
    });
}
