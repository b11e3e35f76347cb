/**
 * `fhir-migrate run`: the continuous migration in this process, with the same orchestration and
 * activities as the Functions app (driven by durable-functions' replay engine). State lives in the
 * configured tables, or in a local Azurite on disk (src/cli/localStorage.ts), so stopping and
 * running again resumes.
 */
import type { Settings } from "../../config/settings";
import { SHAPING_REFUSAL_PREFIX } from "../../core/shapingSettings";
import { createEngineDeps } from "../../engine/createDeps";
import { HALT_LOG_PREFIX } from "../../engine/failures";
import type { MigrationOutcome } from "../../engine/migrationOrchestrator";
import { isOrchestrationFailedError } from "../../local/orchestrationFailure";
import { runMigrationLocally } from "../../local/localMigration";
import { formatDuration } from "../../status/format";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { OperationFailedError } from "../errors";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import { createProgressReporter } from "../progressBar";
import type { ActionContext } from "../runtime";

export interface RunOptions extends SettingsSourceOptions, StateDirOptions {
  untilCaughtUp?: boolean;
}

const NETWORK_FAILURE = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH)\b/;

/**
 * What a failed local run says. The orchestration fails only when recording a failure fails too,
 * i.e. its state storage is gone: said in one line, the original kept as the cause (--debug).
 */
export function stoppedBy(error: unknown): unknown {
  if (!isOrchestrationFailedError(error)) return error;
  const code = NETWORK_FAILURE.exec(error.message)?.[1];
  return new OperationFailedError(
    code === undefined
      ? `The migration stopped: ${error.message}. The state is kept; run again to resume.`
      : `The migration stopped: its state storage could not be reached (${code}). The state is kept; run again once the storage is back.`,
    { cause: error },
  );
}

/** The same command line's settings and state options, for advice on what to run next. */
export function sameStateFlags(options: SettingsSourceOptions & StateDirOptions): string {
  const quote = (v: string) => (/^[\w./:-]+$/.test(v) ? v : JSON.stringify(v));
  return [
    options.settings === undefined ? "" : ` --settings ${quote(options.settings)}`,
    options.stateDir === undefined ? "" : ` --state-dir ${quote(options.stateDir)}`,
  ].join("");
}

/**
 * The closing line of a run that ended without a halt. "Caught up" with nothing imported usually
 * means the source's data is all younger than the safety lag: said, with when it will be copied.
 */
export function outcomeText(outcome: MigrationOutcome, settings: Settings): string {
  const lag = formatDuration(settings.chunking.safetyLagMs / 1000);
  const imported = `${outcome.resourcesImported} ${outcome.resourcesImported === 1 ? "version" : "versions"} imported in all`;
  const why =
    outcome.resourcesImported === 0
      ? `; windows end ${lag} before now (AZURE_SafetyLagSeconds), so versions written in the last ${lag} are copied by a later run`
      : "";
  if (outcome.outcome === "caught-up")
    return `Caught up with the source as of ${outcome.watermark ?? "-"}: every version it changed before then is on the destination (or listed as failed); ${imported}${why}.\n`;
  return `Migration ${outcome.outcome}: ${outcome.reason}. Watermark ${outcome.watermark ?? "-"}; ${imported}${why}.\n`;
}

/** An engine log line that the run's closing message says again (a halt, a settings refusal). */
function closingMessageSaysIt(line: string): boolean {
  return line.startsWith(HALT_LOG_PREFIX) || line.startsWith(SHAPING_REFUSAL_PREFIX);
}

export async function runMigration(
  options: RunOptions,
  context: ActionContext,
): Promise<MigrationOutcome | undefined> {
  const { json, runtime } = context;
  return withMigrationState(
    options,
    { ...context, access: "create", servers: true },
    async (settings) => {
      const progress = createProgressReporter({
        runtime,
        json,
        tty: process.stderr.isTTY === true,
        now: () => Date.now(),
      });
      const log = (m: string) => {
        if (!json && !closingMessageSaysIt(m)) runtime.stderr(`${m}\n`);
      };
      const deps = createEngineDeps(settings, { log, progress });
      let stop = false;
      const onSignal = () => {
        stop = true;
        runtime.stderr("\nStopping after the current step; state is kept, run again to resume.\n");
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const result = await runMigrationLocally(deps, {
        input: { stopWhenCaughtUp: options.untilCaughtUp === true },
        progress,
        shouldStop: () => stop,
      })
        .catch((error: unknown) => {
          throw stoppedBy(error);
        })
        .finally(() => {
          progress.stop();
          process.removeListener("SIGINT", onSignal);
          process.removeListener("SIGTERM", onSignal);
        });
      const outcome = result.output as MigrationOutcome | undefined;
      const halted = outcome?.outcome === "halted";
      if (json)
        writeJson(runtime, { ok: !halted, stopped: result.stopped, outcome: outcome ?? null });
      else if (result.stopped) runtime.stdout("Stopped; the state is kept, run again to resume.\n");
      else if (outcome !== undefined && !halted) runtime.stdout(outcomeText(outcome, settings));
      // A halt is said once, by the closing message, with what to do.
      if (outcome?.outcome === "halted")
        throw new OperationFailedError(
          outcome.reason.startsWith(SHAPING_REFUSAL_PREFIX)
            ? outcome.reason
            : `The migration is halted: ${outcome.reason}. Fix the cause, then run \`fhir-migrate reset-retries${sameStateFlags(options)}\`.`,
        );
      return outcome;
    },
  );
}
