import type { LedgerEntry } from "../core/ledger";
import { isFinal, ledgerKey } from "../core/ledger";
import { chunkKey } from "../core/migrationState";
import { isConcurrencyConflictError } from "../errors";
import { LEDGER_MARKER_ROW, ledgerFromRow, ledgerToRow } from "./ledgerRows";
import { fromRow, toRow } from "./rowSpec";
import type { Change, StateKeys } from "./migrationStateStore";
import type { TableRepository, TableRow } from "./tableRepository";
import { odata } from "./tableRepository";

const CONFLICT_RETRIES = 8;
/** Row key suffix of the marker row: sorts after every entry key (digits). */
const MARKER = "~open";

/**
 * The ledger's rows in the job table, partition `{pk}-ledger` (job queries never scan them), and
 * a marker row naming the oldest entry that may still be open, so a pass reads only open entries.
 */
export class LedgerStore {
  private readonly partition: string;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.partition = `${keys.partitionKey}-ledger`;
  }

  private rowKey(since: string): string {
    return `${this.keys.rowKey}-${ledgerKey(since)}`;
  }

  /** Idempotent: the row already written for this start is returned as it is. */
  async insert(entry: LedgerEntry): Promise<{ created: boolean; entry: LedgerEntry }> {
    const result = await this.table.insertIfAbsent(
      ledgerToRow(this.partition, this.rowKey(entry.since), entry),
    );
    return { created: result.created, entry: ledgerFromRow(result.row) };
  }

  async get(since: string): Promise<LedgerEntry | undefined> {
    const row = await this.table.get(this.partition, this.rowKey(since));
    return row === undefined ? undefined : ledgerFromRow(row);
  }

  /** ETag-guarded read-modify-write; the mutator returns undefined to leave the row as it is. */
  async update(
    since: string,
    mutate: (entry: LedgerEntry) => LedgerEntry | undefined,
  ): Promise<LedgerEntry | undefined> {
    return (await this.change(since, mutate)).after;
  }

  /**
   * update, answering what its last run decided (the mutator runs again after an ETag conflict):
   * whether it wrote, the entry it read and the entry it left.
   */
  async change(
    since: string,
    mutate: (entry: LedgerEntry) => LedgerEntry | undefined,
  ): Promise<Change<LedgerEntry>> {
    const rowKey = this.rowKey(since);
    for (let attempt = 0; ; attempt++) {
      const row = await this.table.get(this.partition, rowKey);
      if (row === undefined) return { written: false, before: undefined, after: undefined };
      const before = ledgerFromRow(row);
      const next = mutate(ledgerFromRow(row));
      if (next === undefined) return { written: false, before, after: before };
      try {
        await this.table.update(
          { ...ledgerToRow(this.partition, rowKey, next), etag: row.etag },
          "Replace",
        );
        return { written: true, before, after: next };
      } catch (error) {
        if (!isConcurrencyConflictError(error) || attempt >= CONFLICT_RETRIES) throw error;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)));
      }
    }
  }

  /** Every entry, oldest first (status page, CLI, tests). */
  async *listAll(): AsyncIterable<LedgerEntry> {
    for await (const row of this.table.list(this.partition, {
      rowKeyPrefix: `${this.keys.rowKey}-`,
    })) {
      if (row.Kind === "ledger") yield ledgerFromRow(row);
    }
  }

  /**
   * Up to `limit` entries that are not final, oldest first, reading from the marker on; moves the
   * marker past the final entries in front of them, so the next read starts later.
   */
  async listOpen(limit: number): Promise<LedgerEntry[]> {
    const markerKey = `${this.keys.rowKey}-${MARKER}`;
    const marker = await this.table.get(this.partition, markerKey);
    const from =
      (marker === undefined ? undefined : fromRow(LEDGER_MARKER_ROW, marker).openFrom) ??
      `${this.keys.rowKey}-`;
    const open: LedgerEntry[] = [];
    let firstOpenKey: string | undefined;
    let lastKey: string | undefined;
    for await (const row of this.table.list(this.partition, {
      filter: odata`RowKey ge ${from} and RowKey lt ${markerKey}`,
    })) {
      if (row.Kind !== "ledger") continue;
      const entry = ledgerFromRow(row);
      lastKey = row.rowKey;
      if (isFinal(entry.status)) continue;
      firstOpenKey ??= row.rowKey;
      open.push(entry);
      if (open.length >= limit) break;
    }
    // Everything before the first open entry (or, when none is open, up to the last one read) is final.
    const next = firstOpenKey ?? lastKey;
    if (next !== undefined && next > from) {
      await this.table.upsert(
        toRow(LEDGER_MARKER_ROW, this.partition, markerKey, { openFrom: next }),
      );
    }
    return open;
  }

  /** Up to `limit` entries from the one starting at `since` on, in order (any status). */
  async listFrom(since: string, limit: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    const markerKey = `${this.keys.rowKey}-${MARKER}`;
    for await (const row of this.table.list(this.partition, {
      filter: odata`RowKey ge ${this.rowKey(since)} and RowKey lt ${markerKey}`,
    })) {
      if (row.Kind !== "ledger") continue;
      entries.push(ledgerFromRow(row));
      if (entries.length >= limit) break;
    }
    return entries;
  }

  /** Failed-resource rows of the given chunks (import and export errors), per resource type. */
  async failedByType(chunkSeqs: readonly number[]): Promise<Map<string, number>> {
    const byType = new Map<string, number>();
    for (const seq of chunkSeqs) {
      for await (const row of this.table.list(`${this.keys.partitionKey}-failed`, {
        rowKeyPrefix: `${chunkKey(seq)}-p`,
      })) {
        const type = String(row.ResourceType);
        byType.set(type, (byType.get(type) ?? 0) + 1);
      }
    }
    return byType;
  }
}
