/**
 * `fhir-migrate verify`: runs the surface check, the deep check and the hard-delete reconciliation
 * locally (the same orchestration and activities as E2ETest_Http) and prints a table per check.
 */
import type { Command } from "commander";
import { createEngineDeps } from "../../engine/createDeps";
import { formatVerificationReport } from "../../verify/format";
import type { OptionName } from "../../verify/options";
import { describeIssues, parseVerificationOptions } from "../../verify/options";
import { runVerification } from "../../verify/runVerification";
import type { VerificationReport } from "../../verify/types";
import { OperationFailedError, UsageError } from "../errors";
import { writeJson } from "../output";
import { verificationProgressReporter } from "../progressBar";
import type { CliRuntime } from "../runtime";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, loadSettings } from "../settingsSource";

export interface VerifyCommandOptions extends SettingsSourceOptions {
  checks?: string;
  deepCheckCount?: string;
  resourceTypes?: string;
  seed?: string;
  applyHardDeletes?: boolean;
  concurrency?: string;
  allowBehind?: boolean;
  full?: boolean;
  resume?: string;
  unitVersions?: string;
}

/** Exit 0 only when every check passed (or, with --allow-behind, is only behind the watermark). */
export function verdictIsSuccess(report: VerificationReport, allowBehind: boolean): boolean {
  return report.verdict === "Pass" || (allowBehind && report.verdict === "Behind");
}

export async function verify(
  options: VerifyCommandOptions,
  json: boolean,
  runtime: CliRuntime,
): Promise<void> {
  const raw: Partial<Record<OptionName, string>> = {
    checks: options.checks,
    deepCheckCount: options.deepCheckCount,
    resourceTypes: options.resourceTypes,
    seed: options.seed,
    applyHardDeletes:
      options.applyHardDeletes === undefined ? undefined : String(options.applyHardDeletes),
    concurrency: options.concurrency,
    full: options.full === true || options.resume !== undefined ? "true" : undefined,
    resume: options.resume,
    unitVersions: options.unitVersions,
  };
  const parsed = parseVerificationOptions(raw);
  if (!parsed.ok) throw new UsageError(`Invalid verify options:\n${describeIssues(parsed.issues)}`);
  const { settings } = loadSettings(options, runtime);
  const deps = createEngineDeps(settings, {
    log: json ? () => {} : (m) => runtime.stderr(`${m}\n`),
  });
  const report = await runVerification(deps, {
    ...parsed.options,
    ...(json ? {} : { progress: verificationProgressReporter(runtime, () => Date.now()) }),
  });
  if (json) writeJson(runtime, report);
  else runtime.stdout(formatVerificationReport(report));
  if (!verdictIsSuccess(report, options.allowBehind === true)) {
    throw new OperationFailedError(
      `Verification ${report.runId} did not pass: ${report.verdict} (seed ${report.seed})`,
    );
  }
}

export function register(program: Command): void {
  const command = program
    .command("verify")
    .description(
      "Check that the destination holds the source's data: counts per type, a random sample compared field by field, and resources hard-deleted on the source.",
    )
    .option("--checks <list>", "comma-separated subset of surface,deep,reconcile (default: all)")
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
      "also compare every version of every resource (the full check; reads both servers' whole history)",
    )
    .option(
      "--resume <runId>",
      "continue an interrupted full check from its last finished unit (implies --full)",
    )
    .option(
      "--unit-versions <n>",
      "versions one unit of the full check holds on either server, 1000..10000000 (default: from a 256 MB budget)",
    );
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
        "  $ fhir-migrate verify --checks surface --full",
        "  $ fhir-migrate verify --checks surface --resume v20250303T030000-1a2b3c",
      ].join("\n"),
    )
    .action(async (options: VerifyCommandOptions, cmd: Command) => {
      await verify(options, wantsJson(cmd), runtimeOf(cmd));
    });
}
