import type { PayloadRecord } from "../core/migrationState";
import type { StateKeys } from "./cursorStore";
import { PAYLOAD_ROW, chunkRowKey, payloadRowKey } from "./migrationRows";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec } from "./rowStore";
import { fromRow } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";

/**
 * The import payload rows of the job table, row key `{rowKey}-{seq:8}-p{n:4}` in the state's
 * partition: right after their chunk's row (src/storage/chunkStore.ts lists both in one range).
 */
export class PayloadStore {
  private readonly rows: RowStore<PayloadRecord>;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.rows = new RowStore(table, kindCodec(PAYLOAD_ROW));
  }

  private at(chunkSeq: number, index: number): RowAddress {
    return {
      partitionKey: this.keys.partitionKey,
      rowKey: payloadRowKey(this.keys, chunkSeq, index),
    };
  }

  async getPayload(chunkSeq: number, index: number): Promise<PayloadRecord | undefined> {
    return this.rows.get(this.at(chunkSeq, index));
  }

  /** Idempotent: an existing row with the same key is returned as it is. */
  async insertPayload(
    payload: PayloadRecord,
  ): Promise<{ created: boolean; payload: PayloadRecord }> {
    const result = await this.rows.insertIfAbsent(
      this.at(payload.chunkSeq, payload.index),
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
    return this.rows.changeExisting(this.at(chunkSeq, index), mutate);
  }

  /** A chunk's payloads, in order. */
  async listPayloads(chunkSeq: number): Promise<PayloadRecord[]> {
    const payloads: PayloadRecord[] = [];
    for await (const row of this.table.list(this.keys.partitionKey, {
      rowKeyPrefix: `${chunkRowKey(this.keys, chunkSeq)}-p`,
    })) {
      payloads.push(fromRow(PAYLOAD_ROW, row));
    }
    return payloads;
  }
}
