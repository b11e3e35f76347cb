/**
 * The migration's state, as the orchestrator sees it. The source of truth is Table Storage
 * (src/storage/migrationStateStore.ts); these are the domain shapes both sides share.
 */
import type { CountedStretch } from "./windows";

/** A window's export job as the tables record it (not the server's answer: src/fhir/types.ts ExportStatus). */
export type ChunkExportStatus = "Planned" | "Started" | "Running" | "Completed";
export type ChunkImportStatus = "Not Started" | "Payloads Ready" | "Running" | "Completed";
export type PayloadStatus = "Pending" | "Started" | "Running" | "Completed" | "Failed";

/** One export job's worth of work: a window, optionally one resource type (per-type mode). */
export interface ChunkRecord {
  seq: number;
  since: string;
  till: string;
  /** Set in per-type mode (AZURE_IsParallel=false). */
  resourceType: string | undefined;
  exportStatus: ChunkExportStatus;
  exportContentLocation: string | undefined;
  exportStartTime: string | undefined;
  exportEndTime: string | undefined;
  exportAttempts: number;
  /** History-aware count of the window when planned: the premature-completion guard compares against it. */
  expectedCount: number;
  exportConfirmations: number;
  manifestHash: string | undefined;
  totalExportResourceCount: number | undefined;
  searchParameterCount: number | undefined;
  importStatus: ChunkImportStatus;
  payloadCount: number | undefined;
  /**
   * The AZURE_FileCount the chunk's payloads are built with, recorded by the first build: every
   * runner builds the same bodies, blobs and rows from it, whatever its own setting
   * (payloadLayout). Absent until the first build (and on rows built before it was recorded).
   */
  payloadFileCount?: number | undefined;
  completedCount: number;
  processed: boolean;
  totalImportResourceCount: number;
  totalFailedImportCount: number;
  failureReason: string | undefined;
  endTime: string | undefined;
}

/** The window a chunk row is planned for (src/engine/activities/planNextWindow.ts). */
export interface PlannedWindow {
  seq: number;
  since: string;
  till: string;
  resourceType: string | undefined;
  expectedCount: number;
}

/** A chunk row as planning writes it: the intent, before any export starts. */
export function plannedChunk(window: PlannedWindow): ChunkRecord {
  return {
    ...window,
    exportStatus: "Planned",
    exportContentLocation: undefined,
    exportStartTime: undefined,
    exportEndTime: undefined,
    exportAttempts: 0,
    exportConfirmations: 0,
    manifestHash: undefined,
    totalExportResourceCount: undefined,
    searchParameterCount: undefined,
    importStatus: "Not Started",
    payloadCount: undefined,
    completedCount: 0,
    processed: false,
    totalImportResourceCount: 0,
    totalFailedImportCount: 0,
    failureReason: undefined,
    endTime: undefined,
  };
}

export interface PayloadRecord {
  chunkSeq: number;
  index: number;
  blobName: string;
  inputCount: number;
  resourceCount: number;
  status: PayloadStatus;
  importContentLocation: string | undefined;
  /**
   * Kick-offs in this round. 0 with a status URL: a job posted before a resume and carried into its
   * new round (src/engine/control.ts, postedBeforeResume in src/engine/payloadJob.ts).
   */
  attempts: number;
  importStartTime: string | undefined;
  importEndTime: string | undefined;
  importedCount: number | undefined;
  failedCount: number | undefined;
  failureReason: string | undefined;
  /** The payload's job failed because of its content: its parts are imported apart (core/importIsolation.ts). */
  isolating?: boolean;
  /**
   * Lines kept out of the payload's files because the destination's index cannot hold them
   * (core/indexedNumbers.ts), recorded as refused at build: counted as failed when it completes.
   */
  screenedCount?: number;
  /**
   * Times a resume (reset-retries) gave the payload new attempts: queued again after using up its
   * attempts, or its running job carried over. Part of the kick-off's tag: the server hands back
   * the old job for an identical body, even a failed one (docs/server-behaviour.md §3.6), so
   * attempt 1 of a new round must differ from it.
   */
  round?: number;
}

export interface CursorRecord {
  /** Everything with lastUpdated before it is on the destination (or recorded as failed). */
  watermark: string | undefined;
  /** End of the last planned window; the next window starts here. */
  frontier: string | undefined;
  nextSeq: number;
  firstUnprocessedSeq: number;
  /** Consecutive export/import failures (the original's maxExportRetries column). */
  consecutiveFailures: number;
  halted: boolean;
  haltReason: string | undefined;
  searchParametersMigrated: boolean;
  searchParameterAttempts: number;
  searchParameterFailure: string | undefined;
  resourcesImported: number;
  resourcesFailed: number;
  caughtUp: boolean;
  startedAt: string | undefined;
  startWatermark: string | undefined;
  lastProgressAt: string | undefined;
  /** $reindex of the destination after custom SearchParameters were copied (AZURE_ReindexAfterCatchUp). */
  reindexState: ReindexState;
  reindexStatusUrl: string | undefined;
  reindexDetail: string | undefined;
  /** The last planning found the source's clock out of step with this app's: what and by how much. */
  clockSkew?: string | undefined;
  /** Totals of the processed chunks below sealed.toSeq (absent: none counted yet). */
  sealed?: SealedChunks | undefined;
  /**
   * Versions the last planning counted from the frontier on, beyond its window: the next planning
   * counts on from its end (core/windowSizing.ts). Absent: nothing counted ahead.
   */
  countedAhead?: CountedStretch | undefined;
}

