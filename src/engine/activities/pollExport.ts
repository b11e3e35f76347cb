import type { ActivityResult, EngineDeps } from "../deps";
import { pollJob } from "../jobRunner";
import { exportJobSpec } from "../jobs/exportJob";

/**
 * Polls the chunk's export. 202 keeps polling, with a watchdog that cancels a job stuck past
 * AZURE_ExportTimeoutMinutes (reference microsoft/fhir-server#3425); a 200's manifest is checked
 * against the window's count (src/engine/jobs/exportJob.ts).
 */
export async function pollExport(
  deps: EngineDeps,
  input: { seq: number },
): Promise<ActivityResult> {
  const chunk = await deps.state.getChunk(input.seq);
  if (chunk === undefined) return { changed: false };
  return pollJob(deps, exportJobSpec(deps, input.seq), chunk);
}
