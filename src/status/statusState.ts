/**
 * Reads what the status shows from the state tables: the cursor, every chunk and payload row (one
 * range query), the failed-resource rows grouped, and the latest verification run. Reading is
 * bounded where the rows can be many (failed resources, check rows): the report says so when a
 * limit was reached. Nothing here writes.
 */
import type { CutoverRecord } from "../core/cutover";
import type { Settings } from "../config/settings";
import type { ChunkRecord, CursorRecord, PayloadRecord } from "../core/migrationState";
import type { EngineDeps } from "../engine/deps";
import { redactUrl } from "../fhir/redact";
import type { LedgerStore } from "../storage/ledgerStore";
import type { MigrationStateStore } from "../storage/migrationStateStore";
import { isStorageError } from "../storage/storageErrors";
import type { FailedResourceSummary } from "./failedResourceGroups";
import { FailedResourceTally } from "./failedResourceGroups";
import type { LedgerReport } from "./ledgerOverview";
import { LedgerTally, MAX_LEDGER_ROWS_READ } from "./ledgerOverview";
import type { VerificationInfo } from "./report";
import { VerificationTally } from "./verificationSummary";

/** Failed-resource rows read per status request (about 20 table pages). */
export const MAX_FAILED_ROWS_READ = 20_000;
/** Check rows read per status request. */
export const MAX_CHECK_ROWS_READ = 50_000;

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
  /** Every planned chunk, any order. */
  chunks: readonly ChunkRecord[];
  /** Every payload row of those chunks, any order. */
  payloads: readonly PayloadRecord[];
  failedResources: FailedResourceSummary;
  verification: VerificationInfo | null;
  verificationCapped: boolean;
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
  "getCursor" | "listChunksWithPayloads" | "listFailedResources" | "listAllCheckResults"
> &
  // Optional: readers made by hand (tests, older stores) may not have the settings row.
  Partial<Pick<MigrationStateStore, "getSettingsRecord" | "getCutover">> & {
    ledger(): Pick<LedgerStore, "listAll">;
  };

/** What the status reads: satisfied by EngineDeps. */
export interface StatusDeps extends Pick<EngineDeps, "settings" | "clock"> {
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
  for await (const record of deps.state.listFailedResources()) {
    if (n++ >= MAX_FAILED_ROWS_READ) {
      tally.markCapped();
      break;
    }
    tally.add(record);
  }
  return tally.summary();
}

async function readVerification(deps: StatusDeps): Promise<VerificationTally> {
  const tally = new VerificationTally();
  let n = 0;
  for await (const record of deps.state.listAllCheckResults()) {
    if (n++ >= MAX_CHECK_ROWS_READ) {
      tally.markCapped();
      break;
    }
    tally.add(record);
  }
  return tally;
}

async function readLedger(deps: StatusDeps, cursor: CursorRecord): Promise<LedgerReport> {
  const tally = new LedgerTally(cursor.startWatermark, cursor.frontier);
  let n = 0;
  for await (const entry of deps.state.ledger().listAll()) {
    if (n++ >= MAX_LEDGER_ROWS_READ) {
      tally.markCapped();
      break;
    }
    tally.add(entry);
  }
  return tally.result();
}

export async function loadStatusState(deps: StatusDeps): Promise<StatusState> {
  const settings = statusSettingsOf(deps.settings);
  try {
    const cursor = await deps.state.getCursor();
    // Chunks planned after the cursor was read are left for the next refresh, so the rows agree.
    const [{ chunks, payloads }, failedResources, verification, settingsRecord, ledger] =
      await Promise.all([
        deps.state.listChunksWithPayloads(1, cursor.nextSeq),
        readFailedResources(deps),
        readVerification(deps),
        deps.state.getSettingsRecord?.(),
        readLedger(deps, cursor),
      ]);
    const cutover = await deps.state.getCutover?.();
    return {
      settings,
      cursor,
      cutover,
      chunks,
      payloads,
      failedResources,
      verification: verification.summary(),
      verificationCapped: verification.rowsCapped,
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
