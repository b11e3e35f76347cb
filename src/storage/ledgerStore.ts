import type { LedgerEntry } from "../core/ledger";
import { isFinal, ledgerKey } from "../core/ledger";
import type { LedgerSeal } from "../core/ledgerSeal";
import {
  EMPTY_SEAL,
  MAX_SEAL_EXCEPTIONS,
  advanceSeal,
  foldEntry,
  foldReconciledExceptions,
  sealAllowsChange,
  sealStop,
} from "../core/ledgerSeal";
import { chunkKey } from "../core/migrationState";
import { isConcurrencyConflictError } from "../errors";
import type { LedgerMarker } from "./ledgerRows";
import { LEDGER_MARKER_ROW, LEDGER_ROW } from "./ledgerRows";
import type { StateKeys } from "./cursorStore";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec } from "./rowStore";
import { fromRow, toRow } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";
import { odata } from "./tableRepository";

/** Row key suffix of the marker row: sorts after every entry key (digits). */
const MARKER = "~open";
/** Entries read per pass to bring a seal that fell behind the marker up to it, at most. */
const SEAL_READ_LIMIT = 1_000;

/** A write would change an entry whose totals the seal holds: refused, the totals stay exact. */
export class LedgerEntrySealedError extends Error {
  override readonly name = "LedgerEntrySealedError";
}

/**
 * The ledger's rows in the job table, partition `{pk}-ledger` (job queries never scan them), and
 * a marker row naming the oldest entry that may still be open, so a pass reads only open entries,
 * and holding the sealed prefix's totals, so a status build reads only the entries after it.
 */
