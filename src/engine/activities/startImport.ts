import { importJob } from "../../core/jobLifecycle";
import type { PayloadRecord } from "../../core/migrationState";
import { payloadKey } from "../../core/migrationState";
import { isFhirOperationError, isTransientError } from "../../errors";
import type { ImportParameters } from "../../fhir/types";
import type { ActivityResult, EngineDeps } from "../deps";
import { PAYLOAD_CONTAINER, nowIso } from "../deps";
import { describeError, haltMigration } from "../failures";
import type { PayloadRef } from "../payloadJob";
import { failPayload, importEvent, roundTag } from "../payloadJob";

/**
 * The server dedupes identical $import bodies and hands back the old job, even a failed one
 * (docs/server-behaviour.md §3.6), so each attempt carries its own `inputSource` tag. Within one attempt the body is
 * identical, which makes a retried kick-off after a crash return the same job instead of a second one.
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
    await deps.state.changeChunk(input.chunkSeq, (c) =>
      c.importStatus === "Payloads Ready" ? { ...c, importStatus: "Running" } : undefined,
    );
    if (record.written && running !== undefined) importEvent(deps, running, "Started");
    return { changed: true };
  } catch (error) {
    if (isTransientError(error)) {
      // Not accepted (e.g. 429: five imports already running); try again later without using up an
      // attempt, unless another runner has taken the payload over meanwhile.
      await deps.state.changePayload(input.chunkSeq, input.index, (p) =>
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
      { statusCode: error.status },
    );
    return { changed: true };
  }
}
