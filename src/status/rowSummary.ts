/**
 * What the status page shows of the whole history of chunk and payload rows, folded into bounded
 * memory: counts and sums over every chunk, the failures tables (their totals and the rows listed),
 * and the resources moved per hour. The page lists rows only for recent and open chunks
 * (StatusState.chunks); everything it says about the rest comes from here, so a status read never
 * has to hold, or even fetch, every row (docs/status.md, "Load").
 */
import type { ChunkRecord, PayloadRecord, SealedChunks } from "../core/migrationState";
import type { ChunkSummary } from "../storage/migrationRows";
import { reportText } from "./redactText";
import type { ChunkFailure, PayloadFailure } from "./report";
import { FAILURE_ROWS, HOUR_MS } from "./report";

/** Resources whose import completed in one hour (hour: its start, epoch milliseconds). */
export interface MovedHour {
  hour: number;
  imported: number;
  failed: number;
}

/** The page's figures over every planned chunk and payload. */
export interface StatusRowSummary {
  /** Chunks planned. */
  chunks: number;
  /** Chunks processed. */
  chunksDone: number;
  /** Sum of the chunks' exported resource counts. */
  resourcesExported: number;
  /** Sum of the chunks' exported SearchParameter counts. */
  searchParametersExported: number;
  /** The earliest chunk's since. */
  firstSince: string | undefined;
  /** Payload rows with status Failed. */
  importsFailed: number;
  /** Chunk rows with a failure reason: the first FAILURE_ROWS (unresolved first, then newest). */
  chunkFailures: ChunkFailure[];
  chunkFailuresTotal: number;
  /** Payload rows with a failure reason: the first FAILURE_ROWS (unresolved first, then newest). */
  payloadFailures: PayloadFailure[];
  payloadFailuresTotal: number;
  /**
   * Imports as they completed, by hour, oldest first: completed payloads, or a processed chunk
   * with no payload rows. Hours with only empty imports are kept (they start the chart).
   */
  moved: MovedHour[];
}

const byChunkFailure = (a: ChunkFailure, b: ChunkFailure): number =>
  Number(b.unresolved) - Number(a.unresolved) || b.chunk - a.chunk;
const byPayloadFailure = (a: PayloadFailure, b: PayloadFailure): number =>
  Number(b.unresolved) - Number(a.unresolved) || b.chunk - a.chunk || b.payload - a.payload;

/** The first `limit` items in `order`, kept in memory bounded by a small multiple of `limit`. */
class FirstRows<T> {
  private items: T[] = [];
  total = 0;

  constructor(
    private readonly order: (a: T, b: T) => number,
    private readonly limit: number,
  ) {}

  add(item: T): void {
    this.total++;
    this.items.push(item);
    if (this.items.length >= 4 * this.limit) this.items = this.rows();
  }

  rows(): T[] {
    return this.items.sort(this.order).slice(0, this.limit);
  }
}

/** Folds chunk and payload rows, in any order and any number, into a StatusRowSummary. */
export class StatusRowTally {
  private chunks = 0;
  private chunksDone = 0;
  private resourcesExported = 0;
  private searchParametersExported = 0;
  private firstSince: string | undefined;
  private importsFailed = 0;
  private readonly chunkFailures = new FirstRows<ChunkFailure>(byChunkFailure, FAILURE_ROWS);
  private readonly payloadFailures = new FirstRows<PayloadFailure>(byPayloadFailure, FAILURE_ROWS);
  private readonly moved = new Map<number, MovedHour>();

  /** Counts a planned chunk (each chunk once). */
  addChunk(c: ChunkSummary): void {
    this.chunks++;
    if (c.processed) this.chunksDone++;
    this.resourcesExported += c.totalExportResourceCount ?? 0;
    this.searchParametersExported += c.searchParameterCount ?? 0;
    if (this.firstSince === undefined || c.since < this.firstSince) this.firstSince = c.since;
  }

