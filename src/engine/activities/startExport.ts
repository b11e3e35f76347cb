import { exportJob } from "../../core/jobLifecycle";
import { isFhirOperationError, isTransientError } from "../../errors";
import type { ActivityResult, EngineDeps } from "../deps";
import { nowIso } from "../deps";
import { exportEvent, exportRequestFor, requeueExport } from "../exportChunk";
import { describeError } from "../failures";
import { selfStageWindow } from "./selfStage";

/**
 * Kicks off the chunk's $export. The chunk is claimed first (ETag-guarded: a second runner backs off),
 * and the status URL is recorded right after the 202: a retried activity never starts a second export
 * for a chunk whose status URL is recorded. ($export is not idempotent on the server: docs/server-behaviour.md §1.5.)
 */
export async function startExport(
  deps: EngineDeps,
  input: { seq: number; selfStagePages?: number },
): Promise<ActivityResult> {
  const claimedAt = nowIso(deps);
  const claim = await deps.state.changeChunk(input.seq, (c) =>
    exportJob.can(c.exportStatus, "claim") && !c.processed
      ? {
          ...c,
          exportStatus: exportJob.next(c.exportStatus, "claim"),
          exportStartTime: claimedAt,
          exportContentLocation: undefined,
          exportAttempts: c.exportAttempts + 1,
        }
      : undefined,
  );
  if (!claim.written) return { changed: false };
  const chunk = (await deps.state.getChunk(input.seq))!;
  // A small window the planner chose: staged from `_history` (selfStage.ts), else exported.
  if (input.selfStagePages !== undefined) {
    const staged = await selfStageWindow(deps, chunk, input.selfStagePages);
    if (staged.kind !== "fallBack") return { changed: true };
  }
  try {
    const { statusUrl } = await deps.source.exportKickOff(exportRequestFor(deps, chunk));
    const updated = await deps.state.updateChunk(input.seq, (c) => ({
      ...c,
      exportContentLocation: statusUrl,
      // This runner's claim: recording its status URL makes the job running.
      exportStatus: exportJob.next("Started", "record"),
    }));
    exportEvent(deps, updated!, "Started");
    return { changed: true };
  } catch (error) {
    if (!isFhirOperationError(error) && !isTransientError(error)) throw error;
    await requeueExport(
      deps,
      input.seq,
      `Export kick-off failed: ${describeError(error)}`,
      undefined,
    );
    return { changed: true };
  }
}
