/**
 * `fhir-migrate accept-settings`: the supported way to change a setting that shapes planning and
 * payloads (AZURE_IsParallel, AZURE_ResourceTypes, ...) during a migration. See docs/operations.md.
 */
import type { Command } from "commander";
import { createEngineDeps } from "../../engine/createDeps";
import { acceptShapingSettings } from "../../engine/settingsGuard";
import { writeJson } from "../output";
import { runtimeOf, wantsJson } from "../runtime";
import type { SettingsSourceOptions } from "../settingsSource";
import { addSettingsOption, loadSettings } from "../settingsSource";

export function register(program: Command): void {
  const command = program
    .command("accept-settings")
    .description(
      "Record these settings as the migration's (after changing AZURE_IsParallel, AZURE_ResourceTypes, ...).",
    );
  addSettingsOption(command)
    .addHelpText(
      "after",
      [
        "",
        "A runner whose AZURE_SourceUri, AZURE_DestinationUri, AZURE_IsParallel, AZURE_ResourceTypes,",
        "AZURE_ExportWithHistory, AZURE_ExportWithDelete or AZURE_ConfigFile differ from the ones the",
        "tables record refuses to plan or import. Stop the runner with the old settings first, then run this",
        "with the new ones: chunks already planned finish as planned, and windows from the current frontier",
        "on use the new settings. A runner still using the old settings is refused from then on.",
        "",
        "Exit codes: 0 recorded; 1 storage unreachable; 2 bad settings.",
        "",
        "Examples:",
        "  $ fhir-migrate accept-settings --settings local.settings.json",
      ].join("\n"),
    )
    .action(async (options: SettingsSourceOptions, cmd: Command) => {
      const runtime = runtimeOf(cmd);
      const { settings } = loadSettings(options, runtime);
      const deps = createEngineDeps(settings);
      await deps.state.ensure();
      const result = await acceptShapingSettings(deps);
      if (wantsJson(cmd)) {
        writeJson(runtime, {
          ok: true,
          changed: result.changed,
          fromFrontier: result.fromFrontier ?? null,
          fingerprint: result.record.fingerprint,
        });
        return;
      }
      const changes =
        result.changed.length === 0
          ? "no setting changed"
          : result.changed.map((d) => `${d.name}: ${d.recorded} -> ${d.current}`).join("; ");
      runtime.stdout(
        `Accepted the settings (${changes}). Windows planned from ${result.fromFrontier ?? "the start"} on use them.\n`,
      );
    });
}
