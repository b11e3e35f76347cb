/**
 * The status report: what `Status_Http?format=json` and `fhir-migrate status --json` return, and
 * what the HTML page and the CLI tables are drawn from. Absent values are `null` (never missing
 * keys), times are ISO 8601 UTC, durations are whole seconds, counts are resources unless named.
 * docs/status.md describes every field.
 */

import type { RunPhase } from "../core/runOutcome";
import type { LedgerReport } from "./ledgerOverview";
import type { CheckProblem } from "../verify/runSummary";

export const STATUS_REPORT_VERSION = 1;

/** Chunks on the timeline, newest first. */
export const TIMELINE_LIMIT = 200;
/** Hours on the resources-moved chart, ending with the current hour. */
export const THROUGHPUT_HOURS = 48;

/** One hour in milliseconds: the throughput chart's bucket. */
export const HOUR_MS = 3_600_000;
/** Rows per failure table. */
export const FAILURE_ROWS = 20;
/** Failed-resource groups (type and reason) listed. */
export const FAILURE_GROUPS = 20;
/** Sample ids per failed-resource group. */
export const SAMPLE_IDS = 3;

/**
 * The orchestrator's words (src/core/runOutcome.ts, docs/glossary.md), plus "not-started"; waiting
 * between polls shows as migrating, and the cutover has its own section.
 */
export type PhaseKind =
  "not-started" | Exclude<RunPhase, "waiting" | "cutover" | "cutover-decided">;

export interface StatusReport {
  reportVersion: typeof STATUS_REPORT_VERSION;
  /** When the report was built (the "now" every age and lag is measured from). */
  generatedAt: string;
  migration: MigrationInfo;
  phase: PhaseInfo;
  watermark: WatermarkInfo;
  totals: Totals;
  estimate: EstimateInfo;
  jobs: JobsInFlight;
  throughput: Throughput;
  timeline: Timeline;
  failures: Failures;
  verification: VerificationInfo | null;
  /** The ledger at a glance (docs/status.md, "Ledger"). */
  ledger: LedgerReport;
  reindex: ReindexReminder;
  /** The cutover operation (docs/operations.md, section 7); absent or null when none was requested. */
  cutover?: CutoverInfo | null;
  /** One sentence per list that was cut short, saying what is not shown. Empty when nothing was. */
  truncated: string[];
}

export interface MigrationInfo {
  source: string;
  destination: string;
  /** Cursor table, job table, partition key and row key: which migration's rows these are. */
  state: { cursorTable: string; jobTable: string; partitionKey: string; rowKey: string };
  /** "system": one system-level export per window; "per-type": one export per type and window. */
  exportMode: "system" | "per-type";
  withHistory: boolean;
  withDeletes: boolean;
  /** AZURE_SpecificRun: the end of the range, else null. */
  endDate: string | null;
  /** What `fhir-migrate check-config` warns about these app settings (docs/configuration.md). */
  settingWarnings: string[];
}

export interface PhaseInfo {
  kind: PhaseKind;
  /** "Migrating", "Caught up", ... */
  label: string;
  /** One or two sentences: what is happening and, when it matters, what to do. */
  detail: string;
  /** Paused: when new exports may start again. */
  pausedUntil: string | null;
  /** Halted: why. */
  haltReason: string | null;
}

export interface WatermarkInfo {
  /**
   * Everything last updated before it is on the destination (or recorded as failed), except in the
   * ledger entries listed as unreconciled.
   */
  watermark: string | null;
  /** End of the last planned window. */
  frontier: string | null;
  now: string;
  /** now - watermark, in seconds; null before the first window. */
  lagSeconds: number | null;
  /** "behind by 3 h 12 min", "caught up (watermark 2 min behind now)", ... */
  lagText: string;
  safetyLagSeconds: number;
  startedAt: string | null;
  startWatermark: string | null;
  lastProgressAt: string | null;
  secondsSinceProgress: number | null;
  /**
   * The time span the migration covers: from its first window to now minus the safety lag (to
   * AZURE_EndDate for a specific range; to the watermark once caught up). Null before any window.
   */
  coverage: Coverage | null;
}

