import type {
  ChunkRecord,
  CursorRecord,
  PayloadRecord,
  SealedChunks,
} from "../core/migrationState";
import { redactOptional } from "../fhir/redact";
import type { TableRow } from "./tableRepository";

/**
 * Column names follow the original tool's tables where the meaning is the same (Since, Till,
 * exportContentLocation, importContentLocation, maxExportRetries, FailureReason, ...), so people who
 * know those tables can read these. docs/architecture.md lists every column. Free-text columns
 * (reasons, details) come from servers: they are redacted here, where they enter the tables.
 */

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);
const optNum = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const bool = (v: unknown): boolean => v === true;

/** Tables cannot hold undefined; empty strings stand for "not set". */
function clean(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === undefined ? "" : v]));
}

export function cursorToRow(
  keys: { partitionKey: string; rowKey: string },
  c: CursorRecord,
): TableRow {
  return {
    partitionKey: keys.partitionKey,
    rowKey: keys.rowKey,
    ...clean({
      since: c.watermark,
      PlannedTill: c.frontier,
      JobId: c.nextSeq,
      FirstUnprocessedJobId: c.firstUnprocessedSeq,
      maxExportRetries: c.consecutiveFailures,
      Halted: c.halted,
      HaltReason: redactOptional(c.haltReason),
      SearchParameterMigration: c.searchParametersMigrated,
      SearchParameterAttempts: c.searchParameterAttempts,
      SearchParameterFailure: redactOptional(c.searchParameterFailure),
      ResourcesImported: c.resourcesImported,
      ResourcesFailed: c.resourcesFailed,
      CaughtUp: c.caughtUp,
      StartedAt: c.startedAt,
      StartWatermark: c.startWatermark,
      LastProgressAt: c.lastProgressAt,
      ReindexState: c.reindexState,
      ReindexStatusUrl: c.reindexStatusUrl,
      ReindexDetail: redactOptional(c.reindexDetail),
      ClockSkew: c.clockSkew,
      SealedChunks: c.sealed === undefined ? undefined : JSON.stringify(c.sealed),
    }),
  };
}

export function cursorFromRow(r: Row): CursorRecord {
  return {
    watermark: str(r.since),
    frontier: str(r.PlannedTill),
    nextSeq: num(r.JobId, 1),
    firstUnprocessedSeq: num(r.FirstUnprocessedJobId, 1),
    consecutiveFailures: num(r.maxExportRetries),
    halted: bool(r.Halted),
    haltReason: str(r.HaltReason),
    searchParametersMigrated: bool(r.SearchParameterMigration),
    searchParameterAttempts: num(r.SearchParameterAttempts),
    searchParameterFailure: str(r.SearchParameterFailure),
    resourcesImported: num(r.ResourcesImported),
    resourcesFailed: num(r.ResourcesFailed),
    caughtUp: bool(r.CaughtUp),
    startedAt: str(r.StartedAt),
    startWatermark: str(r.StartWatermark),
    lastProgressAt: str(r.LastProgressAt),
    reindexState: (str(r.ReindexState) ?? "none") as CursorRecord["reindexState"],
    reindexStatusUrl: str(r.ReindexStatusUrl),
    reindexDetail: str(r.ReindexDetail),
    clockSkew: str(r.ClockSkew),
    sealed: sealedFromColumn(str(r.SealedChunks)),
  };
}

/** The SealedChunks column: JSON of SealedChunks, written by cursorToRow. */
function sealedFromColumn(text: string | undefined): SealedChunks | undefined {
  if (text === undefined) return undefined;
  let value: Partial<SealedChunks>;
  try {
    value = JSON.parse(text) as Partial<SealedChunks>;
  } catch {
    value = {};
  }
  const counts = [
    value.toSeq,
    value.chunks,
    value.totalExportResourceCount,
    value.searchParameterCount,
    value.totalImportResourceCount,
    value.totalFailedImportCount,
  ];
  if (!counts.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 0))
    throw new Error(
      `The cursor row's SealedChunks column is not chunk totals: ${text.slice(0, 200)}`,
    );
  return value as SealedChunks;
}

export function chunkToRow(partitionKey: string, rowKey: string, c: ChunkRecord): TableRow {
  return {
    partitionKey,
    rowKey,
    ...clean({
      Kind: "chunk",
      JobSeq: c.seq,
      Since: c.since,
      Till: c.till,
      resourceTypeValue: c.resourceType,
      ExportStatus: c.exportStatus,
      exportContentLocation: c.exportContentLocation,
      ExportStartTime: c.exportStartTime,
      ExportEndTime: c.exportEndTime,
      ExportAttempts: c.exportAttempts,
      ExpectedResourceCount: c.expectedCount,
      ExportConfirmations: c.exportConfirmations,
      ManifestHash: c.manifestHash,
      TotalExportResourceCount: c.totalExportResourceCount,
      SearchParameterCount: c.searchParameterCount,
      ImportStatus: c.importStatus,
      PayloadCount: c.payloadCount,
      CompletedCount: c.completedCount,
      IsProcessed: c.processed,
      TotalImportResourceCount: c.totalImportResourceCount,
      TotalFailedImportCount: c.totalFailedImportCount,
      FailureReason: redactOptional(c.failureReason),
      EndTime: c.endTime,
    }),
  };
}

