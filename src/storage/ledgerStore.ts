import type { LedgerEntry } from "../core/ledger";
import { isFinal, ledgerKey } from "../core/ledger";
import { chunkKey } from "../core/migrationState";
import { LEDGER_MARKER_ROW, ledgerFromRow, ledgerToRow } from "./ledgerRows";
import { fromRow, toRow } from "./rowSpec";
import type { StateKeys } from "./migrationStateStore";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, rowCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";
import { odata } from "./tableRepository";

/** Row key suffix of the marker row: sorts after every entry key (digits). */
const MARKER = "~open";

/**
 * The ledger's rows in the job table, partition `{pk}-ledger` (job queries never scan them), and
 * a marker row naming the oldest entry that may still be open, so a pass reads only open entries.
 */
export class LedgerStore {
  private readonly partition: string;
  private readonly entries: RowStore<LedgerEntry>;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.partition = `${keys.partitionKey}-ledger`;
    this.entries = new RowStore(table, rowCodec(ledgerToRow, ledgerFromRow));
  }

  private rowKey(since: string): string {
    return `${this.keys.rowKey}-${ledgerKey(since)}`;
  }

  private at(since: string): RowAddress {
    return { partitionKey: this.partition, rowKey: this.rowKey(since) };
  }

  /** Idempotent: the row already written for this start is returned as it is. */
  async insert(entry: LedgerEntry): Promise<{ created: boolean; entry: LedgerEntry }> {
    const result = await this.entries.insertIfAbsent(this.at(entry.since), entry);
    return { created: result.created, entry: result.record };
  }

  async get(since: string): Promise<LedgerEntry | undefined> {
    return this.entries.get(this.at(since));
  }

  /**
   * ETag-guarded read-modify-write: the mutator returns the new entry, or undefined to leave the row
   * as it is (it runs again after a conflict). Answers whether it wrote, the entry it read and the
   * entry it left.
   */
  async change(
    since: string,
    mutate: (entry: LedgerEntry) => LedgerEntry | undefined,
  ): Promise<Change<LedgerEntry>> {
    return this.entries.changeExisting(this.at(since), mutate);
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
