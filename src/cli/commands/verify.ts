/** `fhir-migrate verify`: its options and help; the work is in ../actions/verify.ts. */
import type { Command } from "commander";
import type { VerifyCommandOptions } from "../actions/verify";
import { addSettingsOption, addStateDirOption } from "../commandOptions";
import { runtimeOf, wantsDebug, wantsJson } from "../runtime";

export function register(program: Command): void {
  const command = program
    .command("verify")
    .description(
      "Check that the destination holds the source's data: counts per type, a random sample compared field by field, resources hard-deleted on the source, and (full) every version.",
    )
    .option(
      "--checks <list>",
      "comma-separated subset of surface,deep,reconcile,full (default: surface,deep,reconcile; full compares every version of every resource)",
    )
    .option(
      "--deep-check-count <n>",
      "resources the deep check samples in total across types, 0..1000000 (default AZURE_DeepCheckCount)",
    )
    .option(
      "--resource-types <list>",
      "comma-separated FHIR R4 types to check (default AZURE_SurfaceCheckResources, else every type on either server)",
    )
    .option("--seed <seed>", "deep check seed; a previous run's seed samples the same resources")
    .option(
      "--apply-hard-deletes",
      "delete, on the destination, resources hard-deleted on the source (default AZURE_ApplyHardDeletes)",
    )
    .option("--no-apply-hard-deletes", "only list them, whatever AZURE_ApplyHardDeletes says")
    .option(
      "--concurrency <n>",
      "requests in flight to each server, 1..64 (default AZURE_CheckConcurrency)",
    )
    .option("--allow-behind", "exit 0 when the only differences are newer than the watermark")
    .option(
      "--full",
      "add the full check to the checks asked for (the same as naming full in --checks; reads both servers' whole history)",
    )
    .option(
      "--resume <runId>",
      "continue an interrupted full check from its last finished unit (implies --full)",
    )
    .option(
      "--unit-versions <n>",
      "versions one unit of the full check holds on either server, 1000..10000000 (default: from a 256 MB budget)",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Results are also written to the job table (partition <AZURE_PartitionKey>-checks) and as",
        "SurfaceCheck, DeepCheck and HardDeleteReconciliation telemetry; docs/verification.md explains",
        "every check and verdict.",
        "",
        "Exit codes: 0 every check passed; 1 a check failed, could not complete, or (without",
        "--allow-behind) the destination is behind the watermark; 2 bad settings or options.",
        "",
        "Examples:",
        "  $ fhir-migrate verify --settings local.settings.json",
        "  $ fhir-migrate verify --checks surface,deep --deep-check-count 1000 --seed 5f1c2a9e04b7",
        "  $ fhir-migrate verify --checks reconcile --resource-types Patient --apply-hard-deletes --json",
        "  $ fhir-migrate verify --checks full",
        "  $ fhir-migrate verify --checks surface --full",
        "  $ fhir-migrate verify --checks surface --resume v20250303T030000-1a2b3c",
      ].join("\n"),
    )
    .action(async (options: VerifyCommandOptions, cmd: Command) => {
      const { verify } = await import("../actions/verify.js");
      await verify(options, wantsJson(cmd), runtimeOf(cmd), wantsDebug(cmd));
    });
}
