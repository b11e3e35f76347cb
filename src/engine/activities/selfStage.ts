import { exportJob } from "../../core/jobLifecycle";
import type { ChunkRecord } from "../../core/migrationState";
import { chunkKey } from "../../core/migrationState";
import {
  historyPath,
  ndjson,
  readHistoryPage,
  selfStagedManifest,
  StagedWindow,
} from "../../core/selfStaging";
import { CHUNK_BLOBS, selfStagedBlobName } from "../../core/stagingLayout";
import { isFhirOperationError, isTransientError } from "../../errors";
import { redactUrl } from "../../fhir/redact";
import { storageErrorCode, storageStatus } from "../../storage/storageErrors";
import type { TelemetryProperties } from "../../telemetry/events";
import type { EngineDeps } from "../deps";
import { nowIso } from "../deps";
import { exportAttempt, exportJobOf } from "../exportChunk";
import { trackJobEvent } from "../jobEvent";
import { isUnrecordedClaim } from "../../core/jobRules";
import { storeManifest } from "../manifests";
import { describeError, recordSuccess } from "../failures";

export { SELF_STAGE_CONTAINER } from "../../core/stagingLayout";

export type SelfStageOutcome =
  | { kind: "staged"; pages: number }
  /** Not staged: export the window instead. */
  | { kind: "fallBack"; reason: string }
  /** Another runner re-planned the chunk meanwhile: leave it alone. */
  | { kind: "lost" };

function stageEvent(
  deps: EngineDeps,
  chunk: ChunkRecord,
  outcome: "Staged" | "FellBack" | "Lost",
  extra: TelemetryProperties<"SelfStage">,
): void {
  deps.telemetry.trackEvent("SelfStage", {
    ChunkId: chunkKey(chunk.seq),
    Since: chunk.since,
    Till: chunk.till,
    ResourceType: chunk.resourceType ?? "",
    PlannedCount: chunk.expectedCount,
    Outcome: outcome,
    ...extra,
  });
}

/**
 * Runs a write to the staging account; the reason when the account refuses it (401/403: the app's
 * identity lacks Storage Blob Data Contributor there, docs/deploy.md), so the window is exported
 * instead. Any other failure propagates.
 */
async function refusedWrite(write: () => Promise<void>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 401 && status !== 403) throw error;
    return `the staging account refused the write (HTTP ${status}${storageErrorCode(error) === undefined ? "" : ` ${storageErrorCode(error)}`}): grant the app's identity Storage Blob Data Contributor there`;
  }
}

/**
 * Reads the window's versions from the source's `_history`, page by page (following `next` across
 * empty and partial pages until the links end), at most `pageBudget` pages.
 */
async function readWindow(
  deps: EngineDeps,
  chunk: ChunkRecord,
  pageBudget: number,
): Promise<
  | { ok: true; window: StagedWindow; pages: number; requestCharge: number | undefined }
  | { ok: false; reason: string }
> {
  const window = new StagedWindow(chunk);
  const path = historyPath(chunk, deps.settings.export.selfStage.pageSize);
  let pages = 0;
  let requestCharge: number | undefined;
  try {
    for await (const page of deps.source.searchPagesText(path)) {
      pages++;
      if (page.requestCharge !== undefined)
        requestCharge = (requestCharge ?? 0) + page.requestCharge;
      const read = readHistoryPage(page.text);
      if (!read.ok) return read;
      const problem = window.add(read.versions);
      if (problem !== undefined) return { ok: false, reason: problem };
      const more = page.bundle.link?.some((l) => l.relation === "next" && l.url !== "") === true;
      if (more && pages >= pageBudget)
        return {
          ok: false,
          reason: `the window needs more than its ${pageBudget} _history page requests this pass (AZURE_SelfStageRequestBudget)`,
        };
    }
  } catch (error) {
    // Throttling past the retry budget, or a refused query: the export job reads the window instead.
    if (!isTransientError(error) && !isFhirOperationError(error)) throw error;
    return { ok: false, reason: `reading _history failed: ${describeError(error)}` };
  }
  return { ok: true, window, pages, requestCharge };
}

