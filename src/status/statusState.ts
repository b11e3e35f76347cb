/**
 * Reads what the status shows from the state tables: the cursor; a few columns of every chunk row
 * (counts and sums); the chunk and payload rows that record a failure; in full, only the chunks the
 * page lists (the latest TIMELINE_LIMIT, every open one, and those that ended within the chart's
 * hours) with their payloads; the failed-resource rows grouped, and the latest verification run
 * from its summary rows.
 * Payload rows of older chunks are never read: their chunk row holds their totals. Reading is
 * bounded where the rows can be many (failed resources, ledger entries): the report says so when a
 * limit was reached. Of the ledger, the seal row and the entries after it (src/core/ledgerSeal.ts).
 * Nothing here writes.
 */
import type { CutoverRecord } from "../core/cutover";
import type { Settings } from "../config/settings";
import type { ChunkRecord, CursorRecord, PayloadRecord } from "../core/migrationState";
import { NO_SEALED_CHUNKS } from "../core/migrationState";
import type { EngineDeps } from "../engine/deps";
import { redactUrl } from "../fhir/redact";
import type { LedgerStore } from "../storage/ledgerStore";
import type { CheckResultRecord, MigrationStateStore } from "../storage/migrationStateStore";
import { isStorageError } from "../storage/storageErrors";
import type { FailedResourceSummary } from "./failedResourceGroups";
import { FailedResourceTally } from "./failedResourceGroups";
import type { LedgerReport } from "./ledgerOverview";
import { LedgerTally, MAX_LEDGER_ROWS_READ } from "./ledgerOverview";
import type { VerificationInfo } from "./report";
import { HOUR_MS, THROUGHPUT_HOURS, TIMELINE_LIMIT } from "./report";
import type { StatusRowSummary } from "./rowSummary";
import { StatusRowTally } from "./rowSummary";
import { verificationInfoOf } from "./verificationSummary";

/** Failed-resource rows read per status request (about 20 table pages). */
export const MAX_FAILED_ROWS_READ = 20_000;

/** The settings the status shows or needs (no secrets among them). */
export interface StatusSettings {
  sourceUrl: string;
  destinationUrl: string;
  cursorTable: string;
  jobTable: string;
  partitionKey: string;
  rowKey: string;
  safetyLagMs: number;
  /** continueImports: AZURE_ContinueLastImportDuringPause (pending imports still start). */
  pause: { enabled: boolean; startHour: number; endHour: number; continueImports: boolean };
  specificRun: boolean;
  endDate: string | undefined;
  perType: boolean;
  withHistory: boolean;
  withDeletes: boolean;
  /** AZURE_MaxExportRetries when AZURE_MaxExportRetriesEnabled, else undefined. */
  haltAfter: number | undefined;
  /** AZURE_ReindexAfterCatchUp. */
  reindexAfterCatchUp: boolean;
  /** Settings.warnings: settings without effect, names resolved by the alias rule (no secrets). */
  warnings: readonly string[];
}

/** Everything buildStatusReport reads: plain data, so tests can make it by hand. */
export interface StatusState {
  settings: StatusSettings;
  cursor: CursorRecord;
  /**
   * The chunks the page lists, any order: at least the latest TIMELINE_LIMIT and every one not
   * processed yet.
   */
  chunks: readonly ChunkRecord[];
  /** Every payload row of those chunks, any order. */
  payloads: readonly PayloadRecord[];
  /** Counts, failures and moves over every chunk and payload (summarizeRows for rows in hand). */
  summary: StatusRowSummary;
  failedResources: FailedResourceSummary;
  verification: VerificationInfo | null;
  /** A runner with other shaping settings was refused on these tables: when and why. */
  settingsRefusal?: string | undefined;
  /** The ledger at a glance (src/status/ledgerOverview.ts). */
  ledger: LedgerReport;
  /** The cutover operation's row, when one was requested (src/core/cutover.ts). */
  cutover?: CutoverRecord | undefined;
}

/** The store's read methods the status uses (EngineDeps' state store has them). */
export type StatusStateReader = Pick<
  MigrationStateStore,
  | "getCursor"
  | "listChunksWithPayloads"
  | "listChunkSummaries"
  | "firstChunkEndedSince"
  | "listFailureRows"
  | "listFailedResourceReasons"
  | "getLatestVerificationRun"
  | "listCheckSummaries"
  | "listRunCheckResults"
