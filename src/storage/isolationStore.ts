import type { IsolationPart, PartSource, PartStatus } from "../core/importIsolation";
import { chunkKey, payloadKey } from "../core/migrationState";
import { isConcurrencyConflictError } from "../errors";
import type { Change } from "./migrationStateStore";
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

/** How many times a read-modify-write retries after losing an ETag race before giving up. */
const CONFLICT_RETRIES = 8;

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

  /** Idempotent: an existing part with the same id is kept as it is. */
  async insert(chunkSeq: number, index: number, part: IsolationPart): Promise<void> {
    await this.table.insertIfAbsent(toRow(this.partition, chunkSeq, index, part));
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

  /** The mutator returns the new part, or undefined to leave it unchanged. */
  async update(
    chunkSeq: number,
    index: number,
    id: string,
    mutate: (part: IsolationPart) => IsolationPart | undefined,
  ): Promise<IsolationPart | undefined> {
    return (await this.change(chunkSeq, index, id, mutate)).after;
  }

  /**
   * update, answering what its last run decided (the mutator runs again after an ETag conflict):
   * whether it wrote, the part it read and the part it left.
   */
  async change(
    chunkSeq: number,
    index: number,
    id: string,
    mutate: (part: IsolationPart) => IsolationPart | undefined,
  ): Promise<Change<IsolationPart>> {
    const rowKey = `${payloadKey(chunkSeq, index)}-${id}`;
    for (let attempt = 0; ; attempt++) {
      const row = await this.table.get(this.partition, rowKey);
      if (row === undefined) return { written: false, before: undefined, after: undefined };
      const before = fromRow(row);
      const next = mutate(fromRow(row));
      if (next === undefined) return { written: false, before, after: before };
      try {
        const written = await this.table.update(
          { ...toRow(this.partition, chunkSeq, index, next), etag: row.etag },
          "Replace",
        );
        return { written: true, before, after: fromRow(written) };
      } catch (error) {
        if (!isConcurrencyConflictError(error) || attempt >= CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)));
      }
    }
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
>({
  constants: { Kind: "isolationPart" },
  columns: {
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
  },
});

function toRow(partition: string, chunkSeq: number, index: number, p: IsolationPart): TableRow {
  return toTableRow(ISOLATION_PART_ROW, partition, `${payloadKey(chunkSeq, index)}-${p.id}`, {
    ...p,
    chunkSeq,
    payloadIndex: index,
  });
}

function fromRow(row: Stored<TableRow> | TableRow): IsolationPart {
  const {
    chunkSeq: _chunkSeq,
    payloadIndex: _payloadIndex,
    ...part
  } = fromTableRow(ISOLATION_PART_ROW, row);
  return part;
}
