import type {
  ChunkRecord,
  CursorRecord,
  PayloadRecord,
  SealedChunks,
} from "../core/migrationState";
import type { CountedStretch } from "../core/windows";
import type { TableRow } from "./tableRepository";
import {
  count,
  flag,
  flagWhenTrue,
  countWhenPresent,
  fromRow,
  optionalCount,
  optionalText,
  requiredText,
  rowKind,
  toRow,
  word,
} from "./rowSpec";

/**
 * Column names follow the original tool's tables where the meaning is the same (Since, Till,
 * exportContentLocation, importContentLocation, maxExportRetries, FailureReason, ...), so people who
 * know those tables can read these. docs/architecture.md lists every column. Free-text columns
 * (reasons, details) come from servers: toRow cleans them where they enter the tables
 * (src/storage/rowSpec.ts).
 */

type Row = Readonly<Record<string, unknown>>;

/** The cursor row of the cursor table. */
export const CURSOR_ROW = rowKind<CursorRecord>({
  columns: {
    watermark: optionalText("since"),
    frontier: optionalText("PlannedTill"),
    nextSeq: count("JobId", 1),
    firstUnprocessedSeq: count("FirstUnprocessedJobId", 1),
    consecutiveFailures: count("maxExportRetries"),
    halted: flag("Halted"),
    haltReason: optionalText("HaltReason"),
    searchParametersMigrated: flag("SearchParameterMigration"),
    searchParameterAttempts: count("SearchParameterAttempts"),
    searchParameterFailure: optionalText("SearchParameterFailure"),
    resourcesImported: count("ResourcesImported"),
    resourcesFailed: count("ResourcesFailed"),
    caughtUp: flag("CaughtUp"),
    startedAt: optionalText("StartedAt"),
    startWatermark: optionalText("StartWatermark"),
    lastProgressAt: optionalText("LastProgressAt"),
    reindexState: word("ReindexState", "none"),
    reindexStatusUrl: optionalText("ReindexStatusUrl"),
    reindexDetail: optionalText("ReindexDetail"),
    clockSkew: optionalText("ClockSkew"),
    sealed: {
      name: "SealedChunks",
      write: (value: SealedChunks | undefined) =>
        value === undefined ? "" : JSON.stringify(value),
      read: (cell: unknown) =>
        sealedFromColumn(typeof cell === "string" && cell !== "" ? cell : undefined),
      omitWhenAbsent: true,
    },
    countedAhead: {
      name: "CountedAhead",
      write: (value: CountedStretch | undefined) =>
        value === undefined ? "" : JSON.stringify(value),
      read: (cell: unknown) =>
        countedFromColumn(typeof cell === "string" && cell !== "" ? cell : undefined),
      omitWhenAbsent: true,
    },
  },
});

/** A chunk row of the job table: one window and its export. */
export const CHUNK_ROW = rowKind<ChunkRecord>({
  constants: { Kind: "chunk" },
  columns: {
    seq: count("JobSeq"),
    since: requiredText("Since"),
    till: requiredText("Till"),
    resourceType: optionalText("resourceTypeValue"),
    exportStatus: word("ExportStatus", "Planned"),
    exportContentLocation: optionalText("exportContentLocation"),
    exportStartTime: optionalText("ExportStartTime"),
    exportEndTime: optionalText("ExportEndTime"),
    exportAttempts: count("ExportAttempts"),
    expectedCount: count("ExpectedResourceCount"),
    exportConfirmations: count("ExportConfirmations"),
    manifestHash: optionalText("ManifestHash"),
    totalExportResourceCount: optionalCount("TotalExportResourceCount"),
    searchParameterCount: optionalCount("SearchParameterCount"),
    importStatus: word("ImportStatus", "Not Started"),
    payloadCount: optionalCount("PayloadCount"),
    payloadFileCount: optionalCount("PayloadFileCount", { omitWhenAbsent: true }),
    completedCount: count("CompletedCount"),
    processed: flag("IsProcessed"),
    totalImportResourceCount: count("TotalImportResourceCount"),
    totalFailedImportCount: count("TotalFailedImportCount"),
    failureReason: optionalText("FailureReason"),
    endTime: optionalText("EndTime"),
  },
});

/** A payload row of the job table: one import job. */
export const PAYLOAD_ROW = rowKind<PayloadRecord>({
  constants: { Kind: "payload" },
  columns: {
    chunkSeq: count("JobSeq"),
    index: count("PayloadIndex"),
    blobName: requiredText("ImportNo"),
    inputCount: count("InputCount"),
    resourceCount: count("ResourceCount"),
    status: word("ImportStatus", "Pending"),
    importContentLocation: optionalText("importContentLocation"),
    attempts: count("ImportAttempts"),
    importStartTime: optionalText("ImportStartTime"),
    importEndTime: optionalText("ImportEndTime"),
    importedCount: optionalCount("TotalImportResourceCount"),
    failedCount: optionalCount("TotalFailedImportCount"),
    failureReason: optionalText("FailureReason"),
    isolating: flagWhenTrue("Isolating"),
    screenedCount: countWhenPresent("ScreenedCount"),
    round: countWhenPresent("Round"),
  },
});

export function cursorToRow(
  keys: { partitionKey: string; rowKey: string },
  c: CursorRecord,
): TableRow {
  return toRow(CURSOR_ROW, keys.partitionKey, keys.rowKey, c);
}

export function cursorFromRow(r: Row): CursorRecord {
  return fromRow(CURSOR_ROW, r);
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

/** The CountedAhead column: JSON of the planning's CountedStretch, written by cursorToRow. */
function countedFromColumn(text: string | undefined): CountedStretch | undefined {
  if (text === undefined) return undefined;
  let value: Partial<CountedStretch>;
  try {
    value = JSON.parse(text) as Partial<CountedStretch>;
  } catch {
    value = {};
  }
  const { since, till, versions } = value;
  if (
    typeof since !== "string" ||
    typeof till !== "string" ||
    typeof versions !== "number" ||
    !Number.isInteger(versions) ||
    versions < 0
  )
    throw new Error(
      `The cursor row's CountedAhead column is not {since, till, versions}: ${text.slice(0, 200)}`,
    );
  return { since, till, versions };
}

export function chunkToRow(partitionKey: string, rowKey: string, c: ChunkRecord): TableRow {
  return toRow(CHUNK_ROW, partitionKey, rowKey, c);
}

export function chunkFromRow(r: Row): ChunkRecord {
  return fromRow(CHUNK_ROW, r);
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
  return toRow(PAYLOAD_ROW, partitionKey, rowKey, p);
}

export function payloadFromRow(r: Row): PayloadRecord {
  return fromRow(PAYLOAD_ROW, r);
}