export class LedgerStore {
  private readonly partition: string;
  private readonly entries: RowStore<LedgerEntry>;
  private readonly markerKey: string;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.partition = `${keys.partitionKey}-ledger`;
    this.entries = new RowStore(table, kindCodec(LEDGER_ROW));
    this.markerKey = `${keys.rowKey}-${MARKER}`;
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
    return sealOf((await this.readMarker()).marker);
  }

  /**
   * Folds the seal's exception at `since` into its totals once it is reconciled (the cutover's
   * recount). Missed (a crash in between, another runner's write), it stays an exception: a status
   * build reads it and counts it as it is, so the totals stay exact either way.
   */
  async foldException(since: string): Promise<void> {
    const seen = await this.readMarker();
    if (seen.marker === undefined || !seen.marker.exceptions.includes(since)) return;
    const folded = foldReconciledExceptions(seen.marker, await this.getMany([since]));
    await this.writeMarker(seen, { ...seen.marker, ...folded });
  }

  /**
   * Forgets the seal and the open marker: the next pass reads the ledger from its first entry and
   * seals it again. For a measurement that sets final entries back (bench/ledger.ts), while
   * nothing else writes the ledger; an entry the seal holds cannot be changed otherwise.
   */
  async unseal(): Promise<void> {
    await this.table.upsert(
      toRow(LEDGER_MARKER_ROW, this.partition, this.markerKey, {
        ...EMPTY_SEAL,
        openFrom: undefined,
      }),
      "Replace",
    );
  }

  private async readMarker(): Promise<StoredMarker> {
    const row = await this.table.get(this.partition, this.markerKey);
    return row === undefined
      ? { marker: undefined, etag: undefined }
      : { marker: fromRow(LEDGER_MARKER_ROW, row), etag: row.etag };
  }

  /**
   * Writes the marker unless another runner moved it since it was read (ETag): its seal and open
   * marker stand then, and ours would count entries twice. One request, as the marker's move was.
   */
  private async writeMarker(seen: StoredMarker, next: LedgerMarker): Promise<void> {
    if (seen.marker !== undefined && sameMarker(seen.marker, next)) return;
    // Nothing read yet (an empty ledger): no row to write.
    if (seen.marker === undefined && next.openFrom === undefined && next.till === undefined) return;
    const row = toRow(LEDGER_MARKER_ROW, this.partition, this.markerKey, next);
    try {
      if (seen.etag === undefined) await this.table.insert(row);
      else await this.table.update({ ...row, etag: seen.etag }, "Replace");
    } catch (error) {
      if (!isConcurrencyConflictError(error)) throw error;
    }
  }

  /** The entries starting at these instants that exist, by start (a seal's exceptions). */
  async getMany(starts: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const found = await Promise.all(starts.map((since) => this.get(since)));
    return new Map(found.filter((e): e is LedgerEntry => e !== undefined).map((e) => [e.since, e]));
  }

  /** Entries after the seal (every entry when nothing is sealed), oldest first. */
  async *listAfterSeal(seal: LedgerSeal): AsyncIterable<LedgerEntry> {
    yield* this.listFromKey(seal.till === undefined ? undefined : this.rowKey(seal.till));
  }

  /** Entries from the row key `from` on (from the first when undefined), oldest first. */
  private async *listFromKey(from: string | undefined): AsyncIterable<LedgerEntry> {
    const start = from ?? `${this.keys.rowKey}-`;
    for await (const row of this.table.list(this.partition, {
      filter: odata`RowKey ge ${start} and RowKey lt ${this.markerKey}`,
    })) {
      if (row.Kind === "ledger") yield fromRow(LEDGER_ROW, row);
    }
  }

  /** Every entry, oldest first (status page, CLI, tests). */
  async *listAll(): AsyncIterable<LedgerEntry> {
    for await (const row of this.table.list(this.partition, {
      rowKeyPrefix: `${this.keys.rowKey}-`,
    })) {
      if (row.Kind === "ledger") yield fromRow(LEDGER_ROW, row);
    }
  }

  /**
   * Up to `limit` entries that are not final, oldest first, reading from the marker on; moves the
   * marker past the final entries in front of them, so the next read starts later, and the seal
   * over them as far as they may join it (src/core/ledgerSeal.ts; no read of its own while the
   * seal keeps up with the marker). `frontier`: the cursor's, which sealed entries end by.
   */
  async listOpen(limit: number, frontier: string | undefined): Promise<LedgerEntry[]> {
    const seen = await this.readMarker();
    const from = seen.marker?.openFrom;
    let seal = await this.sealCaughtUp(sealOf(seen.marker), from, frontier);
    const inStep =
      from === undefined || (seal.till !== undefined && this.rowKey(seal.till) === from);
    const open: LedgerEntry[] = [];
    let firstOpenKey: string | undefined;
    let lastKey: string | undefined;
    for await (const entry of this.listFromKey(from)) {
      lastKey = this.rowKey(entry.since);
      if (isFinal(entry.status)) {
        // The final entries before the first open one: the seal's next entries when in step.
        if (inStep && firstOpenKey === undefined && sealStop(seal, entry, frontier) === undefined)
          seal = foldEntry(seal, entry);
        continue;
      }
      firstOpenKey ??= lastKey;
      open.push(entry);
      if (open.length >= limit) break;
    }
    // Everything before the first open entry (or, when none is open, up to the last one read) is final.
    const next = firstOpenKey ?? lastKey;
    const openFrom = next !== undefined && (from === undefined || next > from) ? next : from;
    await this.writeMarker(seen, { ...seal, openFrom });
    return open;
  }

  /**
   * The seal moved up to the marker when it fell behind it (a seal that stopped at an entry the
   * marker passed, or a ledger written before the seal existed): at most SEAL_READ_LIMIT entries
   * read per call, stopping at the first that may not join. Exceptions reconciled since are folded
   * in first when their list is full (the seal waits on it).
   */
  private async sealCaughtUp(
    seen: LedgerSeal,
    openFrom: string | undefined,
    frontier: string | undefined,
  ): Promise<LedgerSeal> {
    const behind =
      openFrom !== undefined && (seen.till === undefined || this.rowKey(seen.till) < openFrom);
    if (!behind) return seen;
    const seal =
      seen.exceptions.length < MAX_SEAL_EXCEPTIONS
        ? seen
        : foldReconciledExceptions(seen, await this.getMany(seen.exceptions));
    const behindMarker: LedgerEntry[] = [];
    for await (const entry of this.listAfterSeal(seal)) {
      if (this.rowKey(entry.since) >= openFrom || behindMarker.length >= SEAL_READ_LIMIT) break;
      behindMarker.push(entry);
    }
    return advanceSeal(seal, behindMarker, frontier).seal;
  }

  /** Up to `limit` entries from the one starting at `since` on, in order (any status). */
  async listFrom(since: string, limit: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const row of this.table.list(this.partition, {
      filter: odata`RowKey ge ${this.rowKey(since)} and RowKey lt ${this.markerKey}`,
    })) {
      if (row.Kind !== "ledger") continue;
      entries.push(fromRow(LEDGER_ROW, row));
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

interface StoredMarker {
  marker: LedgerMarker | undefined;
  etag: string | undefined;
}

/** The seal held by a marker row (none before the first one is written). */
function sealOf(marker: LedgerMarker | undefined): LedgerSeal {
  if (marker === undefined) return EMPTY_SEAL;
  const { openFrom: _openFrom, ...seal } = marker;
  return seal;
}

function sameMarker(a: LedgerMarker, b: LedgerMarker): boolean {
  return (
    a.openFrom === b.openFrom &&
    a.till === b.till &&
    a.reconciled === b.reconciled &&
    a.exceptions.length === b.exceptions.length
  );
}
