import type { IsolationPart, PartSource, PartStatus } from "../core/importIsolation";
import { chunkKey, payloadKey } from "../core/migrationState";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, rowCodec } from "./rowStore";
import type { Stored, TableRepository, TableRow } from "./tableRepository";
import {
  count,
  custom,
  fromRow as fromTableRow,
  json,
  optionalText,
  requiredText,
  rowKind,
  toRow as toTableRow,
  word,
} from "./rowSpec";

/**
 * Isolation parts (src/core/importIsolation.ts), one row each in the job table's partition
 * `{pk}-isolation`, row key `{chunk}-p{n}-{partId}`: one prefix query lists a payload's parts, or a
 * window's (the budget is per window). Every update is ETag-guarded like the other state rows.
 */
export class IsolationStore {
  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly partitionKey: string,
  ) {}

  private get partition(): string {
    return `${this.partitionKey}-isolation`;
  }

  /** A payload's parts (the row holds the payload's window and index beside the part). */
  private parts(chunkSeq: number, index: number): RowStore<IsolationPart> {
    return new RowStore(
      this.table,
      rowCodec(
        (partitionKey, rowKey, part) =>
          toTableRow(ISOLATION_PART_ROW, partitionKey, rowKey, {
            ...part,
            chunkSeq,
            payloadIndex: index,
          }),
        fromRow,
      ),
    );
  }

  private at(chunkSeq: number, index: number, id: string): RowAddress {
    return { partitionKey: this.partition, rowKey: `${payloadKey(chunkSeq, index)}-${id}` };
  }

  /** Idempotent: an existing part with the same id is kept as it is. */
  async insert(chunkSeq: number, index: number, part: IsolationPart): Promise<void> {
    await this.parts(chunkSeq, index).insertIfAbsent(this.at(chunkSeq, index, part.id), part);
  }

  async list(chunkSeq: number, index: number): Promise<IsolationPart[]> {
    return this.listPrefix(`${payloadKey(chunkSeq, index)}-`);
  }

  /** Deletes every part of a payload (a diagnosis that ended by blaming the service). */
  async removePayload(chunkSeq: number, index: number): Promise<void> {
    const prefix = `${payloadKey(chunkSeq, index)}-`;
    const keys: string[] = [];
    for await (const row of this.table.list(this.partition, { rowKeyPrefix: prefix }))
      keys.push(row.rowKey);
    for (const rowKey of keys) await this.table.delete(this.partition, rowKey);
  }

  /** Every part of a window (all its payloads). */
  async listWindow(chunkSeq: number): Promise<IsolationPart[]> {
    return this.listPrefix(`${chunkKey(chunkSeq)}-p`);
  }

  /**
   * The mutator returns the new part, or undefined to leave it unchanged (it runs again after a
   * conflict). Answers whether it wrote, the part it read and the part it left.
   */
  async change(
    chunkSeq: number,
    index: number,
    id: string,
    mutate: (part: IsolationPart) => IsolationPart | undefined,
  ): Promise<Change<IsolationPart>> {
    return this.parts(chunkSeq, index).changeExisting(this.at(chunkSeq, index, id), mutate);
  }

  private async listPrefix(prefix: string): Promise<IsolationPart[]> {
    const parts: IsolationPart[] = [];
    for await (const row of this.table.list(this.partition, { rowKeyPrefix: prefix }))
      parts.push(fromRow(row));
    return parts;
  }
}

/** An isolation part's row: the part, and the payload it belongs to. */
export const ISOLATION_PART_ROW = rowKind<
  IsolationPart & { chunkSeq: number; payloadIndex: number }
>("isolationPart", {
  id: requiredText("PartId"),
  chunkSeq: custom<number>("ChunkId", chunkKey, Number),
  payloadIndex: count("PayloadIndex"),
  source: json<PartSource>("Source"),
  status: word<PartStatus>("Status"),
  statusUrl: optionalText("StatusUrl"),
  attempts: count("Attempts"),
  importedCount: count("ImportedCount"),
  failedCount: count("FailedCount"),
  reason: optionalText("Reason", { max: 4000 }),
  startTime: optionalText("StartTime"),
  endTime: optionalText("EndTime"),
});

function fromRow(row: Stored<TableRow> | TableRow): IsolationPart {
  const {
    chunkSeq: _chunkSeq,
    payloadIndex: _payloadIndex,
    ...part
  } = fromTableRow(ISOLATION_PART_ROW, row);
  return part;
}
