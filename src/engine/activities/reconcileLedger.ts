import type { LedgerCount, LedgerEntry, LedgerReimport } from "../../core/ledger";
import {
  ALL_TYPES,
  isFinal,
  judgeCount,
  judgeWindowByType,
  totalExtra,
  totalMissing,
} from "../../core/ledger";
import { SEARCH_PARAMETER_TYPE, isR4ResourceType } from "../../core/resourceTypes";
import type { ChunkRecord } from "../../core/migrationState";
import type { ReconcileLedgerInput } from "../../core/activityRegistry";
import { payloadKey } from "../../core/migrationState";
import { ms } from "../../core/windows";
import { isFhirOperationError, isTransientError } from "../../errors";
import type { FhirClient, ImportParameters } from "../../fhir/types";
import { loadManifest } from "../manifests";
import { mapWithConcurrency } from "../concurrency";
import type { ActivityResult, EngineDeps } from "../deps";
import { PAYLOAD_CONTAINER, nowIso } from "../deps";
import { describeError } from "../failures";
import { historyAware } from "../historyAware";

/** Most contiguous skipped stretches counted together with one query per server. */
const SKIPPED_BATCH = 100;

/**
 * Reconciles one ledger entry (docs/architecture.md, "Ledger"): counts its half-open range on both
 * servers with the same `_since`/`_before` bounds (history-aware like the export), less the failed
 * resources recorded for it. A shortfall is counted again after AZURE_LedgerRecheckSeconds; still
 * short, the entry's payloads are imported once more and counted again; still short, it is
 * unreconciled with the per-type numbers, a `LedgerEntry` event and the status page say so.
 */
export async function reconcileLedger(
  deps: EngineDeps,
  input: ReconcileLedgerInput,
): Promise<ActivityResult> {
  const starts = [input.since, ...(input.moreSkipped ?? [])];
  const results = await reconcileEntries(deps, starts);
  const changed = results.some((r) => r.changed);
  if (changed || input.cutover !== true) return { changed };
  // In cutover mode the proof waits for the entries: once one is final, the next pass need not wait.
  const after = await Promise.all(starts.map((s) => deps.state.ledger().get(s)));
  return { changed: after.some((e) => e !== undefined && isFinal(e.status)) };
}

/**
 * Reconciles the entries starting at `starts`, AZURE_CheckConcurrency at a time (each is one or two
 * counts per server). The cutover's proof counts the entries before the freeze this way too.
 */
export async function reconcileEntries(
  deps: EngineDeps,
  starts: readonly string[],
): Promise<ActivityResult[]> {
  return mapWithConcurrency(starts, deps.settings.verification.concurrency, (since) =>
    reconcileEntry(deps, { since }),
  );
}

async function reconcileEntry(deps: EngineDeps, input: { since: string }): Promise<ActivityResult> {
  const ledger = deps.state.ledger();
  const entry = await ledger.get(input.since);
  if (entry === undefined || isFinal(entry.status)) return { changed: false };
  if (entry.status === "reimporting") return pollReimports(deps, entry);
  if (entry.status === "recheck" && entry.nextCheckAt !== undefined) {
    if (ms(entry.nextCheckAt) > deps.clock.now()) return { changed: false };
  }

  let chunks: ChunkRecord[] = [];
  if (entry.kind === "window") {
    chunks = (await Promise.all(entry.chunkSeqs.map((s) => deps.state.getChunk(s)))).filter(
      (c): c is ChunkRecord => c !== undefined,
    );
    if (chunks.length !== entry.chunkSeqs.length) {
      return conclude(deps, entry, [], `chunk rows ${entry.chunkSeqs.join(",")} are missing`);
    }
    if (!chunks.every((c) => c.processed)) return { changed: false };
  } else if (entry.status === "pending" && (await skippedBatchIsEmpty(deps, entry))) {
    return { changed: false };
  }

  const counts = await countEntry(deps, entry, chunks);
  const checks = entry.checks + 1;
  if (totalMissing(counts) === 0) return conclude(deps, { ...entry, checks }, counts, undefined);
  if (entry.status === "pending") {
    const nextCheckAt = new Date(
      deps.clock.now() + deps.settings.verification.ledgerRecheckMs,
    ).toISOString();
    await ledger.change(entry.since, (e) =>
      e.status !== entry.status || e.checks !== entry.checks
        ? undefined
        : { ...e, status: "recheck", checks, counts, nextCheckAt, checkedAt: nowIso(deps) },
    );
    deps.log(
      `ledger [${entry.since}, ${entry.till}) is ${totalMissing(counts)} version(s) short; counting again at ${nextCheckAt}`,
    );
    // Nothing to do before the delay: the orchestrator may wait on its timer.
    return { changed: false };
  }
  if (entry.kind === "window" && !entry.reimported) {
    const reimports: LedgerReimport[] = [];
    for (const seq of entry.chunkSeqs) {
      for (const p of await deps.state.listPayloads(seq)) {
        reimports.push({ chunkSeq: seq, index: p.index, statusUrl: "", done: false, errors: 0 });
      }
    }
    await ledger.change(entry.since, (e) =>
      e.status !== "recheck" || e.checks !== entry.checks
        ? undefined
        : { ...e, status: "reimporting", checks, counts, reimports, checkedAt: nowIso(deps) },
    );
    deps.log(
      `ledger [${entry.since}, ${entry.till}) still ${totalMissing(counts)} version(s) short; importing its ${reimports.length} payload(s) once more`,
    );
    return { changed: true };
  }
  const reason =
    entry.kind === "skipped"
      ? "planning skipped this stretch as empty, but the source holds versions in it"
      : "the destination holds fewer versions than the source after a recount and a second import";
  return conclude(deps, { ...entry, checks }, counts, reason);
}

