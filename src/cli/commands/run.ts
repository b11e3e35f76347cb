/**
 * `fhir-migrate run`: the continuous migration in this process, with the same orchestration and
 * activities as the Functions app (driven by durable-functions' replay engine). State lives in the
 * configured tables, or in an Azurite started here on disk, so stopping and running again resumes.
 */
import type { Command } from "commander";
import type { Environment } from "../../config/settings";
import { parseSettings } from "../../config/settings";
import { SHAPING_REFUSAL_PREFIX } from "../../core/shapingSettings";
import { createEngineDeps } from "../../engine/createDeps";
import type { MigrationOutcome } from "../../engine/migrationOrchestrator";
import { isOrchestrationFailedError } from "../../local/durableRuntime";
import { runMigrationLocally } from "../../local/localMigration";
import { OperationFailedError } from "../errors";
import { addStateDirOption, withLocalStorage } from "../localStorage";
import { writeJson } from "../output";
import { createProgressReporter } from "../progressBar";
import type { CliRuntime } from "../runtime";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, readSettingsInput } from "../settingsSource";

interface RunOptions extends SettingsSourceOptions {
  untilCaughtUp?: boolean;
  stateDir: string;
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

export async function runMigration(
  options: RunOptions,
  json: boolean,
  runtime: CliRuntime,
): Promise<MigrationOutcome | undefined> {
  const input = readSettingsInput(options, runtime);
  // A future AZURE_StartDate is refused here, before anything starts (ParseOptions.nowMs).
  const parse = (e: Environment) => parseSettings(e, { nowMs: Date.now() });
  const { env, azurite } = await withLocalStorage(input.env, options.stateDir, runtime, parse);
  try {
    const settings = parse(env);
    const progress = createProgressReporter({
      runtime,
      json,
      tty: process.stderr.isTTY === true,
      now: () => Date.now(),
    });
    const deps = createEngineDeps(settings, {
      log: json ? () => {} : (m) => runtime.stderr(`${m}\n`),
      progress,
    });
    let stop = false;
    const onSignal = () => {
      stop = true;
      runtime.stderr("\nStopping after the current step; state is kept, run again to resume.\n");
    };
    process.once("SIGINT", onSignal);
    const result = await runMigrationLocally(deps, {
      input: { stopWhenCaughtUp: options.untilCaughtUp === true },
      progress,
      shouldStop: () => stop,
    }).catch((error: unknown) => {
      progress.stop();
      throw stoppedBy(error);
    });
    progress.stop();
    process.removeListener("SIGINT", onSignal);
    const outcome = result.output as MigrationOutcome | undefined;
    if (json)
      writeJson(runtime, {
        ok: outcome?.outcome !== "halted",
        stopped: result.stopped,
        outcome: outcome ?? null,
      });
    else
      runtime.stdout(
        result.stopped
          ? "Stopped.\n"
          : `Migration ${outcome?.outcome}: ${outcome?.reason}. Watermark ${outcome?.watermark ?? "-"}, ${outcome?.resourcesImported ?? 0} resources imported.\n`,
      );
    if (outcome?.outcome === "halted")
      throw new OperationFailedError(
        outcome.reason.startsWith(SHAPING_REFUSAL_PREFIX)
          ? outcome.reason
          : `The migration is halted: ${outcome.reason}. Fix the cause, then run \`fhir-migrate reset-retries\`.`,
      );
    return outcome;
  } finally {
    await azurite?.stop();
  }
}

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
        "Exit codes: 0 caught up, range done or stopped; 1 halted after repeated failures; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate run --settings local.settings.json",
        "  $ fhir-migrate run --settings local.settings.json --until-caught-up --json",
      ].join("\n"),
    )
    .action(async (options: RunOptions, cmd: Command) => {
      await runMigration(options, wantsJson(cmd), runtimeOf(cmd));
    });
}
