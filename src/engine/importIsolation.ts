/**
 * The I/O of isolating resources the destination refuses (the decisions are in
 * src/core/importIsolation.ts; docs/architecture.md, "Isolating refused resources").
 *
 * Crash safety: every step is written to the isolation rows before it runs. Children are inserted
 * (idempotently, by their tree id) before their parent is marked Split; a part is claimed (Started,
 * attempt counted) before its blob is written and its job posted; the job's body carries a tag of
 * the part and attempt, so posting it again after a crash returns the same job (the server dedupes
 * identical bodies, docs/server-behaviour.md §3.6) instead of importing the part twice; a refused resource's
 * row has a key of its part, so writing it again after a crash makes no copy.
 */
import type { TelemetryProperties } from "../telemetry/events";
import {
  afterContentFailure,
  classifyImportFailure,
  diagnoseNow,
  failingInput,
  isTerminal,
  newPart,
  partReason,
  planIsolation,
  refusalReason,
  ROOT_PART,
  summarizeIsolation,
  type FailureClass,
  type IsolationInput,
  type IsolationPart,
  type PartStatus,
} from "../core/importIsolation";
import { unholdableNumber } from "../core/indexedNumbers";
import { importJob, isolationPartJob } from "../core/jobLifecycle";
import { chunkKey, payloadKey, type PayloadRecord } from "../core/migrationState";
import { isSameAttempt, type JobAttempt } from "../core/jobRules";
import type { FhirOperationError } from "../errors";
import type { ImportParameter, ImportParameters, ImportResult, ImportStatus } from "../fhir/types";
import { parseBlobUrl } from "../storage/blobUrl";
import type { FailedResourceRecord } from "../storage/migrationStateStore";
import { settleChunk } from "./settleChunk";
import type { ActivityResult, EngineDeps } from "./deps";
import { isolationPartBlobName } from "../core/stagingLayout";
import { PAYLOAD_CONTAINER, nowIso } from "./deps";
import { trackJobEvent } from "./jobEvent";
import { describeError, haltMigration, recordFailure, recordSuccess } from "./failures";
import { failedLines } from "./importErrors";
import { startJob, pollJob, type JobSpec } from "./jobRunner";
import type { PayloadRef } from "./payloadJob";
import { isSameImportAttempt, markPayloadCompleted, roundTag } from "./payloadJob";

export { ISOLATION_FOLDER } from "../core/stagingLayout";

function partBlobName(deps: EngineDeps, ref: PayloadRef, partId: string): string {
  return isolationPartBlobName(deps.settings.storage, ref.chunkSeq, ref.index, partId);
}

/** URL of a blob cut from an export file: same account and container as the file it was cut from. */
export function partBlobUrl(originalUrl: string, blobName: string): { url: string } {
  const parts = parseBlobUrl(originalUrl);
  const path = blobName
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return { url: `${parts.serviceUrl}/${parts.containerName}/${path}` };
}

/** What names a payload's isolation in its `ImportIsolation` events (trackJobEvent), at this step. */
function isolationJobOf(ref: PayloadRef, step: string): TelemetryProperties<"ImportIsolation"> {
  return {
    ChunkId: chunkKey(ref.chunkSeq),
    PayloadId: payloadKey(ref.chunkSeq, ref.index),
    Step: step,
  };
}

function inputsOf(body: ImportParameters): IsolationInput[] {
  return body.parameter
    .filter((p) => p.name === "input")
    .map((p) => ({
      url: p.part?.find((x) => x.name === "url")?.valueUri ?? "",
      type: p.part?.find((x) => x.name === "type")?.valueString,
    }));
}

async function payloadBody(
  deps: EngineDeps,
  payload: PayloadRecord,
): Promise<ImportParameters | undefined> {
  const text = await deps.blobs.getText(PAYLOAD_CONTAINER, payload.blobName);
  return text === undefined ? undefined : (JSON.parse(text) as ImportParameters);
}