export function chunkFromRow(r: Row): ChunkRecord {
  return {
    seq: num(r.JobSeq),
    since: String(r.Since),
    till: String(r.Till),
    resourceType: str(r.resourceTypeValue),
    exportStatus: (str(r.ExportStatus) ?? "Planned") as ChunkRecord["exportStatus"],
    exportContentLocation: str(r.exportContentLocation),
    exportStartTime: str(r.ExportStartTime),
    exportEndTime: str(r.ExportEndTime),
    exportAttempts: num(r.ExportAttempts),
    expectedCount: num(r.ExpectedResourceCount),
    exportConfirmations: num(r.ExportConfirmations),
    manifestHash: str(r.ManifestHash),
    totalExportResourceCount: optNum(r.TotalExportResourceCount),
    searchParameterCount: optNum(r.SearchParameterCount),
    importStatus: (str(r.ImportStatus) ?? "Not Started") as ChunkRecord["importStatus"],
    payloadCount: optNum(r.PayloadCount),
    completedCount: num(r.CompletedCount),
    processed: bool(r.IsProcessed),
    totalImportResourceCount: num(r.TotalImportResourceCount),
    totalFailedImportCount: num(r.TotalFailedImportCount),
    failureReason: str(r.FailureReason),
    endTime: str(r.EndTime),
  };
}

/** What the status page reads of every chunk row (src/status/rowSummary.ts): a few columns. */
export type ChunkSummary = Pick<
  ChunkRecord,
  | "seq"
  | "since"
  | "processed"
  | "totalExportResourceCount"
  | "searchParameterCount"
  | "totalImportResourceCount"
  | "totalFailedImportCount"
  | "endTime"
>;

/** The columns chunkToRow writes those fields to: what a status read selects. */
export const CHUNK_SUMMARY_COLUMNS: Readonly<Record<keyof ChunkSummary, string>> = {
  seq: "JobSeq",
  since: "Since",
  processed: "IsProcessed",
  totalExportResourceCount: "TotalExportResourceCount",
  searchParameterCount: "SearchParameterCount",
  totalImportResourceCount: "TotalImportResourceCount",
  totalFailedImportCount: "TotalFailedImportCount",
  endTime: "EndTime",
};

/** A chunk row read with only CHUNK_SUMMARY_COLUMNS selected. */
export function chunkSummaryFromRow(r: Row): ChunkSummary {
  const c = chunkFromRow(r);
  return {
    seq: c.seq,
    since: c.since,
    processed: c.processed,
    totalExportResourceCount: c.totalExportResourceCount,
    searchParameterCount: c.searchParameterCount,
    totalImportResourceCount: c.totalImportResourceCount,
    totalFailedImportCount: c.totalFailedImportCount,
    endTime: c.endTime,
  };
}

export function payloadToRow(partitionKey: string, rowKey: string, p: PayloadRecord): TableRow {
  return {
    partitionKey,
    rowKey,
    ...clean({
      Kind: "payload",
      JobSeq: p.chunkSeq,
      PayloadIndex: p.index,
      ImportNo: p.blobName,
      InputCount: p.inputCount,
      ResourceCount: p.resourceCount,
      ImportStatus: p.status,
      importContentLocation: p.importContentLocation,
      ImportAttempts: p.attempts,
      ImportStartTime: p.importStartTime,
      ImportEndTime: p.importEndTime,
      TotalImportResourceCount: p.importedCount,
      TotalFailedImportCount: p.failedCount,
      FailureReason: redactOptional(p.failureReason),
      Isolating: p.isolating === true ? true : undefined,
    }),
  };
}

export function payloadFromRow(r: Row): PayloadRecord {
  return {
    chunkSeq: num(r.JobSeq),
    index: num(r.PayloadIndex),
    blobName: String(r.ImportNo),
    inputCount: num(r.InputCount),
    resourceCount: num(r.ResourceCount),
    status: (str(r.ImportStatus) ?? "Pending") as PayloadRecord["status"],
    importContentLocation: str(r.importContentLocation),
    attempts: num(r.ImportAttempts),
    importStartTime: str(r.ImportStartTime),
    importEndTime: str(r.ImportEndTime),
    importedCount: optNum(r.TotalImportResourceCount),
    failedCount: optNum(r.TotalFailedImportCount),
    failureReason: str(r.FailureReason),
    ...(r.Isolating === true ? { isolating: true } : {}),
  };
}
