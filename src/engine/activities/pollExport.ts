import { createHash } from "node:crypto";
import { exportJob } from "../../core/jobLifecycle";
import { isFhirOperationError } from "../../errors";
import type { ExportManifest } from "../../fhir/types";
import type { ActivityResult, EngineDeps } from "../deps";
import { exportEvent, requeueExport } from "../exportChunk";
import { recordExportErrors, recountWindow } from "../exportOutcome";
import { storeManifest } from "../manifests";
import { describeError, recordSuccess } from "../failures";

/** A chunk claimed for kick-off whose status URL never got recorded (a crash mid-kick-off) is re-planned after this. */
const KICKOFF_CLAIM_TIMEOUT_MS = 10 * 60_000;

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
 * Polls the chunk's export. 202 keeps polling (with a watchdog that cancels a job stuck past
 * AZURE_ExportTimeoutMinutes, reference microsoft/fhir-server#3425). A 200 is accepted at once when
 * the manifest holds at least the versions counted when the window was planned, or at least what
 * the window can hold now (recountWindow: a non-history export loses versions that became history
 * after planning). A manifest short of the recount is confirmed by AZURE_ExportConfirmations identical
 * 200s AZURE_ExportConfirmDelaySeconds apart (the original waited for three 200s a minute apart after
 * Gen1 reported completion early) and then exported again as a recorded failure: never accepted.
 */
export async function pollExport(
  deps: EngineDeps,
  input: { seq: number },
): Promise<ActivityResult> {
  const chunk = await deps.state.getChunk(input.seq);
  if (chunk === undefined || !exportJob.isInFlight(chunk.exportStatus)) return { changed: false };
  const nowMs = deps.clock.now();
  const age = nowMs - Date.parse(chunk.exportStartTime ?? new Date(nowMs).toISOString());
  if (chunk.exportContentLocation === undefined) {
    if (age < KICKOFF_CLAIM_TIMEOUT_MS) return { changed: false };
    await requeueExport(
      deps,
      input.seq,
      "The export kick-off did not record a status URL (interrupted); re-exporting the window",
      undefined,
    );
    return { changed: true };
  }
  if (age > deps.settings.export.timeoutMs) {
    await deps.source.cancelExport(chunk.exportContentLocation);
    await requeueExport(
      deps,
      input.seq,
      `Export still running after ${Math.round(age / 60_000)} minutes (AZURE_ExportTimeoutMinutes); cancelled it and requeued the window`,
      chunk.exportContentLocation,
    );
    return { changed: true };
  }
  let status;
  try {
    status = await deps.source.exportStatus(chunk.exportContentLocation);
  } catch (error) {
    if (!isFhirOperationError(error)) throw error;
    await requeueExport(
      deps,
      input.seq,
      describeError(error),
      chunk.exportContentLocation,
      error.status,
    );
    return { changed: true };
  }
  if (status.state === "running") return { changed: false };

  const manifest = status.manifest;
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
      await deps.state.changeChunk(input.seq, (c) => ({
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
      input.seq,
      `Manifest holds ${totals.total} versions, fewer than the ${recount} the window holds now (recounted; ${chunk.expectedCount} when planned), after ${confirmations} identical answers; exporting the window again`,
      chunk.exportContentLocation,
    );
    return { changed: true };
  }
  const exportErrors = await recordExportErrors(deps, input.seq, manifest);
  await storeManifest(deps, input.seq, manifest);
  const nonSp = totals.total - totals.searchParameters;
  // Only the call that wrote the completion counts it: another runner may have completed it first.
  const completion = await deps.state.changeChunk(input.seq, (c) =>
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
    exportEvent(deps, completed, "Completed", {
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