/** The non-empty lines of a file, numbered from 1 as the server numbers them (ImportResourceLoader.cs). */
async function* numberedLines(
  deps: EngineDeps,
  url: string,
): AsyncGenerator<{ line: number; text: string }> {
  let line = 0;
  for await (const text of deps.staging.readLinesByUrl(url)) {
    if (text.length === 0) continue;
    line++;
    yield { line, text };
  }
}

async function countLines(deps: EngineDeps, url: string): Promise<number> {
  let n = 0;
  for await (const _ of numberedLines(deps, url)) n++;
  return n;
}

/**
 * Whether the diagnosis started; if not, why, and whether it will judge the payload should its
 * last attempt fail the same way (`diagnosedLater`).
 */
export type IsolationStart =
  { isolating: true } | { isolating: false; why: string; diagnosedLater: boolean };

/** Lines of `url` the failing file of a files part has (a lines part's range needs none). */
async function lineCountFor(deps: EngineDeps, part: IsolationPart, url: string | undefined) {
  return part.source.kind === "files" && url !== undefined ? countLines(deps, url) : 0;
}

/**
 * Called when a payload's import job failed as a whole. A failure that may be the content's (see
 * classifyImportFailure, diagnoseNow) starts the diagnosis: the payload stays Running with
 * `isolating` set and its parts are imported apart. Anything else is left to the caller's
 * retry-then-halt, with the reason isolation does not apply (yet).
 */
export async function beginIsolation(
  deps: EngineDeps,
  ref: PayloadRef,
  payload: PayloadRecord,
  error: FhirOperationError,
): Promise<IsolationStart> {
  if (deps.settings.import.isolationJobs === 0)
    return {
      isolating: false,
      why: "isolation is off (AZURE_ImportIsolationJobs=0)",
      diagnosedLater: false,
    };
  const body = await payloadBody(deps, payload);
  if (body === undefined)
    return { isolating: false, why: "the payload body is missing", diagnosedLater: false };
  const inputs = inputsOf(body);
  const failure = classifyImportFailure(
    error.status,
    error.diagnostics || error.message,
    inputs.map((i) => i.url),
  );
  if (failure.kind === "systemic")
    return { isolating: false, why: failure.why, diagnosedLater: false };
  if (!diagnoseNow(failure, payload, deps.settings.import.attempts)) {
    return {
      isolating: false,
      why: `the server hides the reason (${failure.reason}); retried first, the job is taken apart when attempt ${deps.settings.import.attempts} (AZURE_ImportAttempts) fails the same way`,
      diagnosedLater: payload.attempts < deps.settings.import.attempts,
    };
  }
  const reason = partReason(failure);
  const root: IsolationPart = {
    ...newPart(ROOT_PART, { kind: "files", inputs }),
    status: "Split",
    reason,
    endTime: nowIso(deps),
  };
  const failingUrl = failingInput(root, failure.inputUrl);
  const { children } = afterContentFailure(
    root,
    failingUrl,
    await lineCountFor(deps, root, failingUrl),
  );
  const store = deps.state.isolation();
  // Rows of an earlier diagnosis of this payload that blamed the service are stale: the payload
  // is not isolating, so none of them runs. Children next, the root last: a crash in between
  // leaves the payload Running with its failed job, which fails the same way on the next poll and
  // writes the same rows again.
  await store.removePayload(ref.chunkSeq, ref.index);
  for (const child of children) await store.insert(ref.chunkSeq, ref.index, child);
  await store.insert(ref.chunkSeq, ref.index, root);
  const named = failure.inputUrl ?? "no file named";
  const mark = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    isSameImportAttempt(p, payload)
      ? {
          ...p,
          status: "Running",
          isolating: true,
          failureReason: `Isolating: ${reason} (${named})`,
        }
      : undefined,
  );
  if (mark.written) {
    trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "Started"), {
      Reason: reason,
      InputUrl: failure.inputUrl ?? "",
      Parts: children.length,
    });
    deps.log(
      `import payload ${payloadKey(ref.chunkSeq, ref.index)}: ${reason} in ${named}; isolating`,
    );
  }
  return { isolating: true };
}