/**
 * Stages a claimed chunk (status Started) from `_history`: writes one NDJSON file per type into the
 * staging account, stores the manifest-equivalent and completes the export like PollExport does.
 * When the window cannot be staged exactly (the versions read differ from the window's count, a
 * page the tool cannot read, the request budget), nothing is recorded as exported: the reason is
 * sent as a SelfStage event and the caller exports the window instead.
 */
export async function selfStageWindow(
  deps: EngineDeps,
  chunk: ChunkRecord,
  pageBudget: number,
): Promise<SelfStageOutcome> {
  const startedMs = deps.clock.now();
  const fallBack = (why: string): SelfStageOutcome => {
    stageEvent(deps, chunk, "FellBack", { Reason: why });
    deps.log(`chunk ${chunkKey(chunk.seq)}: not self-staged (${why}); exporting it`);
    return { kind: "fallBack", reason: why };
  };
  const { container } = CHUNK_BLOBS.selfStaged.home(deps.settings.export.container);
  // Before any page is read: a staging account that refuses this app's writes costs no source request.
  const refused = await refusedWrite(() => deps.staging.ensureContainer(container));
  if (refused !== undefined) return fallBack(refused);
  const read = await readWindow(deps, chunk, pageBudget);
  if (!read.ok) return fallBack(read.reason);
  if (read.window.count !== chunk.expectedCount)
    return fallBack(
      `_history holds ${read.window.count} versions in the window, its count said ${chunk.expectedCount}`,
    );
  const written: { type: string; url: string; count: number }[] = [];
  for (const file of read.window.files()) {
    let url = "";
    const refusedFile = await refusedWrite(async () => {
      ({ url } = await deps.staging.putText(
        container,
        selfStagedBlobName(deps.settings.storage, chunk.seq, chunk.exportAttempts, file.type),
        ndjson(file.lines),
        "application/fhir+ndjson",
      ));
    });
    if (refusedFile !== undefined) return fallBack(refusedFile);
    written.push({ type: file.type, url, count: file.lines.length });
  }
  const manifest = selfStagedManifest(
    written,
    nowIso(deps),
    `${deps.source.baseUrl}/${historyPath(chunk, deps.settings.export.selfStage.pageSize)}`,
  );
  await storeManifest(deps, chunk.seq, manifest);
  const searchParameters = written
    .filter((f) => f.type === "SearchParameter")
    .reduce((n, f) => n + f.count, 0);
  const nonSp = read.window.count - searchParameters;
  const endTime = nowIso(deps);
  // Only this runner's claim completes (the same claim test as StartExport's record): the staged
  // files stand in for the export's output.
  const change = await deps.state.changeChunk(chunk.seq, (c) =>
    isUnrecordedClaim(exportAttempt(c), exportAttempt(chunk))
      ? {
          ...c,
          exportStatus: exportJob.next(c.exportStatus, "complete"),
          exportEndTime: endTime,
          manifestHash: undefined,
          totalExportResourceCount: nonSp,
          searchParameterCount: searchParameters,
        }
      : undefined,
  );
  const completed = change.after;
  if (!change.written || completed === undefined) {
    // Another runner took the chunk over meanwhile (a claim older than the kick-off timeout).
    const why = "another runner took the chunk over while it was staged; its work stands";
    stageEvent(deps, chunk, "Lost", { Reason: why });
    deps.log(`chunk ${chunkKey(chunk.seq)}: ${why}`);
    return { kind: "lost" };
  }
  // The export tiles and totals count every window by its Export Completed event, staged ones too.
  trackJobEvent(deps, "Export", exportJobOf(completed, "Completed"), {
    TotalResources: nonSp,
    SearchParameterCount: searchParameters,
    FailedExportCount: 0,
    PlannedCount: chunk.expectedCount,
    DurationSeconds: Math.round((deps.clock.now() - startedMs) / 1000),
    SelfStaged: "true",
  });
  stageEvent(deps, completed, "Staged", {
    TotalResources: nonSp,
    SearchParameterCount: searchParameters,
    Pages: read.pages,
    RequestCharge:
      read.requestCharge === undefined ? "" : Math.round(read.requestCharge * 100) / 100,
    Duplicates: read.window.duplicates,
    Files: written.length,
    Request: redactUrl(manifest.request),
    DurationSeconds: Math.round((deps.clock.now() - startedMs) / 1000),
  });
  await recordSuccess(deps);
  return { kind: "staged", pages: read.pages };
}
