import type { StateRepair } from "../../core/stateRepairs";
import type { ActivityResult, EngineDeps } from "../deps";
import { settleChunk } from "../settleChunk";

/**
 * Carries out the repair the pass planner decided (src/core/stateRepairs.ts): settles the chunks
 * whose rows lag their payload rows, or moves a watermark left behind the frontier. Changed when a
 * row was written, so the next pass reads the repaired state at once.
 */
export async function repairMigrationState(
  deps: EngineDeps,
  repair: StateRepair,
): Promise<ActivityResult> {
  for (const seq of repair.settle) await settleChunk(deps, seq);
  if (!repair.advanceWatermark) return { changed: repair.settle.length > 0 };
  const before = await deps.state.getCursor();
  const { cursor } = await deps.state.advanceWatermark();
  const changed =
    cursor.watermark !== before.watermark ||
    cursor.firstUnprocessedSeq !== before.firstUnprocessedSeq;
  return { changed: repair.settle.length > 0 || changed };
}
