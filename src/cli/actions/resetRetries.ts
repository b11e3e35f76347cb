/** `fhir-migrate reset-retries`: what ClearMaxExportRetries_Http does, from the command line. */
import { clearMaxExportRetries, previewClearMaxExportRetries } from "../../engine/control";
import { createEngineDeps } from "../../engine/createDeps";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import type { ActionContext } from "../runtime";

export interface ResetRetriesOptions extends SettingsSourceOptions, StateDirOptions {
  dryRun?: boolean;
}

/** The running import jobs a resume carries into its new round, when there are any. */
function carriedOver(jobs: number, verb: string): string {
  return jobs === 0 ? "" : ` ${jobs} running import job(s) ${verb} into the new round.`;
}

export async function resetRetries(
  options: ResetRetriesOptions,
  context: ActionContext,
): Promise<void> {
  const { json, runtime } = context;
  await withMigrationState(
    options,
    { ...context, access: "read", servers: false },
    async (settings) => {
      const deps = createEngineDeps(settings);
      await deps.state.ensure();
      if (options.dryRun === true) {
        const preview = await previewClearMaxExportRetries(deps.state);
        if (json) writeJson(runtime, { ok: true, dryRun: true, ...preview });
        else
          runtime.stdout(
            `Dry run, nothing changed: ${preview.wasHalted ? "halted" : "not halted"}, ${preview.previousCount} consecutive failures; ${preview.payloadsRequeued} payload(s) would be queued again.${carriedOver(preview.jobsCarriedOver, "would be carried")}\n`,
          );
        return;
      }
      const result = await clearMaxExportRetries(deps.state, deps.telemetry, settings.storage);
      if (json) writeJson(runtime, { ok: true, ...result });
      else
        runtime.stdout(
          result.wasHalted
            ? `Cleared the halt (${result.previousCount} consecutive failures; ${result.haltReason ?? ""}). ${result.payloadsRequeued} payload(s) queued again.${carriedOver(result.jobsCarriedOver, "carried")}\n`
            : `Not halted; the failure count (${result.previousCount}) is reset.\n`,
        );
    },
  );
}
