import type {
  ChunkRecord,
  CursorRecord,
  PayloadRecord,
  SealedChunks,
} from "../core/migrationState";
import { addSealedChunks, chunkKey, computeWatermark, payloadKey } from "../core/migrationState";
import type { CutoverRecord } from "../core/cutover";
import { cutoverFromRow, cutoverToRow } from "./cutoverRow";
import type { FullProofRecord } from "../core/fullProof";
import { fullProofFromRow, fullProofToRow } from "./fullProofRow";
import { LedgerStore } from "./ledgerStore";
import type { ChunkSummary } from "./migrationRows";
import {
  CHUNK_ROW,
  CHUNK_SUMMARY_COLUMNS,
  CURSOR_ROW,
  PAYLOAD_ROW,
  chunkSummaryFromRow,
} from "./migrationRows";
import type { TableRepository, TableRow } from "./tableRepository";
import { IsolationStore } from "./isolationStore";
import { fromRow, json, optionalText, requiredText, rowKind } from "./rowSpec";
import { CheckResultStore } from "./checkResultStore";
import { FailedResourceStore } from "./failedResourceStore";

export type { FailedResourceReason, FailedResourceRecord } from "./failedResourceStore";
export { FAILED_RESOURCE_ROW } from "./failedResourceStore";
export type { CheckResultRecord } from "./checkResultStore";
export { CHECK_ROW } from "./checkResultStore";

/** The failed resources' methods the state store answers under their own names. */
const FAILED_RESOURCE_METHODS = [
  "recordFailedResources",
  "listFailedResourceReasons",
  "listFailedResources",
] as const;

/** The verification rows' methods the state store answers under their own names. */
const CHECK_RESULT_METHODS = [
  "recordCheckResult",
  "getCheckResult",
  "listCheckResults",
  "listRunCheckResults",
  "listAllCheckResults",
  "registerVerificationRun",
  "getLatestVerificationRun",
  "recordCheckSummary",
  "listCheckSummaries",
] as const;

/** `names` of `store`, bound to it. */
function boundMethods<T extends object, K extends keyof T>(
  store: T,
  names: readonly K[],
): Pick<T, K> {
  const methods = {} as Pick<T, K>;
  for (const name of names) {
    const method = store[name];
    if (typeof method !== "function") throw new Error(`${String(name)} is not a method`);
    methods[name] = (method as (...args: unknown[]) => unknown).bind(store) as T[K];
  }
  return methods;
}
import { odata } from "./tableRepository";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, StoredRow, kindCodec, rowCodec } from "./rowStore";

/** The settings that shape planning and payloads, as the tables record them. */
export interface SettingsRecord {
  fingerprint: string;
  values: Record<string, string>;
  recordedAt: string;
  /** Set when the values were accepted during a migration: the frontier they apply from. */
  acceptedFromFrontier?: string | undefined;
  previousValues?: Record<string, string> | undefined;
  /** The last runner refused because its settings differ: when, and why. */
  refusedAt?: string | undefined;
  refusedReason?: string | undefined;
}

/** The settings row of the cursor table. */
export const SETTINGS_ROW = rowKind<SettingsRecord>("settings", {
  fingerprint: requiredText("Fingerprint"),
  values: json<Record<string, string>>("SettingValues", { fallback: {} }),
  recordedAt: requiredText("RecordedAt"),
  acceptedFromFrontier: optionalText("AcceptedFromFrontier"),
  previousValues: json<Record<string, string> | undefined>("PreviousValues", {
    fallback: undefined,
  }),
  refusedAt: optionalText("RefusedAt"),
  refusedReason: optionalText("RefusedReason", { max: 30000 }),
});

export interface StateKeys {
  partitionKey: string;
  rowKey: string;
}

/** How many times advancing the watermark lists again after planning moved the cursor. */
const REPLAN_RETRIES = 8;

