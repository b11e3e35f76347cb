import type {
  ChunkRecord,
  CursorRecord,
  PayloadRecord,
  SealedChunks,
} from "../core/migrationState";
import { chunkKey, payloadKey } from "../core/migrationState";
import type { CountedStretch } from "../core/windows";
import type { StateKeys } from "./cursorStore";
import {
  checkedJson,
  count,
  flag,
  flagWhenTrue,
  countWhenPresent,
  custom,
  fromRow,
  optionalCount,
  optionalText,
  requiredText,
  rowKind,
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

/** The totals a SealedChunks cell must hold. */
const SEALED_COUNTS = [
  "toSeq",
  "chunks",
  "totalExportResourceCount",
  "searchParameterCount",
  "totalImportResourceCount",
  "totalFailedImportCount",
] as const satisfies readonly (keyof SealedChunks)[];

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0;

/** The cursor row of the cursor table. */
export const CURSOR_ROW = rowKind<CursorRecord>({
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
  sealed: checkedJson<SealedChunks>("SealedChunks", "chunk totals", (value) =>
    SEALED_COUNTS.every((key) => isCount(value[key]))
      ? (value as unknown as SealedChunks)
      : undefined,
  ),
  countedAhead: checkedJson<CountedStretch>(
    "CountedAhead",
    "{since, till, versions}",
    ({ since, till, versions }) =>
      typeof since === "string" && typeof till === "string" && isCount(versions)
        ? { since, till, versions }
        : undefined,
  ),
});

/**
 * A chunk's row key in the job table, `{rowKey}-{seq:8}`: its payloads' keys start with it, so one
 * range query lists a chunk with its payloads in order.
 */
export function chunkRowKey(keys: StateKeys, seq: number): string {
  return `${keys.rowKey}-${chunkKey(seq)}`;
}

/** A payload's row key in the job table, `{rowKey}-{seq:8}-p{n:4}`. */
export function payloadRowKey(keys: StateKeys, chunkSeq: number, index: number): string {
  return `${keys.rowKey}-${payloadKey(chunkSeq, index)}`;
}

/**
 * The seen-types row's key in the job table, `{rowKey}-seentypes`: after every chunk key (digits
 * sort before letters), so no range of chunk seqs reads it.
 */
export function seenTypesRowKey(keys: StateKeys): string {
  return `${keys.rowKey}-seentypes`;
}

/** The resource types seen holding resources (src/core/typeDiscovery.ts). */
export interface SeenTypes {
  types: string[];
}

/**
 * The seen-types row of the job table: the types type discovery found and those the migration
 * moved, comma-separated (146 R4 names at most, about 2 KB).
 */
export const SEEN_TYPES_ROW = rowKind<SeenTypes>("seenTypes", {
  types: custom<string[]>(
    "Types",
    (types) => types.join(","),
    (cell) => (typeof cell === "string" && cell !== "" ? cell.split(",") : []),
  ),
});

/** A chunk row of the job table: one window and its export. */
export const CHUNK_ROW = rowKind<ChunkRecord>("chunk", {
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
});

/** A payload row of the job table: one import job. */
export const PAYLOAD_ROW = rowKind<PayloadRecord>("payload", {
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
});

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

/** The columns CHUNK_ROW writes those fields to: what a status read selects. */
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
  const c = fromRow(CHUNK_ROW, r);
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