  /** Counts the chunks the cursor's sealed totals cover (each chunk once: not also by addChunk). */
  addSealed(sealed: SealedChunks): void {
    this.chunks += sealed.chunks;
    this.chunksDone += sealed.chunks;
    this.resourcesExported += sealed.totalExportResourceCount;
    this.searchParametersExported += sealed.searchParameterCount;
    const since = sealed.firstSince;
    if (since !== undefined && (this.firstSince === undefined || since < this.firstSince))
      this.firstSince = since;
  }

  /** Lists a chunk that failed at some point (rows without a failure reason are ignored). */
  addChunkFailure(c: ChunkRecord): void {
    if (c.failureReason === undefined) return;
    this.chunkFailures.add({
      chunk: c.seq,
      since: c.since,
      till: c.till,
      resourceType: c.resourceType ?? null,
      exportStatus: c.exportStatus,
      importStatus: c.importStatus,
      unresolved: !c.processed,
      attempts: c.exportAttempts,
      reason: reportText(c.failureReason),
    });
  }

  /** Counts a payload's failure, if it has one: its status Failed, and its failure reason. */
  addPayloadFailure(p: PayloadRecord): void {
    if (p.status === "Failed") this.importsFailed++;
    if (p.failureReason === undefined) return;
    this.payloadFailures.add({
      chunk: p.chunkSeq,
      payload: p.index,
      status: p.status,
      unresolved: p.status !== "Completed",
      attempts: p.attempts,
      reason: reportText(p.failureReason),
    });
  }

  /** Resources whose import completed at `at` (an ISO time; one that does not parse is ignored). */
  addMoved(at: string, imported: number, failed: number): void {
    const t = Date.parse(at);
    if (Number.isNaN(t)) return;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const bucket = this.moved.get(hour) ?? { hour, imported: 0, failed: 0 };
    bucket.imported += imported;
    bucket.failed += failed;
    this.moved.set(hour, bucket);
  }

  /**
   * The imports of these chunks and payloads (each chunk's payload rows all among `payloads`):
   * completed payloads, and processed chunks with no payload rows that imported or failed any.
   */
  addMovedRows(chunks: readonly ChunkRecord[], payloads: readonly PayloadRecord[]): void {
    const withPayloads = new Set<number>();
    for (const p of payloads) {
      withPayloads.add(p.chunkSeq);
      if (p.status !== "Completed" || p.importEndTime === undefined) continue;
      this.addMoved(p.importEndTime, p.importedCount ?? 0, p.failedCount ?? 0);
    }
    for (const c of chunks) {
      if (!withPayloads.has(c.seq)) this.addMovedChunk(c);
    }
  }

  /**
   * A processed chunk's imports as one completion at its end time: exact for a chunk without
   * payload rows; for one with payload rows, its totals are the sum of its completed payloads
   * (settleChunk in src/engine/activities/importJob.ts), all completed by its end time.
   */
  addMovedChunk(c: ChunkSummary): void {
    if (!c.processed || c.endTime === undefined) return;
    if (c.totalImportResourceCount === 0 && c.totalFailedImportCount === 0) return;
    this.addMoved(c.endTime, c.totalImportResourceCount, c.totalFailedImportCount);
  }

  summary(): StatusRowSummary {
    return {
      chunks: this.chunks,
      chunksDone: this.chunksDone,
      resourcesExported: this.resourcesExported,
      searchParametersExported: this.searchParametersExported,
      firstSince: this.firstSince,
      importsFailed: this.importsFailed,
      chunkFailures: this.chunkFailures.rows(),
      chunkFailuresTotal: this.chunkFailures.total,
      payloadFailures: this.payloadFailures.rows(),
      payloadFailuresTotal: this.payloadFailures.total,
      moved: [...this.moved.values()].sort((a, b) => a.hour - b.hour),
    };
  }
}

/** The summary of these rows, every one of them read in full (tests, small states). */
export function summarizeRows(
  chunks: readonly ChunkRecord[],
  payloads: readonly PayloadRecord[],
): StatusRowSummary {
  const tally = new StatusRowTally();
  for (const c of chunks) {
    tally.addChunk(c);
    tally.addChunkFailure(c);
  }
  for (const p of payloads) tally.addPayloadFailure(p);
  tally.addMovedRows(chunks, payloads);
  return tally.summary();
}
