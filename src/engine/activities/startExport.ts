import type { ActivityResult, EngineDeps } from "../deps";
import { startJob } from "../jobRunner";
import { exportJobSpec } from "../jobs/exportJob";

/** Claims the chunk and kicks off its $export (or stages a small window from `_history`). */
export function startExport(
  deps: EngineDeps,
  input: { seq: number; selfStagePages?: number },
): Promise<ActivityResult> {
  return startJob(deps, exportJobSpec(deps, input.seq, input.selfStagePages));
}
