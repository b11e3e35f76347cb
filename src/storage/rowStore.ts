import { isConcurrencyConflictError } from "../errors";
import type { RowKind } from "./rowSpec";
import { fromRow, toRow } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";

/** What an ETag-guarded change decided: whether it wrote, the record it read and the one it left. */
export interface Change<T> {
  written: boolean;
  before: T | undefined;
  after: T | undefined;
}

/** Where one row lives. */
export interface RowAddress {
  partitionKey: string;
  rowKey: string;
}

/** How a record is written to its row and read back (a row kind, or a kind wrapped with extras). */
export interface RowCodec<R> {
  toRow(at: RowAddress, record: R): TableRow;
  fromRow(row: TableRow): R;
}

/** The codec of a row kind whose record is the row's fields as they are. */
export function kindCodec<R>(kind: RowKind<R>): RowCodec<R> {
  return rowCodec(
    (pk, rk, record) => toRow(kind, pk, rk, record),
    (row) => fromRow(kind, row),
  );
}

/** The codec of a kind with its own serializer pair (a record wrapped, or given extra columns). */
export function rowCodec<R>(
  write: (partitionKey: string, rowKey: string, record: R) => TableRow,
  read: (row: TableRow) => R,
): RowCodec<R> {
  return { toRow: (at, record) => write(at.partitionKey, at.rowKey, record), fromRow: read };
}

/**
 * The one row of a kind the state holds at a fixed address (the cutover, the last full proof): read
 * and changed without naming the address again.
 */
export class StoredRow<R> {
  constructor(
    private readonly rows: RowStore<R>,
    readonly at: RowAddress,
  ) {}

  async get(): Promise<R | undefined> {
    return this.rows.get(this.at);
  }

  /** ETag-guarded; the decision returns the new record, or undefined to leave it unchanged. */
  async change(decide: (current: R | undefined) => R | undefined): Promise<Change<R>> {
    return this.rows.change(this.at, decide);
  }
}

/** How many times a change retries after losing an ETag race before giving up. */
const CONFLICT_RETRIES = 8;

/**
 * The rows of one kind in one table, and the one read → decide → ETag-write loop every state row
 * is changed by: a concurrent writer makes the loser re-read and re-decide (the decision sees fresh
 * state), never overwrite. Callers read what the last run decided from the Change it answers, not
 * from flags their decision set (it runs again after a conflict).
 */
export class RowStore<R> {
  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly codec: RowCodec<R>,
  ) {}

  async get(at: RowAddress): Promise<R | undefined> {
    const row = await this.table.get(at.partitionKey, at.rowKey);
    return row === undefined ? undefined : this.codec.fromRow(row);
  }

  /** Idempotent: the record already stored under this address is returned as it is. */
  async insertIfAbsent(at: RowAddress, record: R): Promise<{ created: boolean; record: R }> {
    const result = await this.table.insertIfAbsent(this.codec.toRow(at, record));
    return { created: result.created, record: this.codec.fromRow(result.row) };
  }

  /** Writes the record whatever the row holds (a row no other writer changes). */
  async put(at: RowAddress, record: R): Promise<void> {
    await this.table.upsert(this.codec.toRow(at, record), "Replace");
  }

  /**
   * Changes the row: `decide` gets the record stored (undefined when there is no row) and returns
   * the record to write, inserted when there was no row, or undefined to leave things as they are.
   */
  async change(
    at: RowAddress,
    decide: (current: R | undefined) => R | undefined,
  ): Promise<Change<R>> {
    for (let attempt = 0; ; attempt++) {
      const row = await this.table.get(at.partitionKey, at.rowKey);
      const before = row === undefined ? undefined : this.codec.fromRow(row);
      // Decoded again: a decision that edits what it is given leaves `before` as it was read.
      const next = decide(row === undefined ? undefined : this.codec.fromRow(row));
      if (next === undefined) return { written: false, before, after: before };
      const wanted = this.codec.toRow(at, next);
      try {
        const written =
          row === undefined
            ? await this.table.insert(wanted)
            : await this.table.update({ ...wanted, etag: row.etag }, "Replace");
        return { written: true, before, after: this.codec.fromRow(written) };
      } catch (error) {
        if (!isConcurrencyConflictError(error) || attempt >= CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)));
      }
    }
  }

  /** change of a row that must exist: no row, nothing decided or written. */
  async changeExisting(at: RowAddress, decide: (current: R) => R | undefined): Promise<Change<R>> {
    return this.change(at, (current) => (current === undefined ? undefined : decide(current)));
  }
}
