/**
 * What the import paths (StartImport, PollImport, import isolation) share: the payload's telemetry,
 * its completion and its failure.
 */
import type { TelemetryProperties } from "../telemetry/events";
import { importJob } from "../core/jobLifecycle";
import { isSameAttempt, type JobAttempt } from "../core/jobRules";
import type { PayloadRecord } from "../core/migrationState";
import { chunkKey, payloadKey } from "../core/migrationState";
import type { EngineDeps } from "./deps";
import { jobIdOf, trackJobEvent } from "./jobEvent";
import { nowIso } from "./deps";
import { haltMigration, recordFailure } from "./failures";
import type { Change } from "../storage/rowStore";

export interface PayloadRef {
  chunkSeq: number;
  index: number;
}

/** The import attempt a payload's row shows; each claim counts an attempt. */
export function importAttempt(
  p: Pick<PayloadRecord, "status" | "importContentLocation" | "attempts">,
): JobAttempt {
  return { state: importJob.state(p.status), url: p.importContentLocation, claim: p.attempts };
}

/** The payload is still the attempt a runner acted on (its status URL and attempt number). */
export function isSameImportAttempt(
  current: PayloadRecord,
  actedOn: Pick<PayloadRecord, "importContentLocation" | "attempts">,
): boolean {
  return isSameAttempt(importAttempt(current), {
    url: actedOn.importContentLocation,
    claim: actedOn.attempts,
  });
}

/** What names a payload's import in its `Import` events (trackJobEvent), at this status. */
export function importJobOf(p: PayloadRecord, status: string): TelemetryProperties<"Import"> {
  return {
    ChunkId: chunkKey(p.chunkSeq),
    PayloadId: payloadKey(p.chunkSeq, p.index),
    ImportId: jobIdOf(p.importContentLocation),
    StatusUrl: p.importContentLocation ?? "",
    ImportStatus: status,
    Attempt: p.attempts,
  };
}

/** The resume round in a kick-off tag; none before the first resume (tags stay as they were). */
export function roundTag(p: Pick<PayloadRecord, "round">): string {
  return (p.round ?? 0) === 0 ? "" : `:r${p.round}`;
}

/**
 * A payload whose job was posted before a resume and carried into the resume's new round
 * (clearMaxExportRetries): in flight with no attempt of the new round used. The job's result is
 * kept if it imported; if it failed, the failure happened before the fix and says nothing about it.
 */
export function postedBeforeResume(p: Pick<PayloadRecord, "importContentLocation" | "attempts">) {
  return p.importContentLocation !== undefined && p.attempts === 0;
}

export interface PayloadFailure {
  /** The server's HTTP status, for the event. */
  statusCode?: number;
  /**
   * The diagnosis judges this failure if it goes on (a reason the server hides, before the last
   * attempt, core/importIsolation.ts diagnoseNow): it does not count toward the consecutive-failure
   * halt, which would otherwise stop the migration before the diagnosis says whose fault it is.
   * The payload's attempts and the diagnosis bound it.
   */
  diagnosedLater?: boolean;
}

/**
 * A failed import job requeues its payload (not the window); after AZURE_ImportAttempts the
 * migration halts. A job posted before a resume (postedBeforeResume) is requeued without using an
 * attempt and without counting as a failure.
 */
export async function failPayload(
  deps: EngineDeps,
  ref: PayloadRef,
  given: string,
  /** The attempt this runner acted on: its status URL (undefined at kick-off) and attempt number. */
  actedOn: Pick<PayloadRecord, "importContentLocation" | "attempts">,
  options: PayloadFailure = {},
): Promise<void> {
  const maxAttempts = deps.settings.import.attempts;
  const beforeResume = postedBeforeResume(actedOn);
  const reason = beforeResume ? `${given} (a job posted before the resume: imported again)` : given;
  const failure = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    // Another runner may have failed, requeued or restarted this payload meanwhile: leave its work alone.
    isSameImportAttempt(p, actedOn)
      ? {
          ...p,
          status: importJob.next(p.status, p.attempts >= maxAttempts ? "fail" : "requeue"),
          importContentLocation: undefined,
          failureReason: reason,
          importEndTime: nowIso(deps),
        }
      : undefined,
  );
  const payload = failure.after;
  if (!failure.written || payload === undefined) return;
  trackJobEvent(deps, "Import", importJobOf(payload, "Failed"), {
    FailureReason: reason,
    StatusCode: options.statusCode ?? 0,
  });
  if (!beforeResume && options.diagnosedLater !== true) await recordFailure(deps, reason);
  if (payload.status === "Failed") {
    await haltMigration(
      deps,
      `Import payload ${payloadKey(ref.chunkSeq, ref.index)} failed ${payload.attempts} times (AZURE_ImportAttempts); last: ${reason}`,
    );
  }
}

/**
 * Marks the payload's import completed with what it accounted for (a late result included, see
 * src/core/jobLifecycle.ts); the lines screened out at build count as failed. The answer says whether
 * this call wrote it. Only a written completion is reported, as the payload's `Import` Completed
 * event, whichever path completed it (its own job, or the isolation of the resources that job failed
 * on: `Isolated`).
 */
export async function markPayloadCompleted(
  deps: EngineDeps,
  ref: PayloadRef,
  outcome: Pick<PayloadRecord, "importedCount" | "failedCount"> & { failureReason?: string },
  /** Comma-separated types of the resources the destination rejected, when known. */
  failedResourceTypes = "",
): Promise<Change<PayloadRecord>> {
  const endTime = nowIso(deps);
  const completion = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    importJob.can(p.status, "complete")
      ? {
          ...p,
          ...outcome,
          failedCount: (outcome.failedCount ?? 0) + (p.screenedCount ?? 0),
          status: importJob.next(p.status, "complete"),
          importEndTime: endTime,
        }
      : undefined,
  );
  const done = completion.after;
  if (completion.written && done !== undefined) {
    trackJobEvent(deps, "Import", importJobOf(done, "Completed"), {
      TotalImportResources: done.importedCount ?? 0,
      FailedImportCount: done.failedCount ?? 0,
      FailedResourceType: failedResourceTypes,
      DurationSeconds:
        Math.round((Date.parse(endTime) - Date.parse(done.importStartTime ?? endTime)) / 1000) || 0,
      ...(done.isolating === true ? { Isolated: "true" } : {}),
    });
  }
  return completion;
}