/**
 * Contiguous pending skipped stretches from `entry` on are counted on the source with one query;
 * when it finds nothing they are all reconciled at once (idle passes write many short stretches).
 */
async function skippedBatchIsEmpty(deps: EngineDeps, entry: LedgerEntry): Promise<boolean> {
  const ledger = deps.state.ledger();
  const batch = [entry];
  for (const next of await ledger.listFrom(entry.since, SKIPPED_BATCH)) {
    const last = batch.at(-1)!;
    if (next.since === entry.since) continue;
    if (next.kind !== "skipped" || next.status !== "pending" || next.since !== last.till) break;
    batch.push(next);
  }
  if (batch.length < 2) return false;
  const found = await deps.source.count({
    history: historyAware(deps),
    since: entry.since,
    till: batch.at(-1)!.till,
  });
  if (found > 0) return false;
  for (const e of batch) {
    await conclude(
      deps,
      { ...e, checks: e.checks + 1 },
      [judgeCount(ALL_TYPES, 0, undefined, 0)],
      undefined,
    );
  }
  return true;
}

/**
 * Counts an unreconciled entry once more, on both servers (the cutover's proof: after the user
 * migrated its range again, docs/operations.md section 10, the next cutover call must be able to see
 * it whole). Reconciled when nothing is missing now; otherwise it stays unreconciled with the new
 * counts. A skipped stretch is counted on the destination too: its versions can only have arrived
 * there by such a migration.
 */
export async function recountUnreconciled(
  deps: EngineDeps,
  entry: LedgerEntry,
): Promise<LedgerEntry> {
  if (entry.status !== "unreconciled") return entry;
  let counts: LedgerCount[];
  if (entry.kind === "window") {
    const chunks = (await Promise.all(entry.chunkSeqs.map((s) => deps.state.getChunk(s)))).filter(
      (c): c is ChunkRecord => c !== undefined,
    );
    if (chunks.length !== entry.chunkSeqs.length) return entry;
    counts = await countEntry(deps, entry, chunks);
  } else {
    const range = { history: historyAware(deps), since: entry.since, till: entry.till };
    const [source, destination] = await Promise.all([
      deps.source.count(range),
      deps.destination.count(range),
    ]);
    counts = [judgeCount(ALL_TYPES, source, destination, 0)];
  }
  const reconciled = totalMissing(counts) === 0;
  const { after: updated } = await deps.state.ledger().change(entry.since, (e) =>
    e.status !== "unreconciled"
      ? undefined
      : {
          ...e,
          status: reconciled ? "reconciled" : "unreconciled",
          checks: e.checks + 1,
          counts,
          reason: reconciled ? undefined : e.reason,
          checkedAt: nowIso(deps),
        },
  );
  if (reconciled && updated?.status === "reconciled") {
    // Within the sealed prefix it was read one by one as an exception: now part of the totals.
    await deps.state.ledger().foldException(entry.since);
    deps.telemetry.trackEvent("LedgerEntry", {
      Since: entry.since,
      Till: entry.till,
      EntryKind: entry.kind,
      LedgerStatus: "Reconciled",
      Missing: 0,
      Extra: totalExtra(counts),
      Checks: updated.checks,
    });
    deps.log(`ledger [${entry.since}, ${entry.till}) reconciled on a recount`);
  }
  return updated ?? entry;
}

