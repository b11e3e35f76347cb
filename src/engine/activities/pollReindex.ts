import type { ActivityResult, EngineDeps } from "../deps";
import { pollJob } from "../jobRunner";
import { reindexJobSpec } from "../jobs/reindexJob";

export async function pollReindex(deps: EngineDeps): Promise<ActivityResult> {
  return pollJob(deps, reindexJobSpec(deps), await deps.state.getCursor());
}
