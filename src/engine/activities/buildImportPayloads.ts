import { storeImportPayloads } from "../../core/importPayload";
import { chunkKey } from "../../core/migrationState";
import * as blobNames from "../../core/stagingLayout";
import { isBlobUrlRefusedError } from "../../storage/blobUrl";
import type { ActivityResult, EngineDeps } from "../deps";
import { PAYLOAD_CONTAINER, nowIso } from "../deps";
import { describeError, haltMigration } from "../failures";
import { OUTSIDE_WINDOW_TAG, scanPayloadInputs, storePayloadInputs } from "../payloadInputs";
import { loadManifest } from "../manifests";
import { recordSeenTypes } from "../seenTypes";

export function payloadBlobName(deps: EngineDeps, seq: number, index: number): string {
  return blobNames.payloadBlobName(deps.settings.storage, seq, index);
}

/**
 * Turns a completed export's manifest into $import bodies (at most AZURE_FileCount inputs each, as
 * the chunk's first build recorded it; SearchParameter files excluded and counted), stores each
 * body as a blob named by chunk, then records one payload row per body. Each export file is streamed once first: its lines are counted
 * (stored next to the body, so the import result can be checked line for line) and checked against
 * the window; lines that do not belong are recorded as failed-resource rows and on the chunk.
 * Re-running it is harmless: blobs are overwritten with the same content, rows are upserted with
 * the same keys and payload rows are inserted only if absent.
 */
export async function buildImportPayloads(
  deps: EngineDeps,
  input: { seq: number },
): Promise<ActivityResult> {
  // The first build records its file count on the chunk; every build (a retry, another runner
  // with another AZURE_FileCount) uses the recorded one, so all write the same bodies, blobs and
  // payload rows and no row points at a body another layout overwrote.
  const { after: chunk } = await deps.state.changeChunk(input.seq, (c) =>
    c.exportStatus === "Completed" &&
    c.importStatus === "Not Started" &&
    c.payloadFileCount === undefined
      ? { ...c, payloadFileCount: deps.settings.import.fileCount }
      : undefined,
  );
  if (
    chunk === undefined ||
    chunk.exportStatus !== "Completed" ||
    chunk.importStatus !== "Not Started"
  ) {
    return { changed: false };
  }
  const fileCount = chunk.payloadFileCount ?? deps.settings.import.fileCount;
  const manifest = await loadManifest(deps, input.seq);
  await recordSeenTypes(deps, manifest.output);
  await deps.blobs.ensureContainer(PAYLOAD_CONTAINER);
  let outsideWindow = 0;
  let screened = 0;
  const build = storeImportPayloads(manifest.output, { fileCount }, async (payload) => {
    const blobName = payloadBlobName(deps, input.seq, payload.index);
    const scanned = await scanPayloadInputs(deps, chunk, payload.index, payload.body);
    outsideWindow += scanned.outlierCount;
    screened += scanned.screened.length;
    await deps.state.recordFailedResources(scanned.outliers, OUTSIDE_WINDOW_TAG);
    await deps.state.recordFailedResources(scanned.screened);
    await storePayloadInputs(deps, blobName, scanned.inputs);
    await deps.blobs.putText(
      PAYLOAD_CONTAINER,
      blobName,
      JSON.stringify(scanned.body),
      "application/fhir+json",
    );
    // A payload whose every line was screened out has nothing to send: it is complete at once
    // (LoadMigrationState settles its chunk), its lines counted as failed.
    const nothingToSend = scanned.inputs.length === 0;
    await deps.state.insertPayload({
      chunkSeq: input.seq,
      index: payload.index,
      blobName,
      inputCount: scanned.inputs.length,
      resourceCount: Object.values(payload.resourcesByType).reduce((a, b) => a + b, 0),
      status: nothingToSend ? "Completed" : "Pending",
      importContentLocation: undefined,
      attempts: 0,
      importStartTime: undefined,
      importEndTime: nothingToSend ? nowIso(deps) : undefined,
      importedCount: nothingToSend ? 0 : undefined,
      failedCount: nothingToSend ? scanned.screened.length : undefined,
      failureReason: undefined,
      screenedCount: scanned.screened.length,
    });
  });
  let summary;
  try {
    summary = await build;
  } catch (error) {
    if (!isBlobUrlRefusedError(error)) throw error;
    // The manifest names a file on an account the settings do not name: never read it.
    await haltMigration(deps, `Chunk ${chunkKey(input.seq)}: ${describeError(error)}`);
    return { changed: true };
  }
  if (outsideWindow > 0) {
    const note = `${outsideWindow} line(s) of the export files are not in the window [${chunk.since}, ${chunk.till}] (wrong type, no id or lastUpdated outside it); recorded as failed resources`;
    // Kept next to an earlier reason (a manifest shortfall), once however often the build runs.
    await deps.state.changeChunk(input.seq, (c) =>
      c.failureReason?.includes(note) === true
        ? undefined
        : {
            ...c,
            failureReason: c.failureReason === undefined ? note : `${c.failureReason}; ${note}`,
          },
    );
    deps.telemetry.trackEvent("FailedResources", {
      ChunkId: chunkKey(input.seq),
      Count: outsideWindow,
      Reason: note,
    });
    deps.log(`chunk ${chunkKey(input.seq)}: ${note}`);
  }
  if (screened > 0) {
    deps.telemetry.trackEvent("FailedResources", {
      ChunkId: chunkKey(input.seq),
      Count: screened,
      Reason: `${screened} line(s) hold an indexed number the destination's decimal(36,18) index cannot hold: kept out of the import (AZURE_ImportScreening) and recorded as refused`,
    });
    deps.log(`chunk ${chunkKey(input.seq)}: ${screened} line(s) screened out and recorded`);
  }
  if (summary.searchParameterFiles > 0) {
    // A SearchParameter changed in this window: copy them (again) before any further import.
    await deps.state.changeCursor((c) =>
      c.searchParametersMigrated
        ? { ...c, searchParametersMigrated: false, searchParameterAttempts: 0 }
        : undefined,
    );
  }
  const endTime = nowIso(deps);
  await deps.state.changeChunk(input.seq, (c) =>
    c.importStatus !== "Not Started"
      ? undefined
      : summary.payloads === 0
        ? { ...c, importStatus: "Completed", payloadCount: 0, processed: true, endTime }
        : { ...c, importStatus: "Payloads Ready", payloadCount: summary.payloads },
  );
  if (summary.payloads === 0) await deps.state.advanceWatermark();
  deps.log(
    `chunk ${chunkKey(input.seq)}: ${summary.payloads} import payload(s), ${summary.files} file(s), ${summary.searchParameterFiles} SearchParameter file(s) excluded`,
  );
  return { changed: true };
}
