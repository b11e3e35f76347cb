import type { ActivityInput } from "../../core/activityRegistry";
import type { ActivityResult, EngineDeps } from "../deps";
import { startJob } from "../jobRunner";
import { exportJobSpec } from "../jobs/exportJob";
import { buildImportPayloads } from "./buildImportPayloads";
import { startImport } from "./startImport";

/**
 * Claims the chunk and kicks off its $export, or stages a small window from `_history` and carries
 * it on in the same activity (docs/architecture-jobs.md, "A self-staged window in one activity").
 */
export function startExport(
  deps: EngineDeps,
  input: ActivityInput<"StartExport">,
): Promise<ActivityResult> {
  const { seq, selfStage } = input;
  return startJob(
    deps,
    exportJobSpec(
      deps,
      seq,
      selfStage && {
        pages: selfStage.pages,
        staged: () => buildAndStartImports(deps, seq, selfStage.importSlots),
      },
    ),
  );
}

/**
 * What the next two passes would do with a window just staged, each step by the activity that
 * does it there, so each records what it records there: BuildImportPayloads, then StartImport for
 * at most `importSlots` of its pending payloads (the slots the planner left free). An error
 * propagates as that activity's would; a crash between the steps leaves what the next pass resumes
 * from (a completed export not yet built, or pending payloads).
 */
async function buildAndStartImports(
  deps: EngineDeps,
  seq: number,
  importSlots: number,
): Promise<void> {
  await buildImportPayloads(deps, { seq });
  if (importSlots <= 0) return;
  // What the planner checks before any import: no halt (the build may have halted), and custom
  // SearchParameters copied (the build flags them when the window holds some).
  const cursor = await deps.state.getCursor();
  if (cursor.halted || !cursor.searchParametersMigrated) return;
  const pending = (await deps.state.listPayloads(seq))
    .filter((p) => p.status === "Pending")
    .sort((a, b) => a.index - b.index)
    .slice(0, importSlots);
  // Side by side, as a pass runs them: one kick-off's failure does not hold back the others.
  const started = await Promise.allSettled(
    pending.map((p) => startImport(deps, { chunkSeq: seq, index: p.index })),
  );
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}
