/** `fhir-migrate cleanup`: its options and help; the work is in ../actions/cleanup.ts. */
import type { Command } from "commander";
import type { CleanupOptions } from "../actions/cleanup";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { actionContext } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("cleanup")
    .description(
      "List what the migration left in storage (export files, $import bodies, manifests, self-staged windows, isolation parts) and how much; --delete deletes it after a passing proof.",
    )
    .option(
      "--delete",
      "delete what a passing proof covers (without it: a dry run that changes nothing)",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "A passing proof is a cutover GO or a full check that passed (`fhir-migrate verify --checks full`),",
        "recorded for this migration. It covers the chunks whose windows end at or before the instant it",
        "proved; the data of later chunks is kept until a later proof covers them. Without a proof,",
        '--delete deletes nothing and exits 1. docs/operations.md, "Delete staging data".',
        "",
        "Exit codes: 0 listed (or deleted); 1 --delete without a passing proof, no state, storage",
        "unreachable or no token; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate cleanup --settings local.settings.json",
        "  $ fhir-migrate cleanup --settings local.settings.json --delete",
        "  $ fhir-migrate --json cleanup --settings local.settings.json",
      ].join("\n"),
    )
    .action(async (options: CleanupOptions, cmd: Command) => {
      const { cleanup } = await import("../actions/cleanup.js");
      await cleanup(options, actionContext(cmd));
    });
}
