import type { ActivityResult, EngineDeps } from "../deps";
import { startJob } from "../jobRunner";
import { reindexJobSpec } from "../jobs/reindexJob";

/**
 * With AZURE_ReindexAfterCatchUp: once caught up, starts `$reindex` on the destination so data
 * imported before the custom SearchParameters existed there becomes searchable by them
 * (src/engine/jobs/reindexJob.ts).
 */
export function startReindex(deps: EngineDeps): Promise<ActivityResult> {
  return startJob(deps, reindexJobSpec(deps));
}
