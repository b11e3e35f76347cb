import { importJob } from "../../core/jobLifecycle";
import { chunkKey, payloadKey } from "../../core/migrationState";
import type { PayloadRecord } from "../../core/migrationState";
import { isFhirOperationError } from "../../errors";
import type { ImportResult } from "../../fhir/types";
import type { FailedResourceRecord } from "../../storage/migrationStateStore";
import type { ActivityResult, EngineDeps } from "../deps";
import { describeError, recordSuccess } from "../failures";
import { serverNamedLines, recordUndetailed } from "../errorFiles";
import { idAtLine, parseImportErrorLine } from "../importErrors";
import { importShortfall } from "../payloadInputs";
import { advanceIsolation, beginIsolation } from "../importIsolation";
import type { PayloadRef } from "../payloadJob";
import { failPayload, markPayloadCompleted, postedBeforeResume } from "../payloadJob";
import { settleChunk } from "../settleChunk";

/** Most failed resources recorded per payload as rows; the count is always exact. */
const MAX_FAILED_ROWS_PER_PAYLOAD = 5000;

export async function pollImport(deps: EngineDeps, input: PayloadRef): Promise<ActivityResult> {
  const payload = await deps.state.getPayload(input.chunkSeq, input.index);
  if (payload === undefined || !importJob.isInFlight(payload.status)) return { changed: false };
  if (payload.isolating === true) return advanceIsolation(deps, input);
  const nowMs = deps.clock.now();
  const age = nowMs - Date.parse(payload.importStartTime ?? new Date(nowMs).toISOString());
  if (payload.importContentLocation === undefined) {
    // Claimed but the kick-off never recorded its URL: posting the same body again returns the same job.
    await deps.state.changePayload(input.chunkSeq, input.index, (p) =>
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
    if (postedBeforeResume(payload)) {
      // It failed before the fix the resume was for: no evidence for a diagnosis; imported again whole.
      await failPayload(deps, input, describeError(error), payload, { statusCode: error.status });
      return { changed: true };
    }
    const isolation = await beginIsolation(deps, input, payload, error);
    if (isolation.isolating) return { changed: true };
    await failPayload(
      deps,
      input,
      `${describeError(error)} (not isolated: ${isolation.why})`,
      payload,
      { statusCode: error.status, diagnosedLater: isolation.diagnosedLater },
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
