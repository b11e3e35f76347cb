import type { LedgerEntry } from "../core/ledger";
import { isFinal, ledgerKey } from "../core/ledger";
import type { LedgerSeal } from "../core/ledgerSeal";
import {
  EMPTY_SEAL,
  MAX_SEAL_EXCEPTIONS,
  advanceSeal,
  foldReconciledExceptions,
  sealAllowsChange,
} from "../core/ledgerSeal";
import { chunkKey } from "../core/migrationState";
import { LEDGER_MARKER_ROW, LEDGER_SEAL_ROW, ledgerFromRow, ledgerToRow } from "./ledgerRows";
import { fromRow, toRow } from "./rowSpec";
import type { StateKeys } from "./migrationStateStore";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec, rowCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";
import { odata } from "./tableRepository";

/** Row key suffix of the marker row: sorts after every entry key (digits). */
const MARKER = "~open";
/** Row key suffix of the seal row (src/core/ledgerSeal.ts): after every entry key too. */
const SEAL = "~seal";
/** Entries read per seal advance, at most (a long backlog is sealed over several passes). */
const SEAL_READ_LIMIT = 1_000;

/** A write would change an entry whose totals the seal holds: refused, the totals stay exact. */
export class LedgerEntrySealedError extends Error {
  override readonly name = "LedgerEntrySealedError";
}

/**
 * The ledger's rows in the job table, partition `{pk}-ledger` (job queries never scan them), and
 * a marker row naming the oldest entry that may still be open, so a pass reads only open entries.
 */
export class LedgerStore {
  private readonly partition: string;
  private readonly entries: RowStore<LedgerEntry>;
  private readonly seals: RowStore<LedgerSeal>;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.partition = `${keys.partitionKey}-ledger`;
    this.entries = new RowStore(table, rowCodec(ledgerToRow, ledgerFromRow));
    this.seals = new RowStore(table, kindCodec(LEDGER_SEAL_ROW));
  }

  private get sealAt(): RowAddress {
    return { partitionKey: this.partition, rowKey: `${this.keys.rowKey}-${SEAL}` };
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
    // Writes to final entries are rare (the cutover's recount of an unreconciled one): only they
    // read the seal, and one it covers changes only as the seal allows.
    let final = false;
    const first = await this.entries.changeExisting(this.at(since), (e) => {
      final = isFinal(e.status);
      return final ? undefined : mutate(e);
    });
    if (!final) return first;
    const seal = await this.seal();
    return this.entries.changeExisting(this.at(since), (e) => {
      const next = mutate(e);
      if (next !== undefined && !sealAllowsChange(seal, e, next)) {
        throw new LedgerEntrySealedError(
          `The ledger entry [${e.since}, ${e.till}) is ${e.status} and sealed into the ledger's totals (up to ${seal.till ?? "-"}); it cannot change to ${next.status} [${next.since}, ${next.till}).`,
        );
      }
      return next;
    });
  }

  /** The sealed prefix's totals (EMPTY_SEAL before anything is sealed). */
  async seal(): Promise<LedgerSeal> {
    return (await this.seals.get(this.sealAt)) ?? EMPTY_SEAL;
  }

  /**
   * Moves the seal over the final entries after it (src/core/ledgerSeal.ts says which may join),
   * reading at most SEAL_READ_LIMIT of them. Exceptions reconciled since are folded in when the
   * list is full (the seal waits on it), or as the recount reconciles them (foldException).
   */
  async advanceSeal(frontier: string | undefined): Promise<LedgerSeal> {
    const seen = await this.seal();
    const refreshed =
      seen.exceptions.length < MAX_SEAL_EXCEPTIONS
        ? seen
        : foldReconciledExceptions(seen, await this.getMany(seen.exceptions));
    const { seal } = advanceSeal(refreshed, await this.listAfter(seen, SEAL_READ_LIMIT), frontier);
    return this.replaceSeal(seen, seal);
  }

  /**
   * Folds the seal's exception at `since` into its totals once it is reconciled (the cutover's
   * recount). Missed (a crash in between), it stays an exception: a status build reads it and
   * counts it as it is, so the totals stay exact either way.
   */
  async foldException(since: string): Promise<LedgerSeal> {
    const seen = await this.seal();
    if (!seen.exceptions.includes(since)) return seen;
    return this.replaceSeal(seen, foldReconciledExceptions(seen, await this.getMany([since])));
  }

  /** Writes `seal` unless another runner moved the seal since `seen`: its totals stand then. */
  private async replaceSeal(seen: LedgerSeal, seal: LedgerSeal): Promise<LedgerSeal> {
    if (sameSeal(seal, seen)) return seen;
    const change = await this.seals.change(this.sealAt, (now) =>
      sameSeal(now ?? EMPTY_SEAL, seen) ? seal : undefined,
    );
    return change.after ?? seen;
  }

  /** The entries starting at these instants that exist, by start (a seal's exceptions). */
  async getMany(starts: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const found = await Promise.all(starts.map((since) => this.get(since)));
    return new Map(found.filter((e): e is LedgerEntry => e !== undefined).map((e) => [e.since, e]));
  }

  /** Entries after the seal (every entry when nothing is sealed), oldest first. */
  async *listAfterSeal(seal: LedgerSeal): AsyncIterable<LedgerEntry> {
    const markerKey = `${this.keys.rowKey}-${MARKER}`;
    const from = seal.till === undefined ? `${this.keys.rowKey}-` : this.rowKey(seal.till);
    for await (const row of this.table.list(this.partition, {
      filter: odata`RowKey ge ${from} and RowKey lt ${markerKey}`,
    })) {
      if (row.Kind === "ledger") yield ledgerFromRow(row);
    }
  }

  private async listAfter(seal: LedgerSeal, limit: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const entry of this.listAfterSeal(seal)) {
      entries.push(entry);
      // Stop at the first entry that cannot join: nothing after it can this time.
      if (entries.length >= limit || !isFinal(entry.status)) break;
    }
    return entries;
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

function sameSeal(a: LedgerSeal, b: LedgerSeal): boolean {
  return (
    a.till === b.till &&
    a.reconciled === b.reconciled &&
    a.exceptions.length === b.exceptions.length
  );
}
