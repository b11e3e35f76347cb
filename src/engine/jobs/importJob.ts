/**
 * A payload's $import as a job kind (src/engine/jobRunner.ts drives it): the tagged request, the
 * status calls, and what completion records — the accounting of every line sent, the failed
 * resources, and the hand-off to isolation when the job failed on its content.
 * The server dedupes identical $import bodies (docs/server-behaviour.md §3.6): each kick-off of one
 * attempt returns the same job, so a claim that never recorded its URL is put back at once and any
 * kick-off of the attempt may record it.
 */
import { importJob } from "../../core/jobLifecycle";
import type { PayloadRecord, PayloadStatus } from "../../core/migrationState";
import { chunkKey, payloadKey } from "../../core/migrationState";
import type { FhirOperationError } from "../../errors";
import type { ImportParameters, ImportResult, ImportStatus } from "../../fhir/types";
import type { FailedResourceRecord } from "../../storage/migrationStateStore";
import type { EngineDeps } from "../deps";
import { PAYLOAD_CONTAINER } from "../deps";
import { serverNamedLines, recordUndetailed } from "../errorFiles";
import { describeError, haltMigration, recordSuccess } from "../failures";
import { failedLines } from "../importErrors";
import { beginIsolation } from "../importIsolation";
import type { JobSpec } from "../jobRunner";
import { importShortfall } from "../payloadInputs";
import { trackJobEvent } from "../jobEvent";
import type { PayloadRef } from "../payloadJob";
import {
  failPayload,
  importAttempt,
  importJobOf,
  markPayloadCompleted,
  postedBeforeResume,
  roundTag,
} from "../payloadJob";
import { settleChunk } from "../settleChunk";

/** Most failed resources recorded per payload as rows; the count is always exact. */
const MAX_FAILED_ROWS_PER_PAYLOAD = 5000;

/**
 * Each attempt carries its own `inputSource` tag, since the server hands back the old job for an
 * identical body, even a failed one. Within one attempt the body is identical, which makes a retried
 * kick-off after a crash return the same job instead of a second one.
 */
function withAttemptTag(
  body: ImportParameters,
  deps: EngineDeps,
  p: PayloadRecord,
): ImportParameters {
  const tag = `urn:fhir-migrate:${deps.settings.storage.partitionKey}:${payloadKey(p.chunkSeq, p.index)}${roundTag(p)}:a${p.attempts}`;
  return {
    ...body,
    parameter: [
      ...body.parameter.filter((x) => x.name !== "inputSource"),
      { name: "inputSource", valueUri: tag },
    ],
  };
}

export function importJobSpec(
  deps: EngineDeps,
  ref: PayloadRef,
): JobSpec<PayloadRecord, PayloadStatus, ImportParameters, ImportStatus> {
  return {
    kind: importJob,
    change: (decide) => deps.state.changePayload(ref.chunkSeq, ref.index, decide),
    status: (p) => p.status,
    withStatus: (p, status) => ({ ...p, status }),
    attempt: importAttempt,
    startTime: (p) => p.importStartTime,
    claimed: (p, now) => ({
      ...p,
      attempts: p.attempts + 1,
      importStartTime: now,
      importContentLocation: undefined,
    }),
    async prepare(payload) {
      const text = await deps.blobs.getText(PAYLOAD_CONTAINER, payload.blobName);
      if (text === undefined) {
        await haltMigration(
          deps,
          `Import payload blob ${PAYLOAD_CONTAINER}/${payload.blobName} is missing; rebuild it or reset the chunk`,
        );
        return { done: { changed: true } };
      }
      return { request: withAttemptTag(JSON.parse(text) as ImportParameters, deps, payload) };
    },
    kickOff: (body) => deps.destination.importKickOff(body),
    // Another runner may have reset the claim meanwhile and claimed it again: the same body gave
    // it the same job. Recorded unless the payload moved past this attempt.
    recordRule: "sameBody",
    recorded: (p, statusUrl, mine) => ({
      ...p,
      importContentLocation: statusUrl,
      attempts: mine.attempts,
    }),
    async afterRecord(record) {
      await deps.state.changeChunk(ref.chunkSeq, (c) =>
        c.importStatus === "Payloads Ready" ? { ...c, importStatus: "Running" } : undefined,
      );
      if (record.written && record.after !== undefined)
        trackJobEvent(deps, "Import", importJobOf(record.after, "Started"));
    },
    unclaimed: (p) => ({ ...p, attempts: p.attempts - 1 }),
    // Not accepted (e.g. 429: five imports already running): tried again later without using up
    // an attempt.
    kickOffErrors: { transient: "retryAndRethrow", unknown: "rethrow" },
    kickOffFailedReason: (error) => `Import kick-off failed: ${error}`,
    fail: (actedOn, reason, statusCode) => failPayload(deps, ref, reason, actedOn, { statusCode }),
    unrecordedClaim: { waitMs: 0, then: "retry" },
    unrecordedReason: "The import kick-off did not record a status URL (interrupted)",
    timeout: {
      ms: deps.settings.import.timeoutMs,
      reason: (minutes) =>
        `Import still running after ${minutes} minutes (AZURE_ImportTimeoutMinutes); cancelled it`,
      cancel: (statusUrl) => deps.destination.cancelImport(statusUrl),
    },
    poll: (statusUrl) => deps.destination.importStatus(statusUrl),
    jobFailed: (payload, error) => importJobFailed(deps, ref, payload, error),
    async accept(payload, status) {
      // Every line sent must come back imported or failed; otherwise retry, then halt (window stays open).
      const shortfall = await importShortfall(deps, payload, status.result);
      if (shortfall !== undefined) await failPayload(deps, ref, shortfall, payload);
      else await completePayload(deps, ref, status.result);
      return { changed: true };
    },
  };
}

/** The job failed as a whole: a failure that may be the content's starts the isolation. */
async function importJobFailed(
  deps: EngineDeps,
  ref: PayloadRef,
  payload: PayloadRecord,
  error: FhirOperationError,
): Promise<void> {
  if (postedBeforeResume(payload)) {
    // It failed before the fix the resume was for: no evidence for a diagnosis; imported again whole.
    await failPayload(deps, ref, describeError(error), payload, { statusCode: error.status });
    return;
  }
  const isolation = await beginIsolation(deps, ref, payload, error);
  if (isolation.isolating) return;
  await failPayload(
    deps,
    ref,
    `${describeError(error)} (not isolated: ${isolation.why})`,
    payload,
    { statusCode: error.status, diagnosedLater: isolation.diagnosedLater },
  );
}

async function completePayload(
  deps: EngineDeps,
  ref: PayloadRef,
  result: ImportResult,
): Promise<void> {
  const imported = result.output.reduce((n, o) => n + o.count, 0);
  const failed = result.error.reduce((n, e) => n + e.count, 0);
  if (failed > 0) await recordFailedResources(deps, ref, result);
  const failedTypes = [...new Set(result.error.map((e) => `${e.type ?? "unknown"}`))].join(",");
  const completion = await markPayloadCompleted(
    deps,
    ref,
    { importedCount: imported, failedCount: failed },
    failedTypes,
  );
  if (completion.after === undefined) return;
  await settleChunk(deps, ref.chunkSeq);
  await recordSuccess(deps);
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
    const inputLines = () => serverNamedLines(deps, entry.inputUrl).lines;
    for await (const { parsed, id } of failedLines(errorFile.lines, inputLines)) {
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
