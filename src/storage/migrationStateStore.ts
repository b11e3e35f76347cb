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
import type { CheckSummary } from "../verify/runSummary";
import type { LatestRunRecord } from "./checkSummaryRows";
import {
  LATEST_RUN_KEY,
  LATEST_RUN_ROW,
  checkSummaryFromRow,
  checkSummaryToRow,
} from "./checkSummaryRows";
import { LedgerStore } from "./ledgerStore";
import type { ChunkSummary } from "./migrationRows";
import {
  CHUNK_SUMMARY_COLUMNS,
  chunkFromRow,
  chunkSummaryFromRow,
  chunkToRow,
  cursorFromRow,
  cursorToRow,
  payloadFromRow,
  payloadToRow,
} from "./migrationRows";
import type { TableRepository, TableRow } from "./tableRepository";
import { IsolationStore } from "./isolationStore";
import { custom, fromRow, json, optionalText, requiredText, rowKind, toRow, word } from "./rowSpec";
import { odata } from "./tableRepository";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec, rowCodec } from "./rowStore";

export interface FailedResourceRecord {
  chunkSeq: number;
  payloadIndex: number;
  resourceType: string;
  id: string;
  reason: string;
  inputUrl: string;
  /** Set for a resource found by isolation (src/core/importIsolation.ts). */
  isolated?: {
    version: string | undefined;
    /** 1-based non-empty line of inputUrl (the original export file). */
    line: number;
    since: string;
    till: string;
    /** Row key suffix: one row per isolated resource, written again after a crash without a copy. */
    partId: string;
  };
}

/** What the status page groups failed resources by (listFailedResourceReasons). */
export type FailedResourceReason = Pick<
  FailedResourceRecord,
  "chunkSeq" | "resourceType" | "id" | "reason"
>;

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
export const SETTINGS_ROW = rowKind<SettingsRecord>({
  constants: { Kind: "settings" },
  columns: {
    fingerprint: requiredText("Fingerprint"),
    values: json<Record<string, string>>("SettingValues", { fallback: {} }),
    recordedAt: requiredText("RecordedAt"),
    acceptedFromFrontier: optionalText("AcceptedFromFrontier"),
    previousValues: json<Record<string, string> | undefined>("PreviousValues", {
      fallback: undefined,
    }),
    refusedAt: optionalText("RefusedAt"),
    refusedReason: optionalText("RefusedReason", { max: 30000 }),
  },
});

export interface CheckResultRecord {
  runId: string;
  kind: "surface" | "deep" | "reconcile" | "full";
  resourceType: string;
  key: string;
  result: string;
  details: string;
}

/** A resource the destination refused, partition `{pk}-failed` of the job table. */
export const FAILED_RESOURCE_ROW = rowKind<FailedResourceRecord>({
  constants: { Kind: "failedResource" },
  columns: {
    chunkSeq: custom<number>("ChunkId", chunkKey, Number),
    payloadIndex: custom<number>("PayloadIndex", (index) => index, Number),
    resourceType: requiredText("ResourceType"),
    id: requiredText("ResourceId"),
    // Reasons quote servers: cleaned where they enter the table (toRow), then cut.
    reason: custom<string>("Reason", (reason) => reason.slice(0, 4000), String),
    inputUrl: requiredText("InputUrl"),
    isolated: {
      names: ["ResourceVersion", "Line", "WindowSince", "WindowTill", "PartId"],
      writeCells: (iso): Record<string, string | number> =>
        iso === undefined
          ? {}
          : {
              ResourceVersion: iso.version ?? "",
              Line: iso.line,
              WindowSince: iso.since,
              WindowTill: iso.till,
              PartId: iso.partId,
            },
      readRow: (row) =>
        row.PartId === undefined
          ? undefined
          : {
              version: row.ResourceVersion === "" ? undefined : String(row.ResourceVersion),
              line: Number(row.Line),
              since: String(row.WindowSince),
              till: String(row.WindowTill),
              partId: String(row.PartId),
            },
      omitWhenAbsent: true,
    },
  },
});

