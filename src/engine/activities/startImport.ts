import type { ActivityResult, EngineDeps } from "../deps";
import { startJob } from "../jobRunner";
import { importJobSpec } from "../jobs/importJob";
import type { PayloadRef } from "../payloadJob";

/** Claims the payload and kicks off its $import (src/engine/jobs/importJob.ts). */
export function startImport(deps: EngineDeps, input: PayloadRef): Promise<ActivityResult> {
  return startJob(deps, importJobSpec(deps, input));
}