/**
 * One pass of an isolating payload: poll running parts; when the diagnosis blames the service,
 * fail the payload as a whole and halt; once it blames the input, record refusals; start pending
 * parts; finish.
 */
export async function advanceIsolation(deps: EngineDeps, ref: PayloadRef): Promise<ActivityResult> {
  const store = deps.state.isolation();
  const chunk = await deps.state.getChunk(ref.chunkSeq);
  if (chunk === undefined) return { changed: false };
  let changed = false;
  let parts = await store.list(ref.chunkSeq, ref.index);
  for (const part of parts.filter((p) => isolationPartJob.isInFlight(p.status)))
    changed = (await pollJob(deps, partJobSpec(deps, ref, part.id), part)).changed || changed;
  if ((await deps.state.getCursor()).halted) return { changed };
  parts = await store.list(ref.chunkSeq, ref.index);
  const used = (await store.listWindow(ref.chunkSeq)).reduce((n, p) => n + p.attempts, 0);
  const plan = planIsolation(parts, used, deps.settings.import.isolationJobs);
  if (plan.verdict === "service") {
    await blameService(deps, ref, chunk, parts, plan.halt ?? "the destination refuses every part");
    return { changed: true };
  }
  if (plan.verdict === "input") {
    // A refused part's row is written once a part imported (the destination takes data, so what
    // fails alone is the input's), and written again under the same key if a crash came in
    // between; failedCount 1 marks it recorded.
    for (const part of parts.filter((p) => p.status === "Refused" && p.failedCount === 0)) {
      await recordRefused(deps, ref, chunk, part);
      changed = true;
    }
  }
  if (plan.halt !== undefined) {
    const s = summarizeIsolation(parts);
    trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "Halted"), {
      Reason: plan.halt,
      Parts: s.parts,
      Jobs: s.jobs,
      Running: s.running,
      Pending: s.pending,
      Refused: s.refused,
    });
    await haltMigration(
      deps,
      `Import payload ${payloadKey(ref.chunkSeq, ref.index)} (window ${chunk.since} to ${chunk.till}): ${plan.halt}`,
    );
    return { changed: true };
  }
  if (plan.complete) {
    await finishIsolation(deps, ref, await store.list(ref.chunkSeq, ref.index));
    return { changed: true };
  }
  for (const part of plan.start)
    changed = (await startJob(deps, partJobSpec(deps, ref, part.id))).changed || changed;
  if (changed) await showProgress(deps, ref, used + plan.start.length);
  return { changed };
}

/**
 * The diagnosis blames the destination: the payload fails as a whole (its attempts used, so a
 * resume imports it again from the start), the migration halts with the reason, and the parts'
 * blobs and rows go. Nothing was recorded as refused and the window stays open: the watermark and
 * the ledger do not move. The payload is written first: once it no longer isolates, this never
 * runs again, and rows a crash leaves behind are removed by the next diagnosis (beginIsolation).
 */
async function blameService(
  deps: EngineDeps,
  ref: PayloadRef,
  chunk: { since: string; till: string },
  parts: readonly IsolationPart[],
  why: string,
): Promise<void> {
  const reason = `Import payload ${payloadKey(ref.chunkSeq, ref.index)} (window ${chunk.since} to ${chunk.till}): ${why}`;
  const failed = await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    p.isolating === true && importJob.isInFlight(p.status)
      ? {
          ...p,
          status: importJob.next(p.status, "fail"),
          isolating: false,
          importContentLocation: undefined,
          failureReason: reason,
          importEndTime: nowIso(deps),
        }
      : undefined,
  );
  if (failed.written) {
    const s = summarizeIsolation(parts);
    trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "BlamedService"), {
      Reason: why,
      Parts: s.parts,
      Jobs: s.jobs,
    });
    await haltMigration(deps, reason);
  }
  await removeParts(deps, ref, parts);
}