export interface Coverage {
  from: string;
  to: string;
  /** Share of the span before the watermark (migrated). */
  doneFraction: number;
  /** Share of the span before the frontier (migrated or in flight). */
  plannedFraction: number;
}

export interface Totals {
  /** Imported by the destination (the cursor's running total). */
  resourcesImported: number;
  /** Rejected by the destination, recorded per resource (the cursor's running total). */
  resourcesFailed: number;
  /** In completed exports' manifests, SearchParameters excluded. */
  resourcesExported: number;
  chunks: number;
  chunksDone: number;
  chunksInFlight: number;
  /** Planned windows whose export has not started (or was requeued after a failure). */
  chunksWaitingToExport: number;
  exportsRunning: number;
  importsRunning: number;
  /** Import payloads built and waiting for a free slot. */
  importsWaiting: number;
  /** Import payloads that failed AZURE_ImportAttempts times. */
  importsFailed: number;
  consecutiveFailures: number;
}

export interface EstimateInfo {
  /** Seconds until the watermark reaches now minus the safety lag, at the pace so far. */
  secondsToCatchUp: number | null;
  /** When, at that pace. */
  catchUpAt: string | null;
  text: string;
  /** Hours of source data migrated per hour of running, since the migration started. */
  dataHoursPerHour: number | null;
}

export interface JobsInFlight {
  exports: ExportJob[];
  imports: ImportJob[];
}

export interface ExportJob {
  chunk: number;
  since: string;
  till: string;
  resourceType: string | null;
  status: string;
  jobId: string | null;
  statusUrl: string | null;
  startedAt: string | null;
  ageSeconds: number | null;
  attempts: number;
  expectedResources: number;
}

export interface ImportJob {
  chunk: number;
  payload: number;
  status: string;
  jobId: string | null;
  statusUrl: string | null;
  startedAt: string | null;
  ageSeconds: number | null;
  attempts: number;
  resources: number;
  inputFiles: number;
}

export interface HourBucket {
  /** Start of the hour (UTC). */
  hour: string;
  imported: number;
  failed: number;
}

export interface Throughput {
  /** Consecutive hours, oldest first, ending with the current hour; empty before anything moved. */
  hours: HourBucket[];
  /** Imported during the current hour so far. */
  currentHour: number;
  peak: HourBucket | null;
  /** Resources imported per hour since the migration started (all of it, not only the chart). */
  averagePerHour: number | null;
  /** Imported before the chart's first hour (not charted). */
  beforeChart: number;
}

export interface TimelineChunk {
  chunk: number;
  since: string;
  till: string;
  resourceType: string | null;
  exportStatus: string;
  importStatus: string;
  processed: boolean;
  /** History-aware count when the window was planned (SearchParameter versions included). */
  expectedResources: number;
  /** Versions the export wrote, SearchParameters excluded (they are copied, not imported). */
  exportedResources: number | null;
  /** SearchParameter versions the export wrote: expected = exported + these, when nothing changed. */
  exportedSearchParameters: number;
  importedResources: number;
  failedResources: number;
  payloads: number | null;
  payloadsCompleted: number;
  exportAttempts: number;
  exportStartedAt: string | null;
  exportSeconds: number | null;
  importSeconds: number | null;
  /** When the chunk's last import completed. */
  endTime: string | null;
  failureReason: string | null;
}

export interface Timeline {
  /** Newest first, at most TIMELINE_LIMIT. */
  chunks: TimelineChunk[];
  total: number;
}

export interface ChunkFailure {
  chunk: number;
  since: string;
  till: string;
  resourceType: string | null;
  exportStatus: string;
  importStatus: string;
  /** False once the chunk went on to complete (the reason is its last failure). */
  unresolved: boolean;
  attempts: number;
  reason: string;
}