/** The entry's counts per unit: per type in per-type mode, system level otherwise. */
async function countEntry(
  deps: EngineDeps,
  entry: LedgerEntry,
  chunks: readonly ChunkRecord[],
): Promise<LedgerCount[]> {
  const history = historyAware(deps);
  const range = { history, since: entry.since, till: entry.till };
  if (entry.kind === "skipped") {
    const total = await deps.source.count(range);
    const types = deps.settings.export.resourceTypes;
    if (total === 0 || deps.settings.export.isParallel || types.length === 0) {
      return [judgeCount(ALL_TYPES, total, undefined, 0)];
    }
    // Per-type mode with AZURE_ResourceTypes migrates only those types: others are not owed.
    const perType = await mapWithConcurrency(types, deps.settings.verification.concurrency, (t) =>
      deps.source.count({ ...range, type: t }),
    );
    return types.map((t, i) => judgeCount(t, perType[i]!, undefined, 0));
  }
  const failedRows = await deps.state.ledger().failedByType(entry.chunkSeqs);
  const count = (server: FhirClient, type?: string) =>
    server.count(type === undefined ? range : { ...range, type });
  return (
    await mapWithConcurrency(chunks, deps.settings.verification.concurrency, async (chunk) => {
      if (chunk.resourceType !== undefined) {
        // Per-type mode: the chunk is one type.
        const type = chunk.resourceType;
        const [source, destination] = await Promise.all([
          count(deps.source, type),
          count(deps.destination, type),
        ]);
        if (type === SEARCH_PARAMETER_TYPE) {
          // Copied through the API, not imported: the copies are the tool's own writes, stamped
          // when it wrote them; kept for the record, never owed or extra (judgeWindowByType).
          return [{ type, source, destination, failed: 0, missing: 0, extra: 0 }];
        }
        const failed = Math.max(failedRows.get(type) ?? 0, chunk.totalFailedImportCount);
        return [judgeCount(type, source, destination, failed)];
      }
      return countWindowByType(deps, chunk, failedRows, count);
    })
  ).flat();
}

/**
 * A system-level window counted type by type (judgeWindowByType, src/core/ledger.ts): each type
 * its export listed, SearchParameter (the tool's own copies on the destination), and the totals,
 * on both servers. Totals alone would let a shortfall of one type cancel a surplus of another.
 */
async function countWindowByType(
  deps: EngineDeps,
  chunk: ChunkRecord,
  failedRows: ReadonlyMap<string, number>,
  count: (server: FhirClient, type?: string) => Promise<number>,
): Promise<LedgerCount[]> {
  const listed = new Set(
    (await loadManifest(deps, chunk.seq)).output
      .map((o) => o.type)
      .filter((t) => t !== SEARCH_PARAMETER_TYPE),
  );
  for (const type of failedRows.keys()) if (isR4ResourceType(type)) listed.add(type);
  listed.delete(SEARCH_PARAMETER_TYPE);
  const units = [...listed, SEARCH_PARAMETER_TYPE, undefined];
  const counted = await mapWithConcurrency(units, deps.settings.verification.concurrency, (type) =>
    Promise.all([count(deps.source, type), count(deps.destination, type)]),
  );
  const at = (i: number) => ({ source: counted[i]![0], destination: counted[i]![1] });
  const failedTotal = Math.max(
    [...failedRows.values()].reduce((n, v) => n + v, 0),
    chunk.totalFailedImportCount,
  );
  return judgeWindowByType({
    types: [...listed].map((type, i) => ({ type, ...at(i), failed: failedRows.get(type) ?? 0 })),
    searchParameters: at(listed.size),
    totals: at(listed.size + 1),
    failedTotal,
  });
}