/** Deletes the part blobs (idempotent). */
async function removePartBlobs(
  deps: EngineDeps,
  ref: PayloadRef,
  parts: readonly IsolationPart[],
): Promise<void> {
  for (const p of parts) {
    if (p.source.kind === "lines")
      await deps.staging.deleteAtUrl(partBlobUrl(p.source.url, partBlobName(deps, ref, p.id)).url);
  }
}

/** Deletes the part blobs, then the part rows (both idempotent). */
async function removeParts(
  deps: EngineDeps,
  ref: PayloadRef,
  parts: readonly IsolationPart[],
): Promise<void> {
  await removePartBlobs(deps, ref, parts);
  await deps.state.isolation().removePayload(ref.chunkSeq, ref.index);
}

/**
 * Keeps the payload's FailureReason a one-line account of the isolation while it runs, so the
 * status page (its import failures list) shows what is happening, with the budget.
 */
async function showProgress(deps: EngineDeps, ref: PayloadRef, windowJobs: number): Promise<void> {
  const parts = await deps.state.isolation().list(ref.chunkSeq, ref.index);
  const root = parts.find((p) => p.id === ROOT_PART);
  const s = summarizeIsolation(parts);
  const text = `Isolating resources the destination refuses (${root?.reason ?? "job failed"}): ${s.parts} part(s), ${s.running} running, ${s.pending} waiting, ${s.refused} refused so far; ${windowJobs} of ${deps.settings.import.isolationJobs} extra import jobs of this window used (AZURE_ImportIsolationJobs)`;
  await deps.state.changePayload(ref.chunkSeq, ref.index, (p) =>
    p.isolating === true && p.status !== "Completed" && p.failureReason !== text
      ? { ...p, failureReason: text }
      : undefined,
  );
}

/** The isolation part's attempt its row shows; each claim counts an attempt. */
function partAttempt(p: IsolationPart): JobAttempt {
  return { state: isolationPartJob.state(p.status), url: p.statusUrl, claim: p.attempts };
}

/**
 * One part's import job as a job kind (src/engine/jobRunner.ts drives it): its body is the
 * payload's with the part's inputs and a tag of the part and attempt (posting it again returns the
 * same job); its failure is split or refused by the diagnosis, or counted when it is not the content's.
 */