export interface PayloadFailure {
  chunk: number;
  payload: number;
  status: string;
  unresolved: boolean;
  attempts: number;
  reason: string;
}

export interface FailedResourceGroup {
  resourceType: string;
  /** The reason with the resource's own id replaced by `{id}`, so the same problem groups together. */
  reason: string;
  count: number;
  samples: { id: string; chunk: number }[];
}

/**
 * What the failures section says when failures were counted but no chunk, payload or resource row
 * holds one: they were steps of the migration itself (planning, a count), named by the halt reason.
 */
export const NO_ROW_FAILURE =
  "No export, import or rejected resource is recorded: the failures counted were steps of the migration itself (planning, counting); the halt reason, or the engine's log, names the last.";

export interface Failures {
  halted: boolean;
  haltReason: string | null;
  consecutiveFailures: number;
  /** AZURE_MaxExportRetries when halting is enabled, else null. */
  haltAfter: number | null;
  searchParameters: {
    copied: boolean;
    attempts: number;
    failure: string | null;
    /** The halt reason already says the same (a credential failure stops both): shown once. */
    failureInHaltReason: boolean;
  };
  /** Chunks with a recorded failure reason, unresolved first, then newest. */
  chunks: ChunkFailure[];
  chunksTotal: number;
  payloads: PayloadFailure[];
  payloadsTotal: number;
  /** Rejected resources grouped by type and reason, largest groups first. */
  resources: {
    groups: FailedResourceGroup[];
    groupsTotal: number;
    /** Failed-resource rows read to build the groups. */
    rowsRead: number;
    /** True when more rows exist than were read (the groups cover the oldest ones). */
    rowsCapped: boolean;
  };
}

/** A check row as the status lists it (src/verify/runSummary.ts), with the check it belongs to. */
export interface VerificationRow extends CheckProblem {
  kind: string;
}

export interface VerificationInfo {
  runId: string;
  /** The worst result of the run: Error, Fail, Behind, Pass (or the stored text). */
  verdict: string;
  /** Rows per check and result, e.g. { surface: { Pass: 40, Behind: 2 } }. */
  counts: Record<string, Record<string, number>>;
  /** Rows that did not pass, at most FAILURE_ROWS. */
  problems: VerificationRow[];
  problemsTotal: number;
  /** Surface rows (per type and scope), at most TIMELINE_LIMIT. */
  surface: VerificationRow[];
  runsSeen: number;
  /** Progress of the run's full check (every version), from its plan and unit rows; null without one. */
  full?: FullCheckProgress | null;
}

export interface FullCheckProgress {
  /** Source versions in the run's timeline when it was planned. */
  versions: number;
  /** Source versions in the units finished so far. */
  versionsDone: number;
  unitsDone: number;
  /** When the run was planned (the estimate's pace is measured from it). */
  startedAt: string | null;
}

export interface ReindexReminder {
  /** The cursor's $reindex state: none, needed, running, done or failed. */
  state: "none" | "needed" | "running" | "done" | "failed";
  /** Someone (or AZURE_ReindexAfterCatchUp) still has to run $reindex on the destination. */
  needed: boolean;
  /** AZURE_ReindexAfterCatchUp: the migration starts $reindex itself once caught up. */
  automatic: boolean;
  statusUrl: string | null;
  /** The last progress or failure the $reindex job reported. */
  detail: string | null;
  /** SearchParameter resources the exports held (they are copied, not imported). */
  searchParametersExported: number;
  /** What to tell the user; null when there is nothing to say. */
  text: string | null;
}

export interface CutoverInfo {
  phase: "draining" | "proving" | "GO" | "NO-GO" | "cancelled";
  freeze: string;
  /** Measured freeze → verdict, once decided. */
  windowSeconds: number | null;
  /** The verdict with its evidence or differences, one line each (src/core/cutover.ts formatCutover). */
  lines: string[];
}
