/**
 * `fhir-migrate cutover`: the cutover operation in this process (docs/operations.md, section 7).
 * Records the instant writes to the source stopped, copies the last changes before it at a short
 * cadence, proves the copy and prints GO or NO-GO. Exit 0 only for GO.
 */
import type { Command } from "commander";
import { parseSettings } from "../../config/settings";
import { formatCutover, parseFreeze } from "../../core/cutover";
import { cancelCutover } from "../../engine/cutover";
import { createEngineDeps } from "../../engine/createDeps";
import { CutoverRefusedError, runCutoverLocally } from "../../local/localCutover";
import { OperationFailedError, UsageError } from "../errors";
import { addStateDirOption, withLocalStorage } from "../localStorage";
import { writeJson } from "../output";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, readSettingsInput } from "../settingsSource";
import { stoppedBy } from "./run";

interface CutoverOptions extends SettingsSourceOptions {
  freeze?: string;
  cancel?: boolean;
  stateDir: string;
}

export function register(program: Command): void {
  const command = program
    .command("cutover")
    .description(
      "Copy the last changes up to the instant writes stopped, prove the copy, and answer GO or NO-GO.",
    )
    .option(
      "--freeze <instant>",
      "when writes to the source stopped (ISO 8601 with a zone; default now)",
    )
    .option(
      "--cancel",
      "cancel the cutover in progress; the migration goes back to its steady mode",
    );
  addStateDirOption(command);
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "Stop every writer to the source first. Calling it again with the same freeze is the same",
        "operation: a NO-GO is proved again; a GO is answered as stored once the versions before the",
        "freeze counted again on both servers match its counts (otherwise it is proved again). Versions",
        "stamped after the freeze are reported: they mean writes did not stop.",
        "Exit codes: 0 GO (or cancelled); 1 NO-GO, halted or refused; 2 bad settings or usage.",
        "",
        "Examples:",
        "  $ fhir-migrate cutover --settings local.settings.json",
        "  $ fhir-migrate cutover --freeze 2026-12-03T10:30:00Z --settings local.settings.json --json",
      ].join("\n"),
    )
    .action(async (options: CutoverOptions, cmd: Command) => {
      const runtime = runtimeOf(cmd);
      const json = wantsJson(cmd);
      if (options.cancel === true && options.freeze !== undefined) {
        throw new UsageError("give either --cancel or --freeze, not both");
      }
      const freeze = parseFreeze(options.freeze, () => Date.now());
      if (!freeze.ok) throw new UsageError(freeze.message);
      const input = readSettingsInput(options, runtime);
      const { env, azurite } = await withLocalStorage(
        input.env,
        options.stateDir,
        runtime,
        parseSettings,
      );
      try {
        const deps = createEngineDeps(parseSettings(env), {
          log: json ? () => {} : (m) => runtime.stderr(`${m}\n`),
        });
        if (options.cancel === true) {
          await deps.state.ensure();
          const record = await cancelCutover(deps);
          if (json) writeJson(runtime, { ok: true, cutover: record ?? null });
          else
            runtime.stdout(
              record === undefined ? "No cutover was requested.\n" : formatCutover(record),
            );
          return;
        }
        const result = await runCutoverLocally(deps, freeze.freeze).catch((error: unknown) => {
          // Another freeze in progress: said in one line, with what to do (exit 1).
          if (error instanceof CutoverRefusedError) throw new OperationFailedError(error.message);
          throw stoppedBy(error);
        });
        const go = result.cutover?.phase === "GO";
        if (json) {
          writeJson(runtime, {
            ok: go,
            note: result.note ?? null,
            cutover: result.cutover ?? null,
            outcome: result.outcome ?? null,
          });
        } else if (result.cutover !== undefined) {
          if (result.note !== undefined) runtime.stdout(`This answer ${result.note}.\n`);
          runtime.stdout(formatCutover(result.cutover));
        }
        if (!go) {
          const why =
            result.outcome?.outcome === "halted"
              ? `the migration is halted: ${result.outcome.reason}`
              : `the cutover ended ${result.cutover?.phase ?? "without a verdict"}`;
          throw new OperationFailedError(`Cutover: ${why}`);
        }
      } finally {
        await azurite?.stop();
      }
    });
}
