/**
 * `fhir-migrate cutover`: the cutover operation in this process (docs/operations.md, section 7).
 * Records the instant writes to the source stopped, copies the last changes before it at a short
 * cadence, proves the copy and prints GO or NO-GO. Exit 0 only for GO.
 */
import { formatCutover, parseFreeze } from "../../core/cutover";
import { cancelCutover } from "../../engine/cutover";
import { createEngineDeps } from "../../engine/createDeps";
import { CutoverRefusedError, runCutoverLocally } from "../../local/localCutover";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { OperationFailedError, UsageError } from "../errors";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import type { ActionContext } from "../runtime";
import { stoppedBy } from "./run";

export interface CutoverOptions extends SettingsSourceOptions, StateDirOptions {
  freeze?: string;
  cancel?: boolean;
}

export async function cutover(options: CutoverOptions, context: ActionContext): Promise<void> {
  const { json, runtime } = context;
  if (options.cancel === true && options.freeze !== undefined) {
    throw new UsageError("give either --cancel or --freeze, not both");
  }
  const freeze = parseFreeze(options.freeze, () => Date.now());
  if (!freeze.ok) throw new UsageError(freeze.message);
  await withMigrationState(
    options,
    { ...context, access: "create", servers: true },
    async (settings) => {
      const deps = createEngineDeps(settings, {
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
    },
  );
}
