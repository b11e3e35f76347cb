/**
 * `fhir-migrate lift-and-shift`: the seed's manual path (export, build payloads, import, count by
 * hand) as one command. It is the continuous engine with a single window covering everything up to
 * now (or `--till`), ending once caught up, then a verification. Export and import status URLs are
 * recorded in the state tables as soon as the servers return them, so an interrupted run resumes
 * where it stopped instead of starting a second export.
 */
import type { Environment } from "../../config/settings";
import { exportContainerProblem } from "../../core/exportContainer";
import { isR4ResourceType } from "../../core/resourceTypes";
import { createEngineDeps } from "../../engine/createDeps";
import { withEngineOptions } from "../../engine/engineOptions";
import type { MigrationOutcome } from "../../engine/migrationOrchestrator";
import { runMigrationLocally } from "../../local/localMigration";
import { formatVerificationReport } from "../../verify/format";
import { runVerification } from "../../verify/runVerification";
import type { VerificationReport } from "../../verify/types";
import { OperationFailedError, UsageError } from "../errors";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import { formatTable } from "../../status/format";
import { createProgressReporter } from "../progressBar";
import type { CliRuntime } from "../runtime";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";

export interface LiftAndShiftOptions extends SettingsSourceOptions, StateDirOptions {
  type?: string[];
  container?: string;
  since?: string;
  till?: string;
  verify: boolean;
  partitionKey: string;
}

export function liftAndShiftEnvironment(
  env: Environment,
  options: LiftAndShiftOptions,
): Environment {
  const types = options.type ?? [];
  const bad = types.filter((t) => !isR4ResourceType(t) || t === "SearchParameter");
  if (bad.length > 0) {
    throw new UsageError(
      `--type: ${bad.join(", ")} is not a FHIR R4 resource type that $import accepts (SearchParameters are copied separately)`,
    );
  }
  const containerProblem =
    options.container === undefined ? undefined : exportContainerProblem(options.container);
  if (containerProblem !== undefined) {
    throw new UsageError(
      `--container ${JSON.stringify(options.container)}: expected ${containerProblem}`,
    );
  }
  return {
    ...env,
    ...(options.container !== undefined ? { AZURE_ExportContainer: options.container } : {}),
    AZURE_PartitionKey: options.partitionKey,
    ...(types.length > 0
      ? { AZURE_IsParallel: "false", AZURE_ResourceTypes: types.join(",") }
      : {}),
    ...(options.since !== undefined ? { AZURE_StartDate: options.since } : {}),
    ...(options.till !== undefined
      ? {
          AZURE_SpecificRun: "true",
          AZURE_EndDate: options.till,
          AZURE_StartDate: options.since ?? "1900-01-01T00:00:00Z",
        }
      : {}),
  };
}

export async function liftAndShift(
  options: LiftAndShiftOptions,
  json: boolean,
  runtime: CliRuntime,
  debug = false,
): Promise<void> {
  const adjust = (env: Environment) => liftAndShiftEnvironment(env, options);
  await withMigrationState(
    options,
    { runtime, access: "create", servers: true, debug, adjust },
    async (parsed) => {
      // One window (one export, or one per type): a typed engine option, not app settings.
      const settings = withEngineOptions(parsed, { oneWindow: true });
      const progress = createProgressReporter({
        runtime,
        json,
        tty: process.stderr.isTTY === true,
        now: () => Date.now(),
      });
      const deps = createEngineDeps(settings, { progress });
      let result;
      try {
        result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true }, progress });
      } finally {
        progress.stop();
      }
      const outcome = result.output as MigrationOutcome;
      const cursor = await deps.state.getCursor();
      const failed: string[][] = [];
      for await (const f of deps.state.listFailedResources()) {
        if (failed.length < 50) failed.push([f.resourceType, f.id, f.reason.slice(0, 100)]);
      }
      let report: VerificationReport | undefined;
      if (options.verify && outcome.outcome !== "halted") {
        report = await runVerification(deps, { checks: ["surface"] });
      }
      if (json) {
        writeJson(runtime, {
          ok:
            outcome.outcome !== "halted" &&
            (report?.passed ?? true) &&
            cursor.resourcesFailed === 0,
          outcome,
          resourcesImported: cursor.resourcesImported,
          resourcesFailed: cursor.resourcesFailed,
          failedResources: failed,
          verification: report ?? null,
        });
      } else {
        runtime.stdout(
          `Lift and shift ${outcome.outcome}: ${cursor.resourcesImported} versions imported, ${cursor.resourcesFailed} rejected by the destination.\n`,
        );
        if (failed.length > 0)
          runtime.stdout(
            `\nRejected resources (first ${failed.length}):\n${formatTable([["Type", "Id", "Reason"], ...failed], "  ")}\n`,
          );
        if (report !== undefined) runtime.stdout(`\n${formatVerificationReport(report)}\n`);
      }
      if (outcome.outcome === "halted")
        throw new OperationFailedError(
          `Halted: ${outcome.reason}. Fix the cause and run the same command again to resume.`,
        );
      if (cursor.resourcesFailed > 0)
        throw new OperationFailedError(
          `${cursor.resourcesFailed} resource(s) were rejected by the destination (listed above and in the job table).`,
        );
      if (report !== undefined && !report.passed)
        throw new OperationFailedError(
          "Verification failed: the destination's counts differ from the source's.",
        );
    },
  );
}