/**
 * Totals of every chunk with seq below `toSeq`, all processed (processed chunks do not change),
 * added once in the cursor write that moves firstUnprocessedSeq past them
 * (src/storage/advanceWatermark.ts), so the status page counts them without reading them.
 */
export interface SealedChunks {
  toSeq: number;
  chunks: number;
  /** Sums of the chunks' columns of the same names. */
  totalExportResourceCount: number;
  searchParameterCount: number;
  totalImportResourceCount: number;
  totalFailedImportCount: number;
  /** The earliest since among them. */
  firstSince: string | undefined;
}

/** `sealed` (none: from seq 1) with these processed chunks added and its end moved to `toSeq`. */
export function addSealedChunks(
  sealed: SealedChunks | undefined,
  chunks: readonly Pick<
    ChunkRecord,
    | "since"
    | "totalExportResourceCount"
    | "searchParameterCount"
    | "totalImportResourceCount"
    | "totalFailedImportCount"
  >[],
  toSeq: number,
): SealedChunks {
  const next: SealedChunks = sealed === undefined ? { ...NO_SEALED_CHUNKS } : { ...sealed };
  for (const c of chunks) {
    next.chunks++;
    next.totalExportResourceCount += c.totalExportResourceCount ?? 0;
    next.searchParameterCount += c.searchParameterCount ?? 0;
    next.totalImportResourceCount += c.totalImportResourceCount;
    next.totalFailedImportCount += c.totalFailedImportCount;
    if (next.firstSince === undefined || c.since < next.firstSince) next.firstSince = c.since;
  }
  next.toSeq = toSeq;
  return next;
}

/** No chunk counted: the state of a cursor without sealed totals. */
export const NO_SEALED_CHUNKS: Readonly<SealedChunks> = {
  toSeq: 1,
  chunks: 0,
  totalExportResourceCount: 0,
  searchParameterCount: 0,
  totalImportResourceCount: 0,
  totalFailedImportCount: 0,
  firstSince: undefined,
};

export type ReindexState = "none" | "needed" | "running" | "done" | "failed";

export function chunkKey(seq: number): string {
  return String(seq).padStart(8, "0");
}

export function payloadKey(chunkSeq: number, index: number): string {
  return `${chunkKey(chunkSeq)}-p${String(index).padStart(4, "0")}`;
}

/**
 * The watermark is the since of the oldest unprocessed chunk, or the frontier when every planned
 * chunk is processed: it never passes a window whose imports have not all completed.
 */
export function computeWatermark(
  frontier: string | undefined,
  unprocessed: readonly Pick<ChunkRecord, "since">[],
): string | undefined {
  if (unprocessed.length === 0) return frontier;
  return unprocessed.map((c) => c.since).reduce((a, b) => (a < b ? a : b));
}

/** How many payload rows a chunk has, and how many of them are completed. */
export interface PayloadRowCounts {
  rows: number;
  completed: number;
}

/** Rows for at least the chunk's payload count, every one of them completed: the chunk is processed. */
function payloadRowsAllCompleted(
  chunk: Pick<ChunkRecord, "payloadCount">,
  counts: PayloadRowCounts,
): boolean {
  return (
    chunk.payloadCount !== undefined &&
    counts.rows >= chunk.payloadCount &&
    counts.completed === counts.rows
  );
}

/**
 * The chunk row says less is done than its payload rows (the process died between a payload's
 * write and the chunk's, or every payload finished before an interrupted build recorded the payload
 * count): settling it (settledChunk) would change it. Exactly when settledChunk is not undefined.
 */
export function chunkBehindPayloads(
  chunk: Pick<ChunkRecord, "processed" | "completedCount" | "payloadCount">,
  counts: PayloadRowCounts,
): boolean {
  if (chunk.processed) return false;
  return counts.completed > chunk.completedCount || payloadRowsAllCompleted(chunk, counts);
}

/**
 * The chunk row brought up to date with its payload rows, or undefined when nothing changes. The
 * completed count and the totals are counted from the payload rows, never incremented. The chunk is
 * processed only when it has rows for at least its payload count and every one of them is
 * completed: a payload row that is not (say one left by a build with another file count, before
 * the count was recorded on the chunk) keeps it open, so the watermark never passes a version that
 * payload holds, and its imported count is always the sum of its payloads'.
 */
export function settledChunk(
  chunk: ChunkRecord,
  payloads: readonly Pick<PayloadRecord, "status" | "importedCount" | "failedCount">[],
  endTime: string,
): ChunkRecord | undefined {
  const completed = payloads.filter((p) => p.status === "Completed");
  const counts = { rows: payloads.length, completed: completed.length };
  if (!chunkBehindPayloads(chunk, counts)) return undefined;
  const processed = payloadRowsAllCompleted(chunk, counts);
  return {
    ...chunk,
    completedCount: completed.length,
    totalImportResourceCount: completed.reduce((n, p) => n + (p.importedCount ?? 0), 0),
    totalFailedImportCount: completed.reduce((n, p) => n + (p.failedCount ?? 0), 0),
    importStatus: processed ? "Completed" : chunk.importStatus,
    processed,
    endTime: processed ? endTime : chunk.endTime,
  };
}
