/**
 * `fhir-migrate accept-settings`: the supported way to change a setting that shapes planning and
 * payloads (AZURE_IsParallel, AZURE_ResourceTypes, ...) during a migration. See docs/operations.md.
 */
import { createEngineDeps } from "../../engine/createDeps";
import { acceptShapingSettings } from "../../engine/settingsGuard";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import type { ActionContext } from "../runtime";

export type AcceptSettingsOptions = SettingsSourceOptions & StateDirOptions;

export async function acceptSettings(
  options: AcceptSettingsOptions,
  context: ActionContext,
): Promise<void> {
  const { json, runtime } = context;
  await withMigrationState(
    options,
    { ...context, access: "read", servers: false },
    async (settings) => {
      const deps = createEngineDeps(settings);
      await deps.state.ensure();
      const result = await acceptShapingSettings(deps);
      if (json) {
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
    },
  );
}