function partJobSpec(
  deps: EngineDeps,
  ref: PayloadRef,
  partId: string,
): JobSpec<IsolationPart, PartStatus, ImportParameters, ImportStatus> {
  const store = deps.state.isolation();
  return {
    kind: isolationPartJob,
    change: (decide) => store.change(ref.chunkSeq, ref.index, partId, decide),
    status: (p) => p.status,
    withStatus: (p, status) => ({ ...p, status }),
    attempt: partAttempt,
    startTime: (p) => p.startTime,
    claimed: (p, now) => ({ ...p, attempts: p.attempts + 1, startTime: now, statusUrl: undefined }),
    async prepare(mine) {
      const payload = await deps.state.getPayload(ref.chunkSeq, ref.index);
      const body = payload === undefined ? undefined : await payloadBody(deps, payload);
      if (body === undefined) {
        await haltMigration(
          deps,
          `Import payload ${payloadKey(ref.chunkSeq, ref.index)}: its body blob is missing; isolation cannot go on`,
        );
        return { done: { changed: true } };
      }
      const inputs = await partInputs(deps, ref, mine);
      const tag = `urn:fhir-migrate:${deps.settings.storage.partitionKey}:${payloadKey(ref.chunkSeq, ref.index)}${roundTag(payload ?? {})}:i:${mine.id}:a${mine.attempts}`;
      const request: ImportParameters = {
        ...body,
        parameter: [
          ...body.parameter.filter((x) => x.name !== "input" && x.name !== "inputSource"),
          ...inputs.map((i): ImportParameter => ({
            name: "input",
            part: [
              ...(i.type !== undefined ? [{ name: "type", valueString: i.type }] : []),
              { name: "url", valueUri: i.url },
            ],
          })),
          { name: "inputSource", valueUri: tag },
        ],
      };
      return { request };
    },
    kickOff: (body) => deps.destination.importKickOff(body),
    recordRule: "sameClaim",
    recorded: (p, statusUrl) => ({ ...p, statusUrl }),
    afterRecord(_record, _statusUrl, mine) {
      trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "PartStarted"), {
        PartId: mine.id,
        Attempt: mine.attempts,
      });
      return Promise.resolve();
    },
    unclaimed: (p) => ({ ...p, attempts: p.attempts - 1 }),
    // Not accepted now (e.g. 429: the server runs five imports already): no attempt used, and the
    // other parts of this pass go on.
    kickOffErrors: { transient: "retry", unknown: "rethrow" },
    kickOffFailedReason: (error) => `kick-off refused: ${error}`,
    fail: (actedOn, reason) => partFailedSystemically(deps, ref, actedOn, reason),
    unrecordedClaim: { waitMs: 0, then: "retry" },
    unrecordedReason: "the part's kick-off did not record a status URL (interrupted)",
    timeout: {
      ms: deps.settings.import.timeoutMs,
      reason: (minutes) =>
        `still running after ${minutes} minutes (AZURE_ImportTimeoutMinutes); cancelled it`,
      cancel: (statusUrl) => deps.destination.cancelImport(statusUrl),
    },
    poll: (statusUrl) => deps.destination.importStatus(statusUrl),
    async jobFailed(part, error) {
      const inputs = partJobInputs(deps, ref, part);
      const failure = classifyImportFailure(
        error.status,
        error.diagnostics || error.message,
        inputs.map((i) => i.url),
      );
      if (failure.kind === "systemic")
        await partFailedSystemically(deps, ref, part, `${failure.why}: ${describeError(error)}`);
      else await partFailedOnContent(deps, ref, part, failure);
    },
    async accept(part, status) {
      const { imported, failed } = await recordPartialErrors(deps, ref, part, status.result);
      await store.change(ref.chunkSeq, ref.index, part.id, (p) =>
        isSameAttempt(partAttempt(p), partAttempt(part))
          ? {
              ...p,
              status: isolationPartJob.next(p.status, "complete"),
              importedCount: imported,
              failedCount: failed,
              endTime: nowIso(deps),
            }
          : undefined,
      );
      trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "PartImported"), {
        PartId: part.id,
        Imported: imported,
        Failed: failed,
      });
      await recordSuccess(deps);
      return { changed: true };
    },
  };
}

/** The inputs a part's job names; a lines part's blob is written (again, identically) first. */
async function partInputs(
  deps: EngineDeps,
  ref: PayloadRef,
  part: IsolationPart,
): Promise<IsolationInput[]> {
  const source = part.source;
  const inputs = partJobInputs(deps, ref, part);
  if (source.kind === "files") return inputs;
  const lines: string[] = [];
  for await (const l of numberedLines(deps, source.url)) {
    if (l.line > source.to) break;
    if (l.line >= source.from) lines.push(l.text);
  }
  await deps.staging.putTextAtUrl(
    inputs[0]!.url,
    lines.map((l) => `${l}\n`).join(""),
    "application/fhir+ndjson",
  );
  return inputs;
}

/** The URLs the part's job was given (a lines part: its blob; a files part: the original files). */
function partJobInputs(deps: EngineDeps, ref: PayloadRef, part: IsolationPart): IsolationInput[] {
  const source = part.source;
  if (source.kind === "files") return source.inputs;
  return [
    { url: partBlobUrl(source.url, partBlobName(deps, ref, part.id)).url, type: source.type },
  ];
}

