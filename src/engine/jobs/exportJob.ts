/**
 * A chunk's $export as a job kind (src/engine/jobRunner.ts drives it): the request, the status
 * calls, and what completion records — the manifest's confirmations and the window's recount.
 * ($export is not idempotent on the server, docs/server-behaviour.md §1.5: only the claim that kicked
 * off records the job, a late answer's job is cancelled, and a claim that never recorded its URL is
 * given 10 minutes before the window is exported again.)
 */
import { createHash } from "node:crypto";
import { exportJob } from "../../core/jobLifecycle";
import type { ChunkExportStatus, ChunkRecord } from "../../core/migrationState";
import { isFhirOperationError, isTransientError } from "../../errors";
import type { ExportManifest, ExportRequest, ExportStatus } from "../../fhir/types";
import { selfStageWindow } from "../activities/selfStage";
import type { ActivityResult, EngineDeps } from "../deps";
import { exportAttempt, exportJobOf, exportRequestFor, requeueExport } from "../exportChunk";
import { trackJobEvent } from "../jobEvent";
import { recordExportErrors, recountWindow } from "../exportOutcome";
import { describeError, recordSuccess } from "../failures";
import type { JobSpec } from "../jobRunner";
import { storeManifest } from "../manifests";

/** A chunk claimed for kick-off whose status URL never got recorded (a crash mid-kick-off) is re-planned after this. */
const KICKOFF_CLAIM_TIMEOUT_MS = 10 * 60_000;

export function exportJobSpec(
  deps: EngineDeps,
  seq: number,
  /**
   * A small window the planner chose to stage from `_history` (selfStage.ts) instead: its page
   * budget, and what follows in the same activity once this claim staged it.
   */
  selfStage?: { pages: number; staged(): Promise<void> },
): JobSpec<ChunkRecord, ChunkExportStatus, ExportRequest, ExportStatus> {
  return {
    kind: exportJob,
    change: (decide) => deps.state.changeChunk(seq, decide),
    status: (c) => c.exportStatus,
    withStatus: (c, exportStatus) => ({ ...c, exportStatus }),
    attempt: exportAttempt,
    startTime: (c) => c.exportStartTime,
    claimable: (c) => !c.processed,
    claimed: (c, now) => ({
      ...c,
      exportStartTime: now,
      exportContentLocation: undefined,
      exportAttempts: c.exportAttempts + 1,
    }),
    async prepare(chunk) {
      if (selfStage !== undefined) {
        const staged = await selfStageWindow(deps, chunk, selfStage.pages);
        if (staged.kind === "staged") await selfStage.staged();
        if (staged.kind !== "fallBack") return { done: { changed: true } };
      }
      return { request: exportRequestFor(deps, chunk) };
    },
    kickOff: (request) => deps.source.exportKickOff(request),
    recordRule: "sameClaim",
    recorded: (c, statusUrl) => ({ ...c, exportContentLocation: statusUrl }),
    async afterRecord(record, statusUrl, mine) {
      if (record.written)
        return trackJobEvent(deps, "Export", exportJobOf(record.after!, "Started"));
      // A kick-off that answered after its claim was taken over: nobody tracks this job, so it is
      // cancelled and the source does not run an export no one reads.
      let outcome = "export cancelled";
      try {
        await deps.source.cancelExport(statusUrl);
      } catch (error) {
        if (!isFhirOperationError(error) && !isTransientError(error)) throw error;
        outcome = `cancelling it failed: ${describeError(error)}`;
      }
      trackJobEvent(
        deps,
        "Export",
        exportJobOf({ ...mine, exportContentLocation: statusUrl }, "Failed"),
        {
          FailureReason: `Kick-off answered after its claim was taken over; ${outcome}`,
          StatusCode: 0,
        },
      );
    },
    // Never used: a failed kick-off is a failed attempt (the window is exported again).
    unclaimed: (c) => c,
    kickOffErrors: { transient: "fail", unknown: "rethrow" },
    kickOffFailedReason: (error) => `Export kick-off failed: ${error}`,
    fail: (actedOn, reason, statusCode) => requeueExport(deps, seq, reason, actedOn, statusCode),
    unrecordedClaim: { waitMs: KICKOFF_CLAIM_TIMEOUT_MS, then: "fail" },
    unrecordedReason:
      "The export kick-off did not record a status URL (interrupted); re-exporting the window",
    timeout: {
      ms: deps.settings.export.timeoutMs,
      reason: (minutes) =>
        `Export still running after ${minutes} minutes (AZURE_ExportTimeoutMinutes); cancelled it and requeued the window`,
      cancel: (statusUrl) => deps.source.cancelExport(statusUrl),
    },
    poll: (statusUrl) => deps.source.exportStatus(statusUrl),
    jobFailed: (c, error) => requeueExport(deps, seq, describeError(error), c, error.status),
    accept: (c, status) => acceptManifest(deps, c, status.manifest),
  };
}