async function conclude(
  deps: EngineDeps,
  entry: LedgerEntry,
  counts: LedgerCount[],
  reason: string | undefined,
): Promise<ActivityResult> {
  const status = reason === undefined ? "reconciled" : "unreconciled";
  const conclusion = await deps.state.ledger().change(entry.since, (e) =>
    !isFinal(e.status)
      ? {
          ...e,
          status,
          checks: entry.checks,
          counts,
          reason,
          nextCheckAt: undefined,
          checkedAt: nowIso(deps),
        }
      : undefined,
  );
  // A concluded entry creates no work: the orchestrator may wait on its timer (an idle pass
  // reconciles the stretch the previous one skipped, and must not spin).
  if (!conclusion.written) return { changed: false };
  const missing = totalMissing(counts);
  const extra = totalExtra(counts);
  deps.telemetry.trackEvent("LedgerEntry", {
    Since: entry.since,
    Till: entry.till,
    EntryKind: entry.kind,
    LedgerStatus: status === "reconciled" ? "Reconciled" : "Unreconciled",
    Missing: missing,
    Extra: extra,
    Checks: entry.checks,
    Counts: counts
      .filter((c) => c.missing > 0 || c.extra > 0)
      .slice(0, 20)
      .map(
        (c) =>
          `${c.type}: source ${c.source}, destination ${c.destination ?? "-"}, failed ${c.failed}`,
      )
      .join("; "),
  });
  if (reason !== undefined) {
    deps.log(
      `ledger [${entry.since}, ${entry.till}) UNRECONCILED: ${missing} version(s) missing (${reason})`,
    );
  }
  return { changed: false };
}

/**
 * Kicks off the entry's payloads not yet started (a 429 or other transient answer leaves them for the
 * next pass) and polls the running ones; once all are done the entry is counted again at once.
 */
async function pollReimports(deps: EngineDeps, entry: LedgerEntry): Promise<ActivityResult> {
  const reimports = entry.reimports.map((r) => ({ ...r }));
  let failure: string | undefined;
  for (const r of reimports) {
    if (r.done) continue;
    if (r.statusUrl === "") {
      const payload = await deps.state.getPayload(r.chunkSeq, r.index);
      const text =
        payload === undefined
          ? undefined
          : await deps.blobs.getText(PAYLOAD_CONTAINER, payload.blobName);
      if (text === undefined) {
        failure = `import payload ${payloadKey(r.chunkSeq, r.index)} (row or blob) is missing, so it cannot be imported once more`;
        break;
      }
      try {
        const { statusUrl } = await deps.destination.importKickOff(
          withLedgerTag(JSON.parse(text) as ImportParameters, deps, r),
        );
        r.statusUrl = statusUrl;
      } catch (error) {
        if (isTransientError(error)) break;
        if (!isFhirOperationError(error)) throw error;
        failure = `re-import of ${payloadKey(r.chunkSeq, r.index)} was refused: ${describeError(error)}`;
        break;
      }
      continue;
    }
    try {
      const status = await deps.destination.importStatus(r.statusUrl);
      if (status.state === "completed") {
        r.done = true;
        r.errors = status.result.error.reduce((n, e) => n + e.count, 0);
      }
    } catch (error) {
      if (!isFhirOperationError(error)) throw error;
      failure = `re-import of ${payloadKey(r.chunkSeq, r.index)} failed: ${describeError(error)}`;
      break;
    }
  }
  if (failure !== undefined) return conclude(deps, entry, entry.counts, failure);
  const allDone = reimports.every((r) => r.done);
  const changedUrls = reimports.some((r, i) => r.statusUrl !== entry.reimports[i]?.statusUrl);
  if (!allDone && !changedUrls && reimports.every((r, i) => r.done === entry.reimports[i]?.done))
    return { changed: false };
  await deps.state
    .ledger()
    .change(entry.since, (e) =>
      e.status !== "reimporting"
        ? undefined
        : allDone
          ? { ...e, status: "recheck", reimported: true, reimports, nextCheckAt: nowIso(deps) }
          : { ...e, reimports },
    );
  return { changed: true };
}

/**
 * Its own `inputSource` tag: the server returns the old job for an identical body (even a completed
 * one), and this import must run again. The tag is the same on every try of the re-import, so a
 * kick-off retried after a crash gets the same job back.
 */
function withLedgerTag(
  body: ImportParameters,
  deps: EngineDeps,
  r: Pick<LedgerReimport, "chunkSeq" | "index">,
): ImportParameters {
  const tag = `urn:fhir-migrate:${deps.settings.storage.partitionKey}:${payloadKey(r.chunkSeq, r.index)}:ledger`;
  return {
    ...body,
    parameter: [
      ...body.parameter.filter((x) => x.name !== "inputSource"),
      { name: "inputSource", valueUri: tag },
    ],
  };
}