> &
  // Optional: readers made by hand (tests, older stores) may not have the settings row.
  Partial<Pick<MigrationStateStore, "getSettingsRecord" | "cutover">> & {
    ledger(): Pick<LedgerStore, "seal" | "getMany" | "listAfterSeal">;
  };

/** What the status reads: satisfied by EngineDeps. */
export interface StatusDeps extends Pick<EngineDeps, "settings"> {
  clock: Pick<EngineDeps["clock"], "now">;
  state: StatusStateReader;
}

/** The state tables do not exist: nothing has run with these storage settings yet. */
export class MigrationStateMissingError extends Error {
  override readonly name = "MigrationStateMissingError";
}

export function statusSettingsOf(settings: Settings): StatusSettings {
  return {
    sourceUrl: redactUrl(settings.source.baseUrl),
    destinationUrl: redactUrl(settings.destination.baseUrl),
    cursorTable: settings.storage.cursorTable,
    jobTable: settings.storage.exportTable,
    partitionKey: settings.storage.partitionKey,
    rowKey: settings.storage.rowKey,
    safetyLagMs: settings.chunking.safetyLagMs,
    pause: {
      enabled: settings.pause.enabled,
      startHour: settings.pause.startHour,
      endHour: settings.pause.endHour,
      continueImports: settings.pause.continueLastImportDuringPause,
    },
    specificRun: settings.chunking.specificRun,
    endDate: settings.chunking.endDate,
    perType: !settings.export.isParallel,
    withHistory: settings.export.withHistory,
    withDeletes: settings.export.withDelete,
    haltAfter: settings.failure.haltEnabled ? settings.failure.maxConsecutiveFailures : undefined,
    reindexAfterCatchUp: settings.verification.reindexAfterCatchUp,
    warnings: settings.warnings,
  };
}

async function readFailedResources(deps: StatusDeps): Promise<FailedResourceSummary> {
  const tally = new FailedResourceTally();
  let n = 0;
  for await (const record of deps.state.listFailedResourceReasons()) {
    if (n++ >= MAX_FAILED_ROWS_READ) {
      tally.markCapped();
      break;
    }
    tally.add(record);
  }
  return tally.summary();
}

/**
 * The latest verification run: the latest-run row, that run's summary rows (one per check) and its
 * surface rows (one per type and scope). Never the other runs' rows, nor the unit, sampled-resource
 * or reconciled-resource rows.
 */
async function readVerification(deps: StatusDeps): Promise<VerificationInfo | null> {
  const latest = await deps.state.getLatestVerificationRun();
  if (latest === undefined) return null;
  const [summaries, surface] = await Promise.all([
    deps.state.listCheckSummaries(latest.runId),
    (async () => {
      const rows: CheckResultRecord[] = [];
      for await (const r of deps.state.listRunCheckResults(latest.runId, "surface")) rows.push(r);
      return rows;
    })(),
  ]);
  return verificationInfoOf(latest, summaries, surface);
}

/**
 * The ledger's seal row, the unreconciled entries it holds (at most MAX_SEAL_EXCEPTIONS) and the
 * entries after it, up to MAX_LEDGER_ROWS_READ: never the reconciled entries it sealed.
 */
async function readLedger(deps: StatusDeps, cursor: CursorRecord): Promise<LedgerReport> {
  const tally = new LedgerTally(cursor.startWatermark, cursor.frontier);
  const ledger = deps.state.ledger();
  const seal = await ledger.seal();
  tally.addSeal(seal, [...(await ledger.getMany(seal.exceptions)).values()]);
  let n = 0;
  for await (const entry of ledger.listAfterSeal(seal)) {
    if (n++ >= MAX_LEDGER_ROWS_READ) {
      tally.markCapped();
      break;
    }
    tally.add(entry);
  }
  return tally.result();
}

/**
 * Every chunk's counts: the cursor's sealed totals for the processed chunks below sealed.toSeq,
 * a few columns of each later one. Returns the first chunk the page lists or charts in full: the
 * latest TIMELINE_LIMIT, every open one, and every one that ended since `chartFrom`; the imports
 * of unsealed chunks before it go on the chart as their totals at their end time. Chunks are read
 * in seq order and only their totals kept, never the rows.
 */
