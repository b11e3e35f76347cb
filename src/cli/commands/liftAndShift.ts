/** `fhir-migrate lift-and-shift`: its options and help; the work is in ../actions/liftAndShift.ts. */
import type { Command } from "commander";
import type { LiftAndShiftOptions } from "../actions/liftAndShift";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { runtimeOf, wantsDebug, wantsJson } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("lift-and-shift")
    .description("One-shot copy: export everything (or some types), import it, verify the counts.")
    .option(
      "--type <type...>",
      "export these resource types one by one (per-type $export) instead of one system-level export",
    )
    .option(
      "--container <name>",
      "blob container of the staging account the export writes to ($export _container); default: the server's (a new container per job)",
    )
    .option("--since <instant>", "only resources last updated at or after this instant")
    .option("--till <instant>", "only resources last updated before this instant")
    .option("--no-verify", "skip the count verification at the end")
    .option(
      "--partition-key <key>",
      "partition of the state tables for this copy (keeps it apart from a continuous migration)",
      "liftandshift",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Interrupted? Run the same command again: export and import status URLs are recorded as soon as",
        "the servers return them, so it resumes without starting a second export.",
        "Exit codes: 0 copied and verified; 1 halted, resources rejected or verification failed; 2 bad settings or usage.",
        "",
        "Examples:",
        "  $ fhir-migrate lift-and-shift --settings local.settings.json",
        "  $ fhir-migrate lift-and-shift --settings local.settings.json --type Patient Observation",
        "  $ fhir-migrate lift-and-shift --settings local.settings.json --container fhir-export",
        "  $ fhir-migrate lift-and-shift --settings local.settings.json --till 2024-01-01T00:00:00Z --json",
      ].join("\n"),
    )
    .action(async (options: LiftAndShiftOptions, cmd: Command) => {
      const { liftAndShift } = await import("../actions/liftAndShift.js");
      await liftAndShift(options, wantsJson(cmd), runtimeOf(cmd), wantsDebug(cmd));
    });
}
