import { importJob } from "../../core/jobLifecycle";
import type { ActivityResult, EngineDeps } from "../deps";
import { advanceIsolation } from "../importIsolation";
import { pollJob } from "../jobRunner";
import { importJobSpec } from "../jobs/importJob";
import type { PayloadRef } from "../payloadJob";

/** Polls the payload's import, or, while it isolates refused resources, advances its parts. */
export async function pollImport(deps: EngineDeps, input: PayloadRef): Promise<ActivityResult> {
  const payload = await deps.state.getPayload(input.chunkSeq, input.index);
  if (payload === undefined) return { changed: false };
  if (payload.isolating === true && importJob.isInFlight(payload.status))
    return advanceIsolation(deps, input);
  return pollJob(deps, importJobSpec(deps, input), payload);
}
