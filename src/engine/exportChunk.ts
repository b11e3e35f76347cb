/** What the export activities (StartExport, PollExport) share: the request, the telemetry, the requeue. */
import type { TelemetryProperties } from "../telemetry/events";
import type { ChunkRecord } from "../core/migrationState";
import { exportJob } from "../core/jobLifecycle";
import { isSameAttempt, type JobAttempt } from "../core/jobRules";
import { chunkKey } from "../core/migrationState";
import type { ExportRequest } from "../fhir/types";
import type { EngineDeps } from "./deps";
import { jobIdOf, trackJobEvent } from "./jobEvent";
import { recordFailure } from "./failures";

export function exportRequestFor(deps: EngineDeps, chunk: ChunkRecord): ExportRequest {
  const { export: ex } = deps.settings;
  return {
    since: chunk.since,
    till: chunk.till,
    types: chunk.resourceType === undefined ? undefined : [chunk.resourceType],
    isParallel: chunk.resourceType === undefined ? true : undefined,
    includeHistory: ex.withHistory,
    includeDeleted: ex.withDelete,
    maxCount: ex.maxCount,
    // De-identified export needs a _container; the config itself is read from `anonymization`.
    container: ex.container ?? (ex.anonymizationConfig === undefined ? undefined : "anonymization"),
    anonymizationConfig: ex.anonymizationConfig,
  };
}

/** What names a chunk's export in its `Export` events (trackJobEvent), at this status. */
export function exportJobOf(chunk: ChunkRecord, status: string): TelemetryProperties<"Export"> {
  return {
    ChunkId: chunkKey(chunk.seq),
    ExportId: jobIdOf(chunk.exportContentLocation),
    StatusUrl: chunk.exportContentLocation ?? "",
    ExportStatus: status,
    Since: chunk.since,
    Till: chunk.till,
    ResourceType: chunk.resourceType ?? "",
  };
}

/** The export attempt a chunk's row shows; each claim gives it a new start time. */
export function exportAttempt(
  c: Pick<ChunkRecord, "exportStatus" | "exportContentLocation" | "exportStartTime">,
): JobAttempt {
  return {
    state: exportJob.state(c.exportStatus),
    url: c.exportContentLocation,
    claim: c.exportStartTime,
  };
}

/** Puts a failed chunk back to Planned (same window) and counts the failure. */
export async function requeueExport(
  deps: EngineDeps,
  seq: number,
  reason: string,
  /** The attempt this runner acted on (its status URL undefined for a claim without one). */
  actedOn: ChunkRecord,
  statusCode?: number,
): Promise<void> {
  const requeue = await deps.state.changeChunk(seq, (c) =>
    // Another runner may have requeued or restarted this chunk meanwhile: then leave its work alone.
    isSameAttempt(exportAttempt(c), exportAttempt(actedOn))
      ? {
          ...c,
          exportStatus: exportJob.next(c.exportStatus, "requeue"),
          exportContentLocation: undefined,
          exportConfirmations: 0,
          manifestHash: undefined,
          failureReason: reason,
        }
      : undefined,
  );
  if (!requeue.written) return;
  const chunk = requeue.after;
  // The event names the job that failed (the row no longer does): its files are found by its id.
  if (chunk !== undefined)
    trackJobEvent(
      deps,
      "Export",
      exportJobOf({ ...chunk, exportContentLocation: actedOn.exportContentLocation }, "Failed"),
      {
        FailureReason: reason,
        StatusCode: statusCode ?? 0,
      },
    );
  await recordFailure(deps, reason);
}