async function partFailedOnContent(
  deps: EngineDeps,
  ref: PayloadRef,
  part: IsolationPart,
  failure: Extract<FailureClass, { kind: "content" }>,
): Promise<void> {
  const store = deps.state.isolation();
  // A lines part's job names its blob; the decision is about the part's own range.
  const failingUrl = failingInput(part, failure.inputUrl);
  const lineCount = await lineCountFor(deps, part, failingUrl);
  const { children, refused } = afterContentFailure(part, failingUrl, lineCount);
  const reason = partReason(failure);
  for (const child of children) await store.insert(ref.chunkSeq, ref.index, child);
  await store.change(ref.chunkSeq, ref.index, part.id, (p) =>
    isSameAttempt(partAttempt(p), partAttempt(part))
      ? {
          ...p,
          status: refused ? "Refused" : "Split",
          reason,
          endTime: nowIso(deps),
        }
      : undefined,
  );
  trackJobEvent(
    deps,
    "ImportIsolation",
    isolationJobOf(ref, refused ? "PartRefused" : "PartSplit"),
    {
      PartId: part.id,
      Reason: reason,
      Children: children.length,
    },
  );
}

async function partFailedSystemically(
  deps: EngineDeps,
  ref: PayloadRef,
  part: IsolationPart,
  reason: string,
): Promise<void> {
  const store = deps.state.isolation();
  const failure = await store.change(ref.chunkSeq, ref.index, part.id, (p) =>
    isSameAttempt(partAttempt(p), partAttempt(part))
      ? {
          ...p,
          status: isolationPartJob.next(p.status, "requeue"),
          statusUrl: undefined,
          reason,
          endTime: nowIso(deps),
        }
      : undefined,
  );
  const after = failure.after;
  if (!failure.written || after === undefined) return;
  trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "PartFailed"), {
    PartId: part.id,
    Reason: reason,
    Attempt: after.attempts,
  });
  await recordFailure(
    deps,
    `isolation part ${part.id} of payload ${payloadKey(ref.chunkSeq, ref.index)}: ${reason}`,
  );
  if (after.attempts >= deps.settings.import.attempts) {
    await haltMigration(
      deps,
      `Import payload ${payloadKey(ref.chunkSeq, ref.index)}: isolation part ${part.id} failed ${after.attempts} times (AZURE_ImportAttempts) for a reason that is not its content (${reason})`,
    );
  }
}

/** Reads the refused resource's line from the original file and records it as a failed resource. */
async function recordRefused(
  deps: EngineDeps,
  ref: PayloadRef,
  chunk: { since: string; till: string },
  part: IsolationPart,
): Promise<void> {
  const source = part.source;
  if (source.kind !== "lines") throw new Error(`refused isolation part ${part.id} is not one line`);
  let resource: { resourceType?: string; id?: string; meta?: { versionId?: string } } = {};
  let explanation: string | undefined;
  for await (const l of numberedLines(deps, source.url)) {
    if (l.line !== source.from) continue;
    try {
      resource = JSON.parse(l.text) as typeof resource;
    } catch {
      resource = {};
    }
    const unholdable = unholdableNumber(l.text);
    if (unholdable !== undefined)
      explanation = `it holds ${unholdable.path} ${unholdable.value}, beyond the decimal(36,18) search index`;
    break;
  }
  const record: FailedResourceRecord = {
    chunkSeq: ref.chunkSeq,
    payloadIndex: ref.index,
    resourceType: resource.resourceType ?? source.type ?? "unknown",
    id: resource.id ?? "(unknown)",
    reason: refusalReason(part.reason, explanation),
    inputUrl: source.url,
    isolated: {
      version: resource.meta?.versionId,
      line: source.from,
      since: chunk.since,
      till: chunk.till,
      partId: part.id,
    },
  };
  await deps.state.recordFailedResources([record]);
  await deps.state
    .isolation()
    .change(ref.chunkSeq, ref.index, part.id, (p) =>
      p.status === "Refused" && p.failedCount === 0 ? { ...p, failedCount: 1 } : undefined,
    );
  deps.telemetry.trackEvent("FailedResources", {
    ChunkId: chunkKey(ref.chunkSeq),
    PayloadId: payloadKey(ref.chunkSeq, ref.index),
    ResourceType: record.resourceType,
    Count: 1,
    SampleIds: record.id,
    Version: record.isolated?.version ?? "",
    Reason: record.reason,
    InputUrl: record.inputUrl,
    Line: source.from,
    Isolated: "true",
  });
  deps.log(
    `refused by the destination: ${record.resourceType}/${record.id} version ${record.isolated?.version ?? "?"} (${record.inputUrl} line ${source.from}): ${record.reason}`,
  );
}

