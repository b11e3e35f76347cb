/**
 * `fhir-migrate verify`: runs the surface check, the deep check and the hard-delete reconciliation
 * locally (the same orchestration and activities as E2ETest_Http) and prints a table per check.
 */
import { createEngineDeps } from "../../engine/createDeps";
import { formatVerificationReport } from "../../verify/format";
import type { OptionName } from "../../verify/options";
import { describeIssues, parseVerificationOptions } from "../../verify/options";
import { runVerification } from "../../verify/runVerification";
import type { VerificationReport } from "../../verify/types";
import { OperationFailedError, UsageError } from "../errors";
import { writeJson } from "../output";
import { verificationProgressReporter } from "../progressBar";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { withMigrationState } from "../migrationState";
import type { CliRuntime } from "../runtime";

export interface VerifyCommandOptions extends SettingsSourceOptions, StateDirOptions {
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
  debug = false,
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
  const report = await withMigrationState(
    options,
    { runtime, access: "read", servers: true, debug },
    async (settings) => {
      const deps = createEngineDeps(settings, {
        log: json ? () => {} : (m) => runtime.stderr(`${m}\n`),
      });
      return runVerification(deps, {
        ...parsed.options,
        ...(json ? {} : { progress: verificationProgressReporter(runtime, () => Date.now()) }),
      });
    },
  );
  if (json) writeJson(runtime, report);
  else runtime.stdout(formatVerificationReport(report));
  if (!verdictIsSuccess(report, options.allowBehind === true)) {
    throw new OperationFailedError(
      `Verification ${report.runId} did not pass: ${report.verdict} (seed ${report.seed})`,
    );
  }
}
