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
  const chunk = claim.after;
  if (!claim.written || chunk === undefined) return { changed: false };
  // A small window the planner chose: staged from `_history` (selfStage.ts), else exported.
  if (input.selfStagePages !== undefined) {
    const staged = await selfStageWindow(deps, chunk, input.selfStagePages);
    if (staged.kind !== "fallBack") return { changed: true };
  }
  try {
    const { statusUrl } = await deps.source.exportKickOff(exportRequestFor(deps, chunk));
    // Recorded only while the claim is still this runner's: a kick-off that answered after its claim
    // timed out (and another runner took the chunk, or completed it) must not overwrite that work.
    const recorded = await deps.state.changeChunk(input.seq, (c) =>
      c.exportStatus === "Started" &&
      c.exportStartTime === claimedAt &&
      c.exportContentLocation === undefined
        ? {
            ...c,
            exportContentLocation: statusUrl,
            exportStatus: exportJob.next(c.exportStatus, "record"),
          }
        : undefined,
    );
    if (!recorded.written) {
      // Nobody tracks this job: cancel it so the source does not run an export no one reads.
      let outcome = "export cancelled";
      try {
        await deps.source.cancelExport(statusUrl);
      } catch (error) {
        if (!isFhirOperationError(error) && !isTransientError(error)) throw error;
        outcome = `cancelling it failed: ${describeError(error)}`;
      }
      exportEvent(deps, { ...chunk, exportContentLocation: statusUrl }, "Failed", {
        FailureReason: `Kick-off answered after its claim was taken over; ${outcome}`,
        StatusCode: 0,
      });
      return { changed: true };
    }
    exportEvent(deps, recorded.after!, "Started");
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
