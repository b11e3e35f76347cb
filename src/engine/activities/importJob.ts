import { importJob } from "../../core/jobLifecycle";
import { chunkKey, payloadKey } from "../../core/migrationState";
import type { PayloadRecord } from "../../core/migrationState";
import { isFhirOperationError, isTransientError } from "../../errors";
import type { ImportParameters, ImportResult } from "../../fhir/types";
import type { FailedResourceRecord } from "../../storage/migrationStateStore";
import type { ActivityResult, EngineDeps } from "../deps";
import { PAYLOAD_CONTAINER, nowIso } from "../deps";
import { describeError, haltMigration, recordFailure, recordSuccess } from "../failures";
import { serverNamedLines, recordUndetailed } from "../errorFiles";
import { idAtLine, parseImportErrorLine } from "../importErrors";
import { importShortfall } from "../payloadInputs";
import { advanceIsolation, beginIsolation } from "../importIsolation";

interface PayloadRef {
  chunkSeq: number;
  index: number;
}

/** Most failed resources recorded per payload as rows; the count is always exact. */
const MAX_FAILED_ROWS_PER_PAYLOAD = 5000;

function importEvent(
  deps: EngineDeps,
  p: PayloadRecord,
  status: string,
  extra: Record<string, string | number> = {},
): void {
  deps.telemetry.trackEvent("Import", {
    ChunkId: chunkKey(p.chunkSeq),
    PayloadId: payloadKey(p.chunkSeq, p.index),
    ImportId: p.importContentLocation?.split("/").pop() ?? "",
    StatusUrl: p.importContentLocation ?? "",
    ImportStatus: status,
    Attempt: p.attempts,
    ...extra,
  });
}

/**
 * The server dedupes identical $import bodies and hands back the old job, even a failed one
 * (reference §3.6), so each attempt carries its own `inputSource` tag. Within one attempt the body is
 * identical, which makes a retried kick-off after a crash return the same job instead of a second one.
 */
function withAttemptTag(
  body: ImportParameters,
  deps: EngineDeps,
  p: PayloadRecord,
): ImportParameters {
  const tag = `urn:fhir-migrate:${deps.settings.storage.partitionKey}:${payloadKey(p.chunkSeq, p.index)}:a${p.attempts}`;
  return {
    ...body,
    parameter: [
      ...body.parameter.filter((x) => x.name !== "inputSource"),
      { name: "inputSource", valueUri: tag },
    ],
  };
}

export async function startImport(deps: EngineDeps, input: PayloadRef): Promise<ActivityResult> {
  const startedAt = nowIso(deps);
  const claim = await deps.state.changePayload(input.chunkSeq, input.index, (p) =>
    importJob.can(p.status, "claim")
      ? {
          ...p,
          status: importJob.next(p.status, "claim"),
          attempts: p.attempts + 1,
          importStartTime: startedAt,
          importContentLocation: undefined,
        }
      : undefined,
  );
  const payload = claim.after;
  if (!claim.written || payload === undefined) return { changed: false };
  const text = await deps.blobs.getText(PAYLOAD_CONTAINER, payload.blobName);
  if (text === undefined) {
    await haltMigration(
      deps,
      `Import payload blob ${PAYLOAD_CONTAINER}/${payload.blobName} is missing; rebuild it or reset the chunk`,
    );
    return { changed: true };
  }
  try {
    const { statusUrl } = await deps.destination.importKickOff(
      withAttemptTag(JSON.parse(text) as ImportParameters, deps, payload),
    );
    // Another runner may have reset the claim meanwhile (PollImport requeues a claim without a
    // status URL) and claimed it again: the same body gave it the same job. Record this attempt's
    // job unless the payload moved past it; never turn a completed payload back to running.
    const record = await deps.state.changePayload(input.chunkSeq, input.index, (p) =>
      importJob.can(p.status, "record") && p.attempts <= payload.attempts
        ? {
            ...p,
            status: importJob.next(p.status, "record"),
            importContentLocation: statusUrl,
            attempts: payload.attempts,
          }
        : undefined,
    );
    const running = record.after;
    await deps.state.updateChunk(input.chunkSeq, (c) =>
      c.importStatus === "Payloads Ready" ? { ...c, importStatus: "Running" } : undefined,
    );
    if (record.written && running !== undefined) importEvent(deps, running, "Started");
    return { changed: true };
  } catch (error) {
    if (isTransientError(error)) {
      // Not accepted (e.g. 429: five imports already running); try again later without using up an
      // attempt, unless another runner has taken the payload over meanwhile.
      await deps.state.updatePayload(input.chunkSeq, input.index, (p) =>
        importJob.state(p.status) === "claimed" &&
        p.importContentLocation === undefined &&
        p.attempts === payload.attempts
          ? { ...p, status: importJob.next(p.status, "requeue"), attempts: p.attempts - 1 }
          : undefined,
      );
      throw error;
    }
    if (!isFhirOperationError(error)) throw error;
    await failPayload(
      deps,
      input,
      `Import kick-off failed: ${describeError(error)}`,
      { importContentLocation: undefined, attempts: payload.attempts },
      error.status,
    );
    return { changed: true };
  }
}