/**
 * The migration's state in two tables, named from settings:
 * - cursor table (`chunk`): one row, PK/RK from settings: watermark, frontier, counters, halt state.
 * - job table (`export`): PK = partition key; one row per chunk (`{rowKey}-{seq}`) and per import payload
 *   (`{rowKey}-{seq}-p{n}`), so one range query lists a chunk with its payloads in order. Failed
 *   resources and check results live in their own partitions (`{pk}-failed`, `{pk}-checks`), so job
 *   queries never scan them.
 * Every change is a read-modify-write guarded by the row's ETag (RowStore, src/storage/rowStore.ts).
 */
// The failed-resource and verification rows have stores of their own; the state store answers
// their methods too, so its callers keep one handle on the tables.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface MigrationStateStore
  extends
    Pick<FailedResourceStore, (typeof FAILED_RESOURCE_METHODS)[number]>,
    Pick<CheckResultStore, (typeof CHECK_RESULT_METHODS)[number]> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class MigrationStateStore {
  private readonly cursors: RowStore<CursorRecord>;
  private readonly settings: RowStore<SettingsRecord>;
  /** The cutover operation's row (src/core/cutover.ts): `{rowKey}-cutover` in the cursor table. */
  readonly cutover: StoredRow<CutoverRecord>;
  /** The last full proof's row (src/core/fullProof.ts): `{rowKey}-fullproof` in the cursor table. */
  readonly fullProof: StoredRow<FullProofRecord>;
  private readonly chunks: RowStore<ChunkRecord>;
  private readonly payloads: RowStore<PayloadRecord>;

  constructor(
    private readonly cursorTable: TableRepository<TableRow>,
    private readonly jobTable: TableRepository<TableRow>,
    private readonly keys: StateKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.cursors = new RowStore(cursorTable, kindCodec(CURSOR_ROW));
    this.settings = new RowStore(cursorTable, kindCodec(SETTINGS_ROW));
    this.cutover = new StoredRow(
      new RowStore(cursorTable, rowCodec(cutoverToRow, cutoverFromRow)),
      this.at(`${keys.rowKey}-cutover`),
    );
    this.fullProof = new StoredRow(
      new RowStore(cursorTable, rowCodec(fullProofToRow, fullProofFromRow)),
      this.at(`${keys.rowKey}-fullproof`),
    );
    this.chunks = new RowStore(jobTable, kindCodec(CHUNK_ROW));
    this.payloads = new RowStore(jobTable, kindCodec(PAYLOAD_ROW));
    Object.assign(
      this,
      boundMethods(new FailedResourceStore(jobTable, keys.partitionKey), FAILED_RESOURCE_METHODS),
      boundMethods(new CheckResultStore(jobTable, keys.partitionKey), CHECK_RESULT_METHODS),
    );
  }

  /** A row of the state's partition. */
  private at(rowKey: string): RowAddress {
    return { partitionKey: this.keys.partitionKey, rowKey };
  }

  async ensure(): Promise<void> {
    await this.cursorTable.ensureTable();
    await this.jobTable.ensureTable();
    await this.cursors.insertIfAbsent(this.keys, emptyCursor());
  }

  async getCursor(): Promise<CursorRecord> {
    return (await this.cursors.get(this.keys)) ?? emptyCursor();
  }

  /**
   * The mutator gets the cursor (empty before the first write) and returns the new one, or undefined
   * to leave it unchanged; `after` is the cursor as it then stands, empty when never written.
   */
  async changeCursor(
    mutate: (cursor: CursorRecord) => CursorRecord | undefined,
  ): Promise<Change<CursorRecord> & { after: CursorRecord }> {
    const change = await this.cursors.change(this.keys, (cursor) =>
      mutate(cursor ?? emptyCursor()),
    );
    return { ...change, after: change.after ?? emptyCursor() };
  }

  /**
   * The row that records the settings shaping planning and payloads (src/core/shapingSettings.ts),
   * next to the cursor: `{rowKey}-settings` in the cursor table.
   */
  async getSettingsRecord(): Promise<SettingsRecord | undefined> {
    return this.settings.get(this.at(this.settingsRowKey()));
  }

  /** Records `record` unless a record exists; returns the stored one. */
  async insertSettingsRecord(
    record: SettingsRecord,
  ): Promise<{ created: boolean; record: SettingsRecord }> {
    return this.settings.insertIfAbsent(this.at(this.settingsRowKey()), record);
  }

  /** Overwrites the record (accepting new settings). */
  async putSettingsRecord(record: SettingsRecord): Promise<void> {
    await this.settings.put(this.at(this.settingsRowKey()), record);
  }

  /**
   * Notes a refused runner on the record, only while it still holds `fingerprint`: settings
   * accepted meanwhile are never overwritten (ETag-guarded).
   */
  async noteSettingsRefusal(fingerprint: string, refusedAt: string, reason: string): Promise<void> {
    await this.settings.changeExisting(this.at(this.settingsRowKey()), (record) =>
      record.fingerprint !== fingerprint
        ? undefined
        : { ...record, refusedAt, refusedReason: reason },
    );
  }

  private settingsRowKey(): string {
    return `${this.keys.rowKey}-settings`;
  }

  /** The ledger's rows, in the job table (src/storage/ledgerStore.ts). */
  ledger(): LedgerStore {
    return new LedgerStore(this.jobTable, this.keys);
  }

  chunkRowKey(seq: number): string {
    return `${this.keys.rowKey}-${chunkKey(seq)}`;
  }

  payloadRowKey(chunkSeq: number, index: number): string {
    return `${this.keys.rowKey}-${payloadKey(chunkSeq, index)}`;
  }

  async getChunk(seq: number): Promise<ChunkRecord | undefined> {
    return this.chunks.get(this.at(this.chunkRowKey(seq)));
  }

  /** Idempotent: an existing row with the same key is returned as it is. */
  async insertChunk(chunk: ChunkRecord): Promise<{ created: boolean; chunk: ChunkRecord }> {
    const result = await this.chunks.insertIfAbsent(this.at(this.chunkRowKey(chunk.seq)), chunk);
    return { created: result.created, chunk: result.record };
  }

  /** The mutator returns the new chunk, or undefined to leave it unchanged; no row, no call. */
  async changeChunk(
    seq: number,
    mutate: (chunk: ChunkRecord) => ChunkRecord | undefined,
  ): Promise<Change<ChunkRecord>> {
    return this.chunks.changeExisting(this.at(this.chunkRowKey(seq)), mutate);
  }

  async getPayload(chunkSeq: number, index: number): Promise<PayloadRecord | undefined> {
    return this.payloads.get(this.at(this.payloadRowKey(chunkSeq, index)));
  }

  async insertPayload(
    payload: PayloadRecord,
  ): Promise<{ created: boolean; payload: PayloadRecord }> {
    const result = await this.payloads.insertIfAbsent(
      this.at(this.payloadRowKey(payload.chunkSeq, payload.index)),
      payload,
    );
    return { created: result.created, payload: result.record };
  }

  /** The mutator returns the new payload, or undefined to leave it unchanged; no row, no call. */
  async changePayload(
    chunkSeq: number,
    index: number,
    mutate: (payload: PayloadRecord) => PayloadRecord | undefined,
  ): Promise<Change<PayloadRecord>> {
    return this.payloads.changeExisting(this.at(this.payloadRowKey(chunkSeq, index)), mutate);
  }

  /** Chunks with seq in [fromSeq, toSeq) and their payloads, in order, from one range query. */
  async listChunksWithPayloads(
    fromSeq: number,
    toSeq: number,
  ): Promise<{ chunks: ChunkRecord[]; payloads: PayloadRecord[] }> {
    const chunks: ChunkRecord[] = [];
    const payloads: PayloadRecord[] = [];
    if (toSeq <= fromSeq) return { chunks, payloads };
    const low = this.chunkRowKey(fromSeq);
    const high = this.chunkRowKey(toSeq);
    // A RowKey range, so a pass reads only the open chunks, not the whole history of the migration.
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      filter: odata`RowKey ge ${low} and RowKey lt ${high}`,
    })) {
      if (row.Kind === "payload") payloads.push(fromRow(PAYLOAD_ROW, row));
      else if (row.Kind === "chunk") chunks.push(fromRow(CHUNK_ROW, row));
    }
    return { chunks, payloads };
  }

  async listPayloads(chunkSeq: number): Promise<PayloadRecord[]> {
    const payloads: PayloadRecord[] = [];
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      rowKeyPrefix: `${this.chunkRowKey(chunkSeq)}-p`,
    })) {
      payloads.push(fromRow(PAYLOAD_ROW, row));
    }
    return payloads;
  }

  /** Every chunk ever planned, oldest first (status page, CLI status). */
  async *listAllChunks(): AsyncIterable<ChunkRecord> {
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      rowKeyPrefix: `${this.keys.rowKey}-`,
    })) {
      if (row.Kind === "chunk") yield fromRow(CHUNK_ROW, row);
    }
  }

  /**
   * A few columns of each chunk with seq in [fromSeq, toSeq), oldest first: what the status page
   * counts over every chunk, without reading the payload rows (the service skips them).
   */
  async *listChunkSummaries(fromSeq: number, toSeq: number): AsyncIterable<ChunkSummary> {
    if (toSeq <= fromSeq) return;
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      filter: odata`RowKey ge ${this.chunkRowKey(fromSeq)} and RowKey lt ${this.chunkRowKey(toSeq)} and Kind eq ${"chunk"}`,
      select: Object.values(CHUNK_SUMMARY_COLUMNS),
    })) {
      yield chunkSummaryFromRow(row);
    }
  }

  /** The lowest seq in [fromSeq, toSeq) of a chunk that ended at or after `since` (ISO), if any. */
  async firstChunkEndedSince(
    fromSeq: number,
    toSeq: number,
    since: string,
  ): Promise<number | undefined> {
    if (toSeq <= fromSeq) return undefined;
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      filter: odata`RowKey ge ${this.chunkRowKey(fromSeq)} and RowKey lt ${this.chunkRowKey(toSeq)} and Kind eq ${"chunk"} and EndTime ge ${since}`,
      select: [CHUNK_SUMMARY_COLUMNS.seq],
    })) {
      return chunkSummaryFromRow(row).seq;
    }
    return undefined;
  }

  /**
   * Of the chunks with seq in [fromSeq, toSeq) and their payloads, the rows that record a failure:
   * chunks and payloads with a failure reason, payloads with status Failed (the status page's
   * failure tables), oldest first.
   */
  async *listFailureRows(
    fromSeq: number,
    toSeq: number,
  ): AsyncIterable<{ chunk: ChunkRecord } | { payload: PayloadRecord }> {
    if (toSeq <= fromSeq) return;
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      filter: odata`RowKey ge ${this.chunkRowKey(fromSeq)} and RowKey lt ${this.chunkRowKey(toSeq)} and (FailureReason ne ${""} or (Kind eq ${"payload"} and ImportStatus eq ${"Failed"}))`,
    })) {
      if (row.Kind === "payload") yield { payload: fromRow(PAYLOAD_ROW, row) };
      else if (row.Kind === "chunk") yield { chunk: fromRow(CHUNK_ROW, row) };
    }
  }

  /**
   * The cursor's sealed totals moved to `toSeq` (every chunk below it processed), or undefined
   * when they are there already. `listed` holds the chunks from seen.firstUnprocessedSeq; chunks
   * below it not yet sealed (a cursor written before sealed totals existed) are read once, by
   * their totals' columns.
   */
  private async sealedThrough(
    seen: CursorRecord,
    listed: readonly ChunkRecord[],
    toSeq: number,
  ): Promise<SealedChunks | undefined> {
    const from = seen.sealed?.toSeq ?? 1;
    if (toSeq <= from) return undefined;
    let sealed = seen.sealed;
    const listedFrom = seen.firstUnprocessedSeq;
    for await (const c of this.listChunkSummaries(from, Math.min(toSeq, listedFrom)))
      sealed = addSealedChunks(sealed, [c], toSeq);
    const newly = listed.filter((c) => c.seq >= Math.max(from, listedFrom) && c.seq < toSeq);
    return addSealedChunks(sealed, newly, toSeq);
  }

  /**
   * Moves the watermark to the since of the oldest unprocessed chunk (or the frontier when all are
   * processed) and skips firstUnprocessedSeq past the processed prefix.
   */
  async advanceWatermark(): Promise<{ previous: string | undefined; cursor: CursorRecord }> {
    for (let attempt = 0; ; attempt++) {
      const seen = await this.getCursor();
      const { chunks } = await this.listChunksWithPayloads(seen.firstUnprocessedSeq, seen.nextSeq);
      const unprocessed = chunks.filter((c) => !c.processed);
      const watermark = computeWatermark(seen.frontier, unprocessed);
      const firstUnprocessedSeq = unprocessed[0]?.seq ?? seen.nextSeq;
      const sealed = await this.sealedThrough(seen, chunks, firstUnprocessedSeq);
      const replannedSince = (c: CursorRecord) =>
        c.nextSeq !== seen.nextSeq || c.frontier !== seen.frontier;
      const change = await this.changeCursor((c) => {
        // Chunks planned since our listing would be missed: list again instead.
        if (replannedSince(c)) return undefined;
        // Sealed by another runner meanwhile: its totals stand, ours would count chunks twice.
        const seal = (c.sealed?.toSeq ?? 1) === (seen.sealed?.toSeq ?? 1) ? sealed : undefined;
        if (
          watermark === c.watermark &&
          firstUnprocessedSeq === c.firstUnprocessedSeq &&
          seal === undefined
        )
          return undefined;
        const moved = watermark !== c.watermark;
        return {
          ...c,
          watermark,
          firstUnprocessedSeq: Math.max(c.firstUnprocessedSeq, firstUnprocessedSeq),
          lastProgressAt: moved ? new Date(this.now()).toISOString() : c.lastProgressAt,
          sealed: seal ?? c.sealed,
        };
      });
      // The mutator's last run read `before`: planning moved the cursor since our listing.
      const replanned =
        !change.written && change.before !== undefined && replannedSince(change.before);
      if (!replanned) return { previous: seen.watermark, cursor: change.after ?? emptyCursor() };
      if (attempt >= REPLAN_RETRIES)
        throw new Error("The watermark could not be advanced: planning kept changing the cursor");
    }
  }

  /** Isolation parts of refused resources (src/storage/isolationStore.ts). */
  isolation(): IsolationStore {
    return new IsolationStore(this.jobTable, this.keys.partitionKey);
  }
}

export function emptyCursor(): CursorRecord {
  return {
    watermark: undefined,
    frontier: undefined,
    nextSeq: 1,
    firstUnprocessedSeq: 1,
    consecutiveFailures: 0,
    halted: false,
    haltReason: undefined,
    searchParametersMigrated: false,
    searchParameterAttempts: 0,
    searchParameterFailure: undefined,
    resourcesImported: 0,
    resourcesFailed: 0,
    caughtUp: false,
    startedAt: undefined,
    startWatermark: undefined,
    lastProgressAt: undefined,
    reindexState: "none",
    reindexStatusUrl: undefined,
    reindexDetail: undefined,
  };
}