/** A verification check's row, partition `{pk}-checks` of the job table. */
export const CHECK_ROW = rowKind<CheckResultRecord>({
  constants: { Kind: "check" },
  columns: {
    runId: requiredText("RunId"),
    kind: word<CheckResultRecord["kind"]>("CheckKind"),
    resourceType: requiredText("Resource"),
    key: requiredText("Key"),
    result: requiredText("Result"),
    // Details quote servers: cleaned where they enter the table (toRow), then cut.
    details: custom<string>(
      "Details",
      (details) => details.slice(0, 30000),
      (cell) => (typeof cell === "string" ? cell : ""),
    ),
  },
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
export class MigrationStateStore {
  private readonly cursors: RowStore<CursorRecord>;
  private readonly settings: RowStore<SettingsRecord>;
  private readonly cutovers: RowStore<CutoverRecord>;
  private readonly fullProofs: RowStore<FullProofRecord>;
  private readonly chunks: RowStore<ChunkRecord>;
  private readonly payloads: RowStore<PayloadRecord>;
  private readonly latestRuns: RowStore<LatestRunRecord>;

  constructor(
    private readonly cursorTable: TableRepository<TableRow>,
    private readonly jobTable: TableRepository<TableRow>,
    private readonly keys: StateKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.cursors = new RowStore(cursorTable, {
      toRow: (at, cursor) => cursorToRow(at, cursor),
      fromRow: cursorFromRow,
    });
    this.settings = new RowStore(cursorTable, kindCodec(SETTINGS_ROW));
    this.cutovers = new RowStore(cursorTable, rowCodec(cutoverToRow, cutoverFromRow));
    this.fullProofs = new RowStore(cursorTable, rowCodec(fullProofToRow, fullProofFromRow));
    this.chunks = new RowStore(jobTable, rowCodec(chunkToRow, chunkFromRow));
    this.payloads = new RowStore(jobTable, rowCodec(payloadToRow, payloadFromRow));
    this.latestRuns = new RowStore(jobTable, kindCodec(LATEST_RUN_ROW));
  }

  /** A row of the state's partition. */
  private at(rowKey: string): RowAddress {
    return { partitionKey: this.keys.partitionKey, rowKey };
  }

  async ensure(): Promise<void> {
    await this.cursorTable.ensureTable();
    await this.jobTable.ensureTable();
    await this.cursorTable.insertIfAbsent(cursorToRow(this.keys, emptyCursor()));
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

  /** The cutover operation's row (src/core/cutover.ts): `{rowKey}-cutover` in the cursor table. */
  async getCutover(): Promise<CutoverRecord | undefined> {
    return this.cutovers.get(this.at(`${this.keys.rowKey}-cutover`));
  }

  /** ETag-guarded; the mutator returns the new record, or undefined to leave it unchanged. */
  async updateCutover(
    mutate: (record: CutoverRecord | undefined) => CutoverRecord | undefined,
  ): Promise<CutoverRecord | undefined> {
    return (await this.cutovers.change(this.at(`${this.keys.rowKey}-cutover`), mutate)).after;
  }

  /** The last full proof's row (src/core/fullProof.ts): `{rowKey}-fullproof` in the cursor table. */
  async getFullProof(): Promise<FullProofRecord | undefined> {
    return this.fullProofs.get(this.at(`${this.keys.rowKey}-fullproof`));
  }

  /** ETag-guarded; the mutator returns the new record, or undefined to leave it unchanged. */
  async updateFullProof(
    mutate: (record: FullProofRecord | undefined) => FullProofRecord | undefined,
  ): Promise<FullProofRecord | undefined> {
    return (await this.fullProofs.change(this.at(`${this.keys.rowKey}-fullproof`), mutate)).after;
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
      if (row.Kind === "payload") payloads.push(payloadFromRow(row));
      else if (row.Kind === "chunk") chunks.push(chunkFromRow(row));
    }
    return { chunks, payloads };
  }

  async listPayloads(chunkSeq: number): Promise<PayloadRecord[]> {
    const payloads: PayloadRecord[] = [];
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      rowKeyPrefix: `${this.chunkRowKey(chunkSeq)}-p`,
    })) {
      payloads.push(payloadFromRow(row));
    }
    return payloads;
  }

  /** Every chunk ever planned, oldest first (status page, CLI status). */
  async *listAllChunks(): AsyncIterable<ChunkRecord> {
    for await (const row of this.jobTable.list(this.keys.partitionKey, {
      rowKeyPrefix: `${this.keys.rowKey}-`,
    })) {
      if (row.Kind === "chunk") yield chunkFromRow(row);
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
      if (row.Kind === "payload") yield { payload: payloadFromRow(row) };
      else if (row.Kind === "chunk") yield { chunk: chunkFromRow(row) };
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

  /** `tag` keeps rows recorded by another step for the same payload (window checks) apart. */
  async recordFailedResources(records: readonly FailedResourceRecord[], tag = ""): Promise<void> {
    for (const [n, r] of records.entries()) {
      const iso = r.isolated;
      await this.jobTable.upsert(
        toRow(
          FAILED_RESOURCE_ROW,
          `${this.keys.partitionKey}-failed`,
          `${payloadKey(r.chunkSeq, r.payloadIndex)}-${iso === undefined ? `${tag}${String(n).padStart(6, "0")}` : `i-${iso.partId}`}`,
          r,
        ),
      );
    }
  }

  /** The failed-resource rows' type, id, reason and chunk only: what the status page groups. */
  async *listFailedResourceReasons(): AsyncIterable<FailedResourceReason> {
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-failed`, {
      select: ["ChunkId", "ResourceType", "ResourceId", "Reason"],
    })) {
      yield {
        chunkSeq: Number(row.ChunkId),
        resourceType: String(row.ResourceType),
        id: String(row.ResourceId),
        reason: String(row.Reason),
      };
    }
  }

  async *listFailedResources(): AsyncIterable<FailedResourceRecord> {
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-failed`)) {
      yield fromRow(FAILED_RESOURCE_ROW, row);
    }
  }

  async recordCheckResult(record: CheckResultRecord): Promise<void> {
    await this.jobTable.upsert(
      toRow(CHECK_ROW, `${this.keys.partitionKey}-checks`, this.checkRowKey(record), record),
    );
  }

  private checkRowKey(r: Pick<CheckResultRecord, "runId" | "kind" | "resourceType" | "key">) {
    return `${r.runId}-${r.kind}-${r.resourceType}-${r.key}`.slice(0, 900);
  }

  /** One check row, or undefined (the full check resumes from the unit rows a run wrote). */
  async getCheckResult(
    record: Pick<CheckResultRecord, "runId" | "kind" | "resourceType" | "key">,
  ): Promise<CheckResultRecord | undefined> {
    const row = await this.jobTable.get(
      `${this.keys.partitionKey}-checks`,
      this.checkRowKey(record),
    );
    if (row === undefined || row.RunId !== record.runId) return undefined;
    const { result, details } = fromRow(CHECK_ROW, row);
    return { ...record, result, details };
  }

  /** Every check row of one run (surface, deep and reconcile), in row-key order. */
  async *listCheckResults(runId: string): AsyncIterable<CheckResultRecord> {
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-checks`, {
      rowKeyPrefix: `${runId}-`,
    })) {
      if (row.RunId !== runId) continue;
      yield fromRow(CHECK_ROW, row);
    }
  }

  /** Check rows of one check of one run, in row-key order (the status reads the surface rows). */
  async *listRunCheckResults(
    runId: string,
    kind: CheckResultRecord["kind"],
  ): AsyncIterable<CheckResultRecord> {
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-checks`, {
      rowKeyPrefix: `${runId}-${kind}-`,
    })) {
      if (row.RunId !== runId) continue;
      yield fromRow(CHECK_ROW, row);
    }
  }

  /**
   * Every check row of every run (cleanup finds the runs whose samples it lists). The status never
   * reads this: it reads the runs' summary rows.
   */
  async *listAllCheckResults(): AsyncIterable<CheckResultRecord> {
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-checks`)) {
      yield fromRow(CHECK_ROW, row);
    }
  }

  /**
   * Records a verification run as started: the latest-run row (`{pk}-runs` / `~latest`) names the run
   * id that sorts last and counts the runs registered. Resuming a run changes nothing.
   */
  async registerVerificationRun(runId: string): Promise<void> {
    await this.latestRuns.change(
      { partitionKey: `${this.keys.partitionKey}-runs`, rowKey: LATEST_RUN_KEY },
      (latest) =>
        latest !== undefined && latest.runId >= runId
          ? undefined
          : { runId, runs: (latest?.runs ?? 0) + 1 },
    );
  }

  /** The latest run (the id that sorts last) and how many runs registered; undefined before any. */
  async getLatestVerificationRun(): Promise<LatestRunRecord | undefined> {
    return this.latestRuns.get({
      partitionKey: `${this.keys.partitionKey}-runs`,
      rowKey: LATEST_RUN_KEY,
    });
  }

  /** Writes one check's summary of one run (one writer per run and check: its orchestration). */
  async recordCheckSummary(summary: CheckSummary): Promise<void> {
    await this.jobTable.upsert(
      checkSummaryToRow(`${this.keys.partitionKey}-runs`, summary),
      "Replace",
    );
  }

  /** The check summaries of one run (at most one per check). */
  async listCheckSummaries(runId: string): Promise<CheckSummary[]> {
    const summaries: CheckSummary[] = [];
    for await (const row of this.jobTable.list(`${this.keys.partitionKey}-runs`, {
      rowKeyPrefix: `${runId}-`,
    })) {
      if (row.RunId === runId && row.Kind === "checkSummary")
        summaries.push(checkSummaryFromRow(row));
    }
    return summaries;
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