/** A failed import job requeues its payload (not the window); after AZURE_ImportAttempts the migration halts. */
async function failPayload(
  deps: EngineDeps,
  ref: PayloadRef,
  reason: string,
  /** The attempt this runner acted on: its status URL (undefined at kick-off) and attempt number. */
  actedOn: Pick<PayloadRecord, "importContentLocation" | "attempts">,
  statusCode?: number,
): Promise<void> {
  const maxAttempts = deps.settings.import.attempts;
  const failure = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    // Another runner may have failed, requeued or restarted this payload meanwhile: leave its work alone.
    importJob.isInFlight(p.status) &&
    p.importContentLocation === actedOn.importContentLocation &&
    p.attempts === actedOn.attempts
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
  importEvent(deps, payload, "Failed", { FailureReason: reason, StatusCode: statusCode ?? 0 });
  await recordFailure(deps, reason);
  if (payload.status === "Failed") {
    await haltMigration(
      deps,
      `Import payload ${payloadKey(ref.chunkSeq, ref.index)} failed ${payload.attempts} times (AZURE_ImportAttempts); last: ${reason}`,
    );
  }
}

export async function pollImport(deps: EngineDeps, input: PayloadRef): Promise<ActivityResult> {
  const payload = await deps.state.getPayload(input.chunkSeq, input.index);
  if (payload === undefined || !importJob.isInFlight(payload.status)) return { changed: false };
  if (payload.isolating === true) return advanceIsolation(deps, input);
  const nowMs = deps.clock.now();
  const age = nowMs - Date.parse(payload.importStartTime ?? new Date(nowMs).toISOString());
  if (payload.importContentLocation === undefined) {
    // Claimed but the kick-off never recorded its URL: posting the same body again returns the same job.
    await deps.state.updatePayload(input.chunkSeq, input.index, (p) =>
      importJob.state(p.status) === "claimed" && p.importContentLocation === undefined
        ? { ...p, status: importJob.next(p.status, "requeue"), attempts: p.attempts - 1 }
        : undefined,
    );
    return { changed: true };
  }
  if (age > deps.settings.import.timeoutMs) {
    await deps.destination.cancelImport(payload.importContentLocation);
    await failPayload(
      deps,
      input,
      `Import still running after ${Math.round(age / 60_000)} minutes (AZURE_ImportTimeoutMinutes); cancelled it`,
      payload,
    );
    return { changed: true };
  }
  let status;
  try {
    status = await deps.destination.importStatus(payload.importContentLocation);
  } catch (error) {
    if (!isFhirOperationError(error)) throw error;
    const isolation = await beginIsolation(deps, input, payload, error);
    if (isolation.isolating) return { changed: true };
    await failPayload(
      deps,
      input,
      `${describeError(error)} (not isolated: ${isolation.why})`,
      payload,
      error.status,
    );
    return { changed: true };
  }
  if (status.state === "running") return { changed: false };
  // Every line sent must come back imported or failed; otherwise retry, then halt (window stays open).
  const shortfall = await importShortfall(deps, payload, status.result);
  if (shortfall !== undefined) {
    await failPayload(deps, input, shortfall, payload);
    return { changed: true };
  }
  await completePayload(deps, input, payload, status.result);
  return { changed: true };
}

async function completePayload(
  deps: EngineDeps,
  ref: PayloadRef,
  payload: PayloadRecord,
  result: ImportResult,
): Promise<void> {
  const imported = result.output.reduce((n, o) => n + o.count, 0);
  const failed = result.error.reduce((n, e) => n + e.count, 0);
  if (failed > 0) await recordFailedResources(deps, ref, result);
  const endTime = nowIso(deps);
  const completion = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    importJob.can(p.status, "complete")
      ? {
          ...p,
          status: importJob.next(p.status, "complete"),
          importedCount: imported,
          failedCount: failed,
          importEndTime: endTime,
        }
      : undefined,
  );
  const done = completion.after;
  if (done === undefined) return;
  if (completion.written) {
    const failedTypes = [...new Set(result.error.map((e) => `${e.type ?? "unknown"}`))].join(",");
    importEvent(deps, done, "Completed", {
      TotalImportResources: imported,
      FailedImportCount: failed,
      FailedResourceType: failedTypes,
      DurationSeconds: Math.round(
        (deps.clock.now() - Date.parse(payload.importStartTime ?? endTime)) / 1000,
      ),
    });
  }
  await settleChunk(deps, ref.chunkSeq);
  await recordSuccess(deps);
}