async function readChunkTotals(
  deps: StatusDeps,
  cursor: CursorRecord,
  chartFrom: string,
  tally: StatusRowTally,
): Promise<number> {
  const sealed = cursor.sealed ?? NO_SEALED_CHUNKS;
  tally.addSealed(sealed);
  let fullFrom = Math.max(1, Math.min(cursor.firstUnprocessedSeq, cursor.nextSeq - TIMELINE_LIMIT));
  const recent = await deps.state.firstChunkEndedSince(
    1,
    Math.min(sealed.toSeq, fullFrom),
    chartFrom,
  );
  if (recent !== undefined) fullFrom = recent;
  for await (const c of deps.state.listChunkSummaries(sealed.toSeq, cursor.nextSeq)) {
    tally.addChunk(c);
    if (c.seq >= fullFrom) continue;
    const old = c.processed && c.endTime !== undefined && c.endTime < chartFrom;
    if (old) tally.addMovedChunk(c);
    else fullFrom = c.seq;
  }
  return fullFrom;
}

async function readFailureRows(
  deps: StatusDeps,
  cursor: CursorRecord,
  tally: StatusRowTally,
): Promise<void> {
  for await (const row of deps.state.listFailureRows(1, cursor.nextSeq)) {
    if ("chunk" in row) tally.addChunkFailure(row.chunk);
    else tally.addPayloadFailure(row.payload);
  }
}

/** The summary over every chunk and payload, and the rows of the chunks the page lists. */
async function readChunks(
  deps: StatusDeps,
  cursor: CursorRecord,
): Promise<{ chunks: ChunkRecord[]; payloads: PayloadRecord[]; summary: StatusRowSummary }> {
  // The chart's first hour, and one more: the report is built a little after this read.
  const chartFromMs = (Math.floor(deps.clock.now() / HOUR_MS) - THROUGHPUT_HOURS) * HOUR_MS;
  const chartFrom = new Date(chartFromMs).toISOString();
  const tally = new StatusRowTally();
  const [fullFrom] = await Promise.all([
    readChunkTotals(deps, cursor, chartFrom, tally),
    readFailureRows(deps, cursor, tally),
  ]);
  const { chunks, payloads } = await deps.state.listChunksWithPayloads(fullFrom, cursor.nextSeq);
  tally.addMovedRows(chunks, payloads);
  // Sealed chunks not read in full all ended before chartFrom: their imports precede the chart.
  const sealed = cursor.sealed ?? NO_SEALED_CHUNKS;
  const read = chunks.filter((c) => c.seq < sealed.toSeq);
  const imported = sealed.totalImportResourceCount - sum(read, (c) => c.totalImportResourceCount);
  const failed = sealed.totalFailedImportCount - sum(read, (c) => c.totalFailedImportCount);
  if (imported !== 0 || failed !== 0)
    tally.addMoved(new Date(chartFromMs - 1).toISOString(), imported, failed);
  return { chunks, payloads, summary: tally.summary() };
}

const sum = <T>(items: readonly T[], of: (item: T) => number): number =>
  items.reduce((n, item) => n + of(item), 0);

export async function loadStatusState(deps: StatusDeps): Promise<StatusState> {
  const settings = statusSettingsOf(deps.settings);
  try {
    const cursor = await deps.state.getCursor();
    // Chunks planned after the cursor was read are left for the next refresh, so the rows agree.
    const [{ chunks, payloads, summary }, failedResources, verification, settingsRecord, ledger] =
      await Promise.all([
        readChunks(deps, cursor),
        readFailedResources(deps),
        readVerification(deps),
        deps.state.getSettingsRecord?.(),
        readLedger(deps, cursor),
      ]);
    const cutover = await deps.state.cutover?.get();
    return {
      settings,
      cursor,
      cutover,
      chunks,
      payloads,
      summary,
      failedResources,
      verification,
      settingsRefusal:
        settingsRecord?.refusedAt === undefined
          ? undefined
          : `A runner with other settings was refused at ${settingsRecord.refusedAt}: ${settingsRecord.refusedReason ?? ""}`,
      ledger,
    };
  } catch (error) {
    if (isStorageError(error, 404, ["TableNotFound"])) {
      throw new MigrationStateMissingError(
        `No migration state: table ${settings.cursorTable} or ${settings.jobTable} does not exist in the app's storage account. ` +
          "The migration has not run with these settings yet; check AzureWebJobsStorage, AZURE_ChunkTableName and AZURE_ExportTableName.",
      );
    }
    throw error;
  }
}
