import type { ChunkRecord, PayloadRecord } from "../core/migrationState";
import type { StateKeys } from "./cursorStore";
import type { ChunkSummary } from "./migrationRows";
import {
  CHUNK_ROW,
  CHUNK_SUMMARY_COLUMNS,
  PAYLOAD_ROW,
  chunkRowKey,
  chunkSummaryFromRow,
} from "./migrationRows";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec } from "./rowStore";
import { fromRow } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";
import { odata } from "./tableRepository";

/**
 * The chunk rows of the job table, row key `{rowKey}-{seq:8}` in the state's partition, and the
 * range queries over chunk seqs. A chunk's payload rows sort right after it, so a range lists both
 * (the payload store, src/storage/payloadStore.ts, reads and writes them one by one).
 */
export class ChunkStore {
  private readonly rows: RowStore<ChunkRecord>;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.rows = new RowStore(table, kindCodec(CHUNK_ROW));
  }

  private at(seq: number): RowAddress {
    return { partitionKey: this.keys.partitionKey, rowKey: chunkRowKey(this.keys, seq) };
  }

  /** The filter of the rows (chunks and their payloads) with a chunk seq in [fromSeq, toSeq). */
  private seqRange(fromSeq: number, toSeq: number): string {
    return odata`RowKey ge ${chunkRowKey(this.keys, fromSeq)} and RowKey lt ${chunkRowKey(this.keys, toSeq)}`;
  }

  async getChunk(seq: number): Promise<ChunkRecord | undefined> {
    return this.rows.get(this.at(seq));
  }

  /** Idempotent: an existing row with the same key is returned as it is. */
  async insertChunk(chunk: ChunkRecord): Promise<{ created: boolean; chunk: ChunkRecord }> {
    const result = await this.rows.insertIfAbsent(this.at(chunk.seq), chunk);
    return { created: result.created, chunk: result.record };
  }

  /** The mutator returns the new chunk, or undefined to leave it unchanged; no row, no call. */
  async changeChunk(
    seq: number,
    mutate: (chunk: ChunkRecord) => ChunkRecord | undefined,
  ): Promise<Change<ChunkRecord>> {
    return this.rows.changeExisting(this.at(seq), mutate);
  }

  /** Chunks with seq in [fromSeq, toSeq) and their payloads, in order, from one range query. */
  async listChunksWithPayloads(
    fromSeq: number,
    toSeq: number,
  ): Promise<{ chunks: ChunkRecord[]; payloads: PayloadRecord[] }> {
    const chunks: ChunkRecord[] = [];
    const payloads: PayloadRecord[] = [];
    if (toSeq <= fromSeq) return { chunks, payloads };
    // A RowKey range, so a pass reads only the open chunks, not the whole history of the migration.
    for await (const row of this.table.list(this.keys.partitionKey, {
      filter: this.seqRange(fromSeq, toSeq),
    })) {
      if (row.Kind === "payload") payloads.push(fromRow(PAYLOAD_ROW, row));
      else if (row.Kind === "chunk") chunks.push(fromRow(CHUNK_ROW, row));
    }
    return { chunks, payloads };
  }

  /** Every chunk ever planned, oldest first (status page, CLI status). */
  async *listAllChunks(): AsyncIterable<ChunkRecord> {
    for await (const row of this.table.list(this.keys.partitionKey, {
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
    for await (const row of this.table.list(this.keys.partitionKey, {
      filter: this.seqRange(fromSeq, toSeq) + odata` and Kind eq ${"chunk"}`,
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
    for await (const row of this.table.list(this.keys.partitionKey, {
      filter:
        this.seqRange(fromSeq, toSeq) + odata` and Kind eq ${"chunk"} and EndTime ge ${since}`,
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
    for await (const row of this.table.list(this.keys.partitionKey, {
      filter:
        this.seqRange(fromSeq, toSeq) +
        odata` and (FailureReason ne ${""} or (Kind eq ${"payload"} and ImportStatus eq ${"Failed"}))`,
    })) {
      if (row.Kind === "payload") yield { payload: fromRow(PAYLOAD_ROW, row) };
      else if (row.Kind === "chunk") yield { chunk: fromRow(CHUNK_ROW, row) };
    }
  }
}
