/** `fhir-migrate reset-retries`: what ClearMaxExportRetries_Http does, from the command line. */
import type { Command } from "commander";
import { clearMaxExportRetries, previewClearMaxExportRetries } from "../../engine/control";
import { createEngineDeps } from "../../engine/createDeps";
import { writeJson } from "../output";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, loadSettings } from "../settingsSource";

export function register(program: Command): void {
  const command = program
    .command("reset-retries")
    .description(
      "Resume a migration halted after repeated failures (resets the failure count and the halt).",
    );
  addSettingsOption(command)
    .option("--dry-run", "say what would be cleared and queued again; change nothing")
    .addHelpText(
      "after",
      [
        "",
        "Payloads that used up their import attempts are queued again. The next run (or the timer in",
        "Azure) continues from where the migration halted.",
        "",
        "Exit codes: 0 reset; 1 storage unreachable; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate reset-retries --settings local.settings.json",
      ].join("\n"),
    )
    .action(async (options: SettingsSourceOptions & { dryRun?: boolean }, cmd: Command) => {
      const runtime = runtimeOf(cmd);
      const { settings } = loadSettings(options, runtime);
      const deps = createEngineDeps(settings);
      await deps.state.ensure();
      if (options.dryRun === true) {
        const preview = await previewClearMaxExportRetries(deps.state);
        if (wantsJson(cmd)) writeJson(runtime, { ok: true, dryRun: true, ...preview });
        else
          runtime.stdout(
            `Dry run, nothing changed: ${preview.wasHalted ? "halted" : "not halted"}, ${preview.previousCount} consecutive failures; ${preview.payloadsRequeued} payload(s) would be queued again.\n`,
          );
        return;
      }
      const result = await clearMaxExportRetries(deps.state, deps.telemetry, settings.storage);
      if (wantsJson(cmd)) writeJson(runtime, { ok: true, ...result });
      else
        runtime.stdout(
          result.wasHalted
            ? `Cleared the halt (${result.previousCount} consecutive failures; ${result.haltReason ?? ""}). ${result.payloadsRequeued} payload(s) queued again.\n`
            : `Not halted; the failure count (${result.previousCount}) is reset.\n`,
        );
    });
}