/** Error lines of a part's partially successful job, recorded against the original file's lines. */
async function recordPartialErrors(
  deps: EngineDeps,
  ref: PayloadRef,
  part: IsolationPart,
  result: ImportResult,
): Promise<{ imported: number; failed: number }> {
  const imported = result.output.reduce((n, o) => n + o.count, 0);
  const failed = result.error.reduce((n, e) => n + e.count, 0);
  if (failed === 0) return { imported, failed };
  const chunk = await deps.state.getChunk(ref.chunkSeq);
  const records: FailedResourceRecord[] = [];
  let n = 0;
  for (const entry of result.error) {
    if (entry.url === undefined) continue;
    const errorLines = deps.staging.readLinesByUrl(entry.url);
    const inputLines = () => deps.staging.readLinesByUrl(entry.inputUrl);
    for await (const { parsed, id } of failedLines(errorLines, inputLines)) {
      const original = part.source.kind === "lines" ? part.source.url : entry.inputUrl;
      records.push({
        chunkSeq: ref.chunkSeq,
        payloadIndex: ref.index,
        resourceType: entry.type ?? "unknown",
        id: id ?? "(unknown)",
        reason: parsed.reason,
        inputUrl: original,
        isolated: {
          version: undefined,
          line:
            part.source.kind === "lines" && parsed.offset === 0 && parsed.line !== undefined
              ? part.source.from + parsed.line - 1
              : (parsed.line ?? 0),
          since: chunk?.since ?? "",
          till: chunk?.till ?? "",
          partId: `${part.id}-e${String(n++).padStart(6, "0")}`,
        },
      });
    }
  }
  await deps.state.recordFailedResources(records);
  return { imported, failed };
}

async function finishIsolation(
  deps: EngineDeps,
  ref: PayloadRef,
  parts: readonly IsolationPart[],
): Promise<void> {
  // The part blobs go first: nothing needs them once every part is done, and deleting is idempotent.
  await removePartBlobs(deps, ref, parts);
  const done = parts.filter(isTerminal);
  const imported = done.reduce((n, p) => n + (p.status === "Imported" ? p.importedCount : 0), 0);
  const failed = done.reduce((n, p) => n + (p.status === "Split" ? 0 : p.failedCount), 0);
  const refused = done.filter((p) => p.status === "Refused").length;
  const completion = await markPayloadCompleted(deps, ref, {
    importedCount: imported,
    failedCount: failed,
    failureReason: `Isolated ${refused} refused resource(s) with ${parts.reduce((n, x) => n + x.attempts, 0)} extra import job(s)`,
  });
  if (completion.written) {
    trackJobEvent(deps, "ImportIsolation", isolationJobOf(ref, "Completed"), {
      Parts: parts.length,
      Jobs: parts.reduce((n, x) => n + x.attempts, 0),
      Refused: refused,
      TotalImportResources: imported,
      FailedImportCount: failed,
    });
  }
  await settleChunk(deps, ref.chunkSeq);
  await recordSuccess(deps);
}