/**
 * Brings a chunk row up to date with its payload rows. The completed count and the totals are
 * counted from the payload rows, never incremented, so neither a crash between the payload's write
 * and this one nor two runners completing the same payload can lose or double-count a payload (a
 * double count would mark the chunk processed while a payload is still pending, and move the
 * watermark past it). When every payload is completed the chunk is processed and the watermark moves.
 */
export async function settleChunk(deps: EngineDeps, seq: number): Promise<void> {
  const completed = (await deps.state.listPayloads(seq)).filter((p) => p.status === "Completed");
  const imported = completed.reduce((n, p) => n + (p.importedCount ?? 0), 0);
  const failed = completed.reduce((n, p) => n + (p.failedCount ?? 0), 0);
  const endTime = nowIso(deps);
  const settled = await deps.state.changeChunk(seq, (c) => {
    // Also when the count is current but the payload count arrived later (payloads built again
    // after an interrupted build, while the ones already written were imported).
    const processed = c.payloadCount !== undefined && completed.length >= c.payloadCount;
    if (c.processed || (completed.length <= c.completedCount && !processed)) return undefined;
    return {
      ...c,
      completedCount: completed.length,
      totalImportResourceCount: imported,
      totalFailedImportCount: failed,
      importStatus: processed ? "Completed" : c.importStatus,
      processed,
      endTime: processed ? endTime : c.endTime,
    };
  });
  const chunk = settled.after;
  // What this call added to the totals: the written row's totals less the ones it read.
  const added =
    settled.written && settled.before !== undefined && chunk !== undefined
      ? {
          imported: chunk.totalImportResourceCount - settled.before.totalImportResourceCount,
          failed: chunk.totalFailedImportCount - settled.before.totalFailedImportCount,
        }
      : { imported: 0, failed: 0 };
  if (added.imported !== 0 || added.failed !== 0) {
    await deps.state.updateCursor((c) => ({
      ...c,
      resourcesImported: c.resourcesImported + added.imported,
      resourcesFailed: c.resourcesFailed + added.failed,
    }));
  }
  if (chunk?.processed === true) {
    const { previous, cursor } = await deps.state.advanceWatermark();
    if (cursor.watermark !== previous && cursor.watermark !== undefined) {
      deps.telemetry.trackEvent("Watermark", {
        Till: cursor.watermark,
        PreviousTill: previous ?? "",
        ChunksCompleted: seq,
        LagSeconds: Math.round((deps.clock.now() - Date.parse(cursor.watermark)) / 1000),
      });
    }
  }
}

/** Reads the error files of a partially successful import and records each failed resource. */
async function recordFailedResources(
  deps: EngineDeps,
  ref: PayloadRef,
  result: ImportResult,
): Promise<void> {
  const records: FailedResourceRecord[] = [];
  const byType = new Map<string, { count: number; ids: string[]; reason: string }>();
  for (const entry of result.error) {
    const type = entry.type ?? "unknown";
    const errorFile = serverNamedLines(deps, entry.url);
    for await (const line of errorFile.lines) {
      if (line.trim() === "") continue;
      const parsed = parseImportErrorLine(line);
      const id =
        parsed.id ??
        (parsed.line === undefined
          ? undefined
          : await idAtLine(
              serverNamedLines(deps, entry.inputUrl).lines,
              parsed.offset,
              parsed.line,
            ));
      const stats = byType.get(type) ?? { count: 0, ids: [], reason: parsed.reason };
      stats.count++;
      if (id !== undefined && stats.ids.length < 20) stats.ids.push(id);
      byType.set(type, stats);
      if (records.length < MAX_FAILED_ROWS_PER_PAYLOAD) {
        records.push({
          chunkSeq: ref.chunkSeq,
          payloadIndex: ref.index,
          resourceType: type,
          id: id ?? "(unknown)",
          reason: parsed.reason,
          inputUrl: entry.inputUrl,
        });
      }
    }
    recordUndetailed(ref, entry, errorFile, records, byType);
  }
  await deps.state.recordFailedResources(records);
  for (const [type, stats] of byType) {
    deps.telemetry.trackEvent("FailedResources", {
      ChunkId: chunkKey(ref.chunkSeq),
      PayloadId: payloadKey(ref.chunkSeq, ref.index),
      ResourceType: type,
      Count: stats.count,
      SampleIds: stats.ids.join(","),
      Reason: stats.reason,
    });
  }
}