function manifestTotals(manifest: ExportManifest): {
  total: number;
  searchParameters: number;
  failed: number;
  failedTypes: string;
} {
  let total = 0;
  let searchParameters = 0;
  for (const o of manifest.output) {
    total += o.count ?? 0;
    if (o.type === "SearchParameter") searchParameters += o.count ?? 0;
  }
  const failed = manifest.error.reduce((n, e) => n + (e.count ?? 0), 0);
  const failedTypes = manifest.error.map((e) => `${e.type}:${e.count ?? 0}`).join(", ");
  return { total, searchParameters, failed, failedTypes };
}

/**
 * A 200 is accepted at once when the manifest holds at least the versions counted when the window
 * was planned, or at least what the window can hold now (recountWindow: a non-history export loses
 * versions that became history after planning). A manifest short of the recount is confirmed by
 * AZURE_ExportConfirmations identical 200s AZURE_ExportConfirmDelaySeconds apart (the original waited
 * for three 200s a minute apart after Gen1 reported completion early) and then exported again as a
 * recorded failure: never accepted.
 */
async function acceptManifest(
  deps: EngineDeps,
  chunk: ChunkRecord,
  manifest: ExportManifest,
): Promise<ActivityResult> {
  const seq = chunk.seq;
  const nowMs = deps.clock.now();
  const totals = manifestTotals(manifest);
  const hash = createHash("sha256")
    .update(JSON.stringify(manifest.output))
    .digest("hex")
    .slice(0, 32);
  const { confirmations, confirmDelayMs } = deps.settings.export;
  // Fewer versions than counted at planning: first compare like with like (what the export can
  // contain now), so a busy source's versions that became history do not cost confirmations.
  const recount =
    totals.total < chunk.expectedCount ? await recountWindow(deps, chunk) : chunk.expectedCount;
  if (totals.total < recount) {
    const sameAsBefore = chunk.manifestHash === hash;
    const spacedEnough =
      chunk.exportEndTime === undefined ||
      nowMs - Date.parse(chunk.exportEndTime) >= confirmDelayMs;
    const seen = sameAsBefore
      ? spacedEnough
        ? chunk.exportConfirmations + 1
        : chunk.exportConfirmations
      : 1;
    if (seen < confirmations) {
      await deps.state.changeChunk(seq, (c) => ({
        ...c,
        manifestHash: hash,
        exportConfirmations: seen,
        exportEndTime:
          sameAsBefore && !spacedEnough ? c.exportEndTime : new Date(nowMs).toISOString(),
      }));
      return {
        changed: false,
        note: `manifest has ${totals.total} of ${recount} counted versions; confirming (${seen}/${confirmations})`,
      };
    }
    // Confirmed short: the window stays open (exported again) with a visible, unresolved failure;
    // never accepted with its data missing.
    await requeueExport(
      deps,
      seq,
      `Manifest holds ${totals.total} versions, fewer than the ${recount} the window holds now (recounted; ${chunk.expectedCount} when planned), after ${confirmations} identical answers; exporting the window again`,
      chunk,
    );
    return { changed: true };
  }
  const exportErrors = await recordExportErrors(deps, seq, manifest);
  await storeManifest(deps, seq, manifest);
  const nonSp = totals.total - totals.searchParameters;
  // Only the call that wrote the completion counts it: another runner may have completed it first.
  const completion = await deps.state.changeChunk(seq, (c) =>
    !exportJob.can(c.exportStatus, "complete")
      ? undefined
      : {
          ...c,
          exportStatus: exportJob.next(c.exportStatus, "complete"),
          exportEndTime: new Date(nowMs).toISOString(),
          manifestHash: hash,
          totalExportResourceCount: nonSp,
          searchParameterCount: totals.searchParameters,
          // A shortfall explained by the recount: the window holds what was exported.
          expectedCount: Math.min(c.expectedCount, recount),
        },
  );
  const completed = completion.written ? completion.after : undefined;
  if (completed !== undefined && exportErrors.failed > 0) {
    await deps.state.changeCursor((c) => ({
      ...c,
      resourcesFailed: c.resourcesFailed + exportErrors.failed,
    }));
  }
  if (completed !== undefined) {
    trackJobEvent(deps, "Export", exportJobOf(completed, "Completed"), {
      TotalResources: nonSp,
      SearchParameterCount: totals.searchParameters,
      FailedExportCount: Math.max(totals.failed, exportErrors.failed),
      PlannedCount: chunk.expectedCount,
      RecountedCount: recount,
      FailedExportType: totals.failedTypes,
      DurationSeconds:
        Math.round((nowMs - Date.parse(completed.exportStartTime ?? "")) / 1000) || 0,
    });
  }
  await recordSuccess(deps);
  return { changed: true };
}
