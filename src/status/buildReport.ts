/**
 * buildStatusReport: the status report from the state rows and an explicit `now`. Pure: no I/O,
 * no clock, so the page, the JSON and the CLI agree and tests can pin every number.
 */
import { formatCutover } from "../core/cutover";
import { cleanDeep } from "../fhir/redact";
import { estimateSecondsToCatchUp } from "../core/eta";
import type { ChunkRecord, CursorRecord, PayloadRecord } from "../core/migrationState";
import { describePauseWindow, isPaused, pauseEndsAt } from "../core/pauseWindow";
import { runPhase } from "../core/runOutcome";
import { formatCount, formatDuration, formatMinute, plural } from "./format";
import { jobIdOf, redactLocation, reportText } from "./redactText";
import type {
  Coverage,
  EstimateInfo,
  ExportJob,
  Failures,
  HourBucket,
  ImportJob,
  PhaseInfo,
  ReindexReminder,
  StatusReport,
  Throughput,
  TimelineChunk,
  Totals,
  WatermarkInfo,
} from "./report";
import {
  FAILURE_GROUPS,
  FAILURE_ROWS,
  HOUR_MS,
  STATUS_REPORT_VERSION,
  THROUGHPUT_HOURS,
  TIMELINE_LIMIT,
} from "./report";
import type { StatusSettings, StatusState } from "./statusState";
import { exportJob, importJob } from "../core/jobLifecycle";

/** Fewest hours the resources-moved chart spans. */
export const MIN_CHART_HOURS = 12;

const ms = (iso: string): number => Date.parse(iso);
const seconds = (fromMs: number, toMs: number): number =>
  Math.max(0, Math.round((toMs - fromMs) / 1000));
const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));
const iso = (t: number): string => new Date(t).toISOString();

const isExporting = (c: ChunkRecord) => exportJob.isInFlight(c.exportStatus);
const isImporting = (p: PayloadRecord) => importJob.isInFlight(p.status);

/** The chunks' payloads, by chunk sequence number. */
function payloadsByChunk(payloads: readonly PayloadRecord[]): Map<number, PayloadRecord[]> {
  const map = new Map<number, PayloadRecord[]>();
  for (const p of payloads) {
    const list = map.get(p.chunkSeq) ?? [];
    list.push(p);
    map.set(p.chunkSeq, list);
  }
  return map;
}

interface Derived {
  unprocessed: ChunkRecord[];
  exportsRunning: ChunkRecord[];
  importsRunning: PayloadRecord[];
  /** Every window up to AZURE_EndDate is migrated: the "range-complete" phase. */
  rangeMigrated: boolean;
  paused: boolean;
  pausedUntil: Date | undefined;
}

function derive(state: StatusState, now: Date): Derived {
  const { settings, cursor, chunks, payloads } = state;
  const unprocessed = chunks.filter((c) => !c.processed);
  const open = new Set(unprocessed.map((c) => c.seq));
  const { pause } = settings;
  const paused = pause.enabled && isPaused(now, pause.startHour, pause.endHour);
  return {
    unprocessed,
    exportsRunning: unprocessed.filter(isExporting),
    importsRunning: payloads.filter((p) => open.has(p.chunkSeq) && isImporting(p)),
    rangeMigrated:
      settings.specificRun &&
      settings.endDate !== undefined &&
      cursor.frontier !== undefined &&
      ms(cursor.frontier) >= ms(settings.endDate) &&
      unprocessed.length === 0,
    paused,
    pausedUntil: paused ? pauseEndsAt(now, pause.startHour, pause.endHour) : undefined,
  };
}

/** Nothing planned and no planning has run (an empty source is caught up, not "not started"). */
function notStarted(cursor: CursorRecord, chunksPlanned: number): boolean {
  return (
    chunksPlanned === 0 &&
    cursor.watermark === undefined &&
    cursor.startedAt === undefined &&
    !cursor.caughtUp
  );
}

/** A runner refused for other shaping settings (src/engine/settingsGuard.ts) is named on every phase. */
function withRefusal(phase: PhaseInfo, refusal: string | undefined): PhaseInfo {
  return refusal === undefined
    ? phase
    : { ...phase, detail: `${phase.detail} ${reportText(refusal)}` };
}

/** The clock skew the last planning found (src/engine/windowClock.ts), as a trailing sentence. */
function skewNote(cursor: CursorRecord): string {
  return cursor.clockSkew === undefined ? "" : ` ${reportText(cursor.clockSkew)}`;
}

/**
 * What "caught up" may claim: every window before the watermark is imported; that the destination
 * holds what the source changed only as far as the ledger has counted it, that is from where the
 * ledger begins to its first unreconciled entry or its first entry still waiting for a count
 * (docs/status.md, "Phase").
 */
function caughtUpClaim(watermark: string, ledger: StatusState["ledger"]): string {
  const watermarkMs = ms(watermark);
  const before = (since: string | null) =>
    since !== null && ms(since) < watermarkMs ? since : undefined;
  const unreconciled = before(ledger.firstUnreconciledSince);
  const open = before(ledger.firstOpenSince);
  // A ledger read only in part confirms nothing after the last entry read.
  const unread = !ledger.capped
    ? undefined
    : ledger.readUntil === null
      ? (ledger.from ?? watermark)
      : before(ledger.readUntil);
  // Set when the ledger begins after the migration's start (windows planned before it existed).
  const begins = ledger.ledgerStartsAt ?? undefined;
  const as = `Caught up as of ${formatMinute(watermark)}`;
  if (unreconciled === undefined && open === undefined && begins === undefined && !ledger.capped)
    return `${as}: everything the source changed before then is on the destination.`;
  const until = [unreconciled, open, unread]
    .filter((t): t is string => t !== undefined)
    .reduce((a, b) => (ms(a) < ms(b) ? a : b), watermark);
  const from = begins ?? ledger.from ?? undefined;
  const confirmed =
    from === undefined || ms(until) <= ms(from)
      ? "the ledger has not confirmed any of it on the destination yet"
      : `the ledger confirms that everything the source changed ${begins === undefined ? "" : `from ${formatMinute(begins)} `}before ${formatMinute(until)} is on the destination`;
  const notes = [
    begins === undefined || ms(begins) >= watermarkMs
      ? undefined
      : `windows before ${formatMinute(begins)} were planned before the ledger existed and are not counted`,
    unreconciled === undefined
      ? undefined
      : `${plural(ledger.unreconciled, "ledger entry", "ledger entries")} from ${formatMinute(unreconciled)} ${ledger.unreconciled === 1 ? "is" : "are"} unreconciled (${plural(ledger.missing, "version")} missing; see the Ledger)`,
    open === undefined
      ? undefined
      : `${plural(ledger.pending, "stretch", "stretches")} from ${formatMinute(open)} ${ledger.pending === 1 ? "waits" : "wait"} for the ledger's count`,
    !ledger.capped
      ? undefined
      : ledger.readUntil === null
        ? "the ledger was read only in part"
        : `the ledger was read only up to ${formatMinute(ledger.readUntil)} (${plural(ledger.entriesRead, "entry", "entries")} read one by one)`,
  ].filter((n): n is string => n !== undefined);
  return `${as}: every window before then is imported, and ${confirmed}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}.`;
}

function inFlightText(d: Derived, waitingToExport: number, waitingImports: number): string {
  const parts = [
    plural(d.exportsRunning.length, "export") + " running",
    plural(d.importsRunning.length, "import") + " running",
  ];
  if (waitingToExport > 0) parts.push(`${plural(waitingToExport, "window")} waiting to export`);
  if (waitingImports > 0) parts.push(`${plural(waitingImports, "import")} waiting for a slot`);
  return parts.join(", ");
}

function phaseOf(
  state: StatusState,
  d: Derived,
  waitingToExport: number,
  waitingImports: number,
): PhaseInfo {
  const { cursor, settings } = state;
  const base = { pausedUntil: null, haltReason: null };
  const phase = runPhase({
    outcome: cursor.halted ? "halted" : d.rangeMigrated ? "range-complete" : undefined,
    paused: d.paused,
    caughtUp: cursor.caughtUp && d.unprocessed.length === 0,
  });
  if (phase === "halted") {
    const reason = reportText(cursor.haltReason ?? "no reason was recorded");
    return {
      ...base,
      kind: "halted",
      label: "Halted",
      detail: `The migration stopped: ${reason}. Nothing is skipped; fix the cause, then resume it (ClearMaxExportRetries_Http, or fhir-migrate reset-retries).`,
      haltReason: reason,
    };
  }
  if (phase === "range-complete") {
    return {
      ...base,
      kind: "range-complete",
      label: "Range complete",
      detail: `Every window up to AZURE_EndDate (${formatMinute(settings.endDate)}) is migrated.`,
    };
  }
  // Before the first window the page says so; the orchestrator has no pass to report then.
  if (notStarted(cursor, state.summary.chunks)) {
    return {
      ...base,
      kind: "not-started",
      label: "Not started",
      detail:
        "No window has been planned yet: the migration starts on the next timer tick (MigrationStarterCron).",
    };
  }
  if (phase === "paused") {
    const { startHour, endHour, continueImports } = settings.pause;
    const imports = continueImports
      ? "imports already built still start and running jobs are polled"
      : "running jobs are polled, no new import starts";
    return {
      ...base,
      kind: "paused",
      label: "Paused",
      detail: `Business-hours pause (${describePauseWindow(startHour, endHour)}): no new export starts until ${formatMinute(d.pausedUntil?.toISOString())}; ${imports}.`,
      pausedUntil: d.pausedUntil?.toISOString() ?? null,
    };
  }
  if (phase === "caught-up") {
    return {
      ...base,
      kind: "caught-up",
      label: "Caught up",
      detail:
        cursor.watermark === undefined
          ? "The source holds nothing to migrate yet; the migration keeps polling for new changes."
          : // The watermark is the end of the last window planned against both clocks: the honest "as of".
            `${caughtUpClaim(cursor.watermark, state.ledger)} The migration keeps polling for new changes.${skewNote(cursor)}`,
    };
  }
  return {
    ...base,
    kind: "migrating",
    label: "Migrating",
    detail: `${inFlightText(d, waitingToExport, waitingImports)}.${skewNote(cursor)}`,
  };
}

/**
 * The span the migration covers: from its first window to now minus the safety lag (to
 * AZURE_EndDate for a specific range). Once caught up, it ends at the watermark: the last planning
 * found nothing newer, so all of it is migrated.
 */
function coverageOf(state: StatusState, phase: PhaseInfo, nowMs: number): Coverage | null {
  const { cursor, settings } = state;
  const from = cursor.startWatermark ?? state.summary.firstSince;
  if (from === undefined) return null;
  const fromMs = ms(from);
  let endMs = nowMs - settings.safetyLagMs;
  if (settings.specificRun && settings.endDate !== undefined)
    endMs = Math.min(endMs, ms(settings.endDate));
  if (
    (phase.kind === "caught-up" || phase.kind === "range-complete") &&
    cursor.watermark !== undefined
  )
    endMs = ms(cursor.watermark);
  const toMs = Math.max(endMs, fromMs);
  const span = toMs - fromMs;
  const fraction = (at: string | undefined): number => {
    if (at === undefined) return 0;
    return span <= 0 ? 1 : clamp01((ms(at) - fromMs) / span);
  };
  return {
    from,
    to: iso(toMs),
    doneFraction: fraction(cursor.watermark),
    plannedFraction: Math.max(fraction(cursor.watermark), fraction(cursor.frontier)),
  };
}

function watermarkOf(state: StatusState, phase: PhaseInfo, nowMs: number): WatermarkInfo {
  const { cursor, settings } = state;
  const lagSeconds = cursor.watermark === undefined ? null : seconds(ms(cursor.watermark), nowMs);
  let lagText: string;
  if (lagSeconds === null) lagText = "nothing migrated yet";
  else if (phase.kind === "caught-up")
    lagText = `caught up (watermark ${formatDuration(lagSeconds)} behind now)`;
  else lagText = `behind by ${formatDuration(lagSeconds)}`;
  return {
    watermark: cursor.watermark ?? null,
    frontier: cursor.frontier ?? null,
    now: iso(nowMs),
    lagSeconds,
    lagText,
    safetyLagSeconds: Math.round(settings.safetyLagMs / 1000),
    startedAt: cursor.startedAt ?? null,
    startWatermark: cursor.startWatermark ?? null,
    lastProgressAt: cursor.lastProgressAt ?? null,
    secondsSinceProgress:
      cursor.lastProgressAt === undefined ? null : seconds(ms(cursor.lastProgressAt), nowMs),
    coverage: coverageOf(state, phase, nowMs),
  };
}

function totalsOf(state: StatusState, d: Derived): Totals {
  const { cursor, payloads, summary } = state;
  const open = new Set(d.unprocessed.map((c) => c.seq));
  return {
    resourcesImported: cursor.resourcesImported,
    resourcesFailed: cursor.resourcesFailed,
    resourcesExported: summary.resourcesExported,
    chunks: summary.chunks,
    chunksDone: summary.chunksDone,
    chunksInFlight: d.unprocessed.length,
    chunksWaitingToExport: d.unprocessed.filter((c) => c.exportStatus === "Planned").length,
    exportsRunning: d.exportsRunning.length,
    importsRunning: d.importsRunning.length,
    importsWaiting: payloads.filter((p) => open.has(p.chunkSeq) && p.status === "Pending").length,
    importsFailed: summary.importsFailed,
    consecutiveFailures: cursor.consecutiveFailures,
  };
}

function estimateOf(state: StatusState, phase: PhaseInfo, nowMs: number): EstimateInfo {
  const { cursor, settings } = state;
  const elapsedMs = cursor.startedAt === undefined ? undefined : nowMs - ms(cursor.startedAt);
  const coveredMs =
    cursor.watermark === undefined || cursor.startWatermark === undefined
      ? undefined
      : ms(cursor.watermark) - ms(cursor.startWatermark);
  // Under a minute of running says little about the pace.
  const dataHoursPerHour =
    elapsedMs !== undefined && coveredMs !== undefined && elapsedMs >= 60_000 && coveredMs > 0
      ? coveredMs / elapsedMs
      : null;
  const none = (text: string): EstimateInfo => ({
    secondsToCatchUp: null,
    catchUpAt: null,
    text,
    dataHoursPerHour,
  });
  switch (phase.kind) {
    case "halted":
      return none("none while halted");
    case "not-started":
      return none("not started");
    case "range-complete":
      return { ...none("range complete"), secondsToCatchUp: 0 };
    case "caught-up":
      return { ...none("caught up"), secondsToCatchUp: 0 };
    default:
      break;
  }
  const estimate = estimateSecondsToCatchUp(cursor, nowMs, settings.safetyLagMs);
  if (estimate === 0) return { ...none("catching up now"), secondsToCatchUp: 0 };
  if (estimate !== undefined) {
    return {
      secondsToCatchUp: estimate,
      catchUpAt: iso(nowMs + estimate * 1000),
      text: `about ${formatDuration(estimate)}`,
      dataHoursPerHour,
    };
  }
  if (coveredMs === undefined || coveredMs <= 0 || elapsedMs === undefined || elapsedMs <= 0)
    return none("not enough progress yet to estimate");
  return none("not catching up at the current pace (the source changes as fast as it is migrated)");
}

function exportJobs(d: Derived, nowMs: number): ExportJob[] {
  return [...d.exportsRunning]
    .sort((a, b) => a.seq - b.seq)
    .map((c) => ({
      chunk: c.seq,
      since: c.since,
      till: c.till,
      resourceType: c.resourceType ?? null,
      status: c.exportStatus,
      jobId: jobIdOf(c.exportContentLocation),
      statusUrl: redactLocation(c.exportContentLocation),
      startedAt: c.exportStartTime ?? null,
      ageSeconds: c.exportStartTime === undefined ? null : seconds(ms(c.exportStartTime), nowMs),
      attempts: c.exportAttempts,
      expectedResources: c.expectedCount,
    }));
}

function importJobs(d: Derived, nowMs: number): ImportJob[] {
  return [...d.importsRunning]
    .sort((a, b) => a.chunkSeq - b.chunkSeq || a.index - b.index)
    .map((p) => ({
      chunk: p.chunkSeq,
      payload: p.index,
      status: p.status,
      jobId: jobIdOf(p.importContentLocation),
      statusUrl: redactLocation(p.importContentLocation),
      startedAt: p.importStartTime ?? null,
      ageSeconds: p.importStartTime === undefined ? null : seconds(ms(p.importStartTime), nowMs),
      attempts: p.attempts,
      resources: p.resourceCount,
      inputFiles: p.inputCount,
    }));
}

function throughputOf(state: StatusState, nowMs: number): Throughput {
  const events = state.summary.moved;
  const currentHour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const { cursor } = state;
  const elapsed = cursor.startedAt === undefined ? undefined : nowMs - ms(cursor.startedAt);
  const averagePerHour =
    elapsed !== undefined && elapsed >= 60_000
      ? Math.round((cursor.resourcesImported / elapsed) * HOUR_MS)
      : null;
  if (events.length === 0) {
    return { hours: [], currentHour: 0, peak: null, averagePerHour, beforeChart: 0 };
  }
  // Hour buckets, oldest first.
  const firstHour = events[0]!.hour;
  // At least MIN_CHART_HOURS, so a young migration's bars sit on a time axis, not alone mid-chart.
  const chartStart = Math.max(
    currentHour - (THROUGHPUT_HOURS - 1) * HOUR_MS,
    Math.min(firstHour, currentHour - (MIN_CHART_HOURS - 1) * HOUR_MS),
  );
  const hours: HourBucket[] = [];
  for (let h = chartStart; h <= currentHour; h += HOUR_MS)
    hours.push({ hour: iso(h), imported: 0, failed: 0 });
  let beforeChart = 0;
  for (const e of events) {
    if (e.hour < chartStart) {
      beforeChart += e.imported;
      continue;
    }
    // A row stamped a little ahead of this clock (another machine's) counts in the current hour.
    const index = Math.min(hours.length - 1, Math.floor((e.hour - chartStart) / HOUR_MS));
    const bucket = hours[index]!;
    bucket.imported += e.imported;
    bucket.failed += e.failed;
  }
  const peak = hours.reduce<HourBucket | null>(
    (best, h) => (h.imported > 0 && (best === null || h.imported > best.imported) ? h : best),
    null,
  );
  return {
    hours,
    currentHour: hours[hours.length - 1]!.imported,
    peak,
    averagePerHour,
    beforeChart,
  };
}

function timelineChunk(c: ChunkRecord, payloads: PayloadRecord[], nowMs: number): TimelineChunk {
  let exportSeconds: number | null = null;
  if (c.exportStartTime !== undefined && c.exportEndTime !== undefined)
    exportSeconds = seconds(ms(c.exportStartTime), ms(c.exportEndTime));
  else if (c.exportStartTime !== undefined && isExporting(c))
    exportSeconds = seconds(ms(c.exportStartTime), nowMs);
  const starts = payloads.flatMap((p) =>
    p.importStartTime === undefined ? [] : [ms(p.importStartTime)],
  );
  const ends = payloads.flatMap((p) =>
    p.importEndTime === undefined ? [] : [ms(p.importEndTime)],
  );
  let importSeconds: number | null = null;
  if (starts.length > 0) {
    const start = Math.min(...starts);
    if (!c.processed) importSeconds = seconds(start, nowMs);
    else if (c.endTime !== undefined) importSeconds = seconds(start, ms(c.endTime));
    else if (ends.length > 0) importSeconds = seconds(start, Math.max(...ends));
  }
  return {
    chunk: c.seq,
    since: c.since,
    till: c.till,
    resourceType: c.resourceType ?? null,
    exportStatus: c.exportStatus,
    importStatus: c.importStatus,
    processed: c.processed,
    expectedResources: c.expectedCount,
    exportedResources: c.totalExportResourceCount ?? null,
    exportedSearchParameters: c.searchParameterCount ?? 0,
    importedResources: c.totalImportResourceCount,
    failedResources: c.totalFailedImportCount,
    payloads: c.payloadCount ?? null,
    payloadsCompleted: c.completedCount,
    exportAttempts: c.exportAttempts,
    exportStartedAt: c.exportStartTime ?? null,
    exportSeconds,
    importSeconds,
    endTime: c.endTime ?? null,
    failureReason: c.failureReason === undefined ? null : reportText(c.failureReason),
  };
}

function searchParameterFailure(cursor: StatusState["cursor"]): Failures["searchParameters"] {
  const failure =
    cursor.searchParameterFailure === undefined ? null : reportText(cursor.searchParameterFailure);
  return {
    copied: cursor.searchParametersMigrated && cursor.searchParameterFailure === undefined,
    attempts: cursor.searchParameterAttempts,
    failure,
    failureInHaltReason:
      failure !== null &&
      cursor.halted &&
      reportText(cursor.haltReason ?? "").includes(failure.split("; ")[0] ?? failure),
  };
}

function failuresOf(state: StatusState, settings: StatusSettings): Failures {
  const { cursor, summary } = state;
  const { groups, rowsRead, rowsCapped } = state.failedResources;
  return {
    halted: cursor.halted,
    haltReason: cursor.haltReason === undefined ? null : reportText(cursor.haltReason),
    consecutiveFailures: cursor.consecutiveFailures,
    haltAfter: settings.haltAfter ?? null,
    searchParameters: searchParameterFailure(cursor),
    chunks: summary.chunkFailures.slice(0, FAILURE_ROWS),
    chunksTotal: summary.chunkFailuresTotal,
    payloads: summary.payloadFailures.slice(0, FAILURE_ROWS),
    payloadsTotal: summary.payloadFailuresTotal,
    resources: {
      groups: groups.slice(0, FAILURE_GROUPS),
      groupsTotal: groups.length,
      rowsRead,
      rowsCapped,
    },
  };
}

/**
 * The $reindex reminder, from the cursor's reindex state: the SearchParameter copy marks it needed
 * when it wrote a new or changed SearchParameter to the destination (resources imported before it
 * are not indexed by it); AZURE_ReindexAfterCatchUp then runs it once caught up.
 */
function reindexOf(state: StatusState): ReindexReminder {
  const { cursor, settings, summary } = state;
  const automatic = settings.reindexAfterCatchUp;
  const detail = cursor.reindexDetail === undefined ? null : reportText(cursor.reindexDetail);
  const base = {
    state: cursor.reindexState,
    automatic,
    statusUrl: redactLocation(cursor.reindexStatusUrl),
    detail,
    searchParametersExported: summary.searchParametersExported,
  };
  const written =
    "Custom SearchParameters were written to the destination; resources imported before them are not searchable by them until the destination is reindexed.";
  switch (cursor.reindexState) {
    case "needed":
      return {
        ...base,
        needed: true,
        text: automatic
          ? `${written} $reindex starts on the destination once the migration is caught up (AZURE_ReindexAfterCatchUp).`
          : `${written} After cutover, run $reindex on the destination, or set AZURE_ReindexAfterCatchUp=true to have it started once caught up.`,
      };
    case "running":
      return {
        ...base,
        needed: false,
        text: `$reindex is running on the destination${detail === null ? "" : ` (${detail})`}.`,
      };
    case "done":
      return {
        ...base,
        needed: false,
        text: `$reindex completed on the destination${detail === null ? "" : ` (${detail})`}.`,
      };
    case "failed":
      return {
        ...base,
        needed: true,
        text: `$reindex on the destination failed${detail === null ? "" : `: ${detail}`}. Run it on the destination after cutover (POST [base]/$reindex).`,
      };
    default:
      return { ...base, needed: false, text: null };
  }
}

function truncationNotes(report: Omit<StatusReport, "truncated">, state: StatusState): string[] {
  const notes: string[] = [];
  const { timeline, failures, throughput, verification } = report;
  if (timeline.total > timeline.chunks.length)
    notes.push(
      `Timeline: the latest ${formatCount(timeline.chunks.length)} of ${formatCount(timeline.total)} chunks are listed.`,
    );
  if (throughput.beforeChart > 0)
    notes.push(
      `Versions moved per hour: ${formatCount(throughput.beforeChart)} versions imported before ${formatMinute(throughput.hours[0]?.hour)} are not charted (the chart shows the last ${THROUGHPUT_HOURS} hours).`,
    );
  if (failures.chunksTotal > failures.chunks.length)
    notes.push(
      `Chunk failures: ${formatCount(failures.chunks.length)} of ${formatCount(failures.chunksTotal)} are listed (unresolved first, then newest).`,
    );
  if (failures.payloadsTotal > failures.payloads.length)
    notes.push(
      `Import failures: ${formatCount(failures.payloads.length)} of ${formatCount(failures.payloadsTotal)} are listed (unresolved first, then newest).`,
    );
  const r = failures.resources;
  if (r.groupsTotal > r.groups.length)
    notes.push(
      `Failed resources: the ${formatCount(r.groups.length)} largest of ${formatCount(r.groupsTotal)} type and reason groups are listed.`,
    );
  if (r.rowsCapped)
    notes.push(
      `Failed resources: grouped from the first ${formatCount(r.rowsRead)} rows (the oldest) of ${formatCount(state.cursor.resourcesFailed)} recorded; the full list is in the job table's "-failed" partition.`,
    );
  if (verification !== null && verification.problemsTotal > verification.problems.length)
    notes.push(
      `Verification: ${formatCount(verification.problems.length)} of ${formatCount(verification.problemsTotal)} rows that did not pass are listed.`,
    );
  return notes;
}

/** The status report for `now`, from the state rows (see report.ts for every field). */
export function buildStatusReport(state: StatusState, now: Date): StatusReport {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new RangeError("buildStatusReport: now is an invalid Date");
  const { settings } = state;
  const d = derive(state, now);
  const byChunk = payloadsByChunk(state.payloads);
  const totals = totalsOf(state, d);
  const phase = withRefusal(
    phaseOf(state, d, totals.chunksWaitingToExport, totals.importsWaiting),
    state.settingsRefusal,
  );
  const sortedChunks = [...state.chunks].sort((a, b) => b.seq - a.seq);
  const withoutNotes: Omit<StatusReport, "truncated"> = {
    reportVersion: STATUS_REPORT_VERSION,
    generatedAt: iso(nowMs),
    migration: {
      source: settings.sourceUrl,
      destination: settings.destinationUrl,
      state: {
        cursorTable: settings.cursorTable,
        jobTable: settings.jobTable,
        partitionKey: settings.partitionKey,
        rowKey: settings.rowKey,
      },
      exportMode: settings.perType ? "per-type" : "system",
      withHistory: settings.withHistory,
      withDeletes: settings.withDeletes,
      endDate: settings.specificRun ? (settings.endDate ?? null) : null,
      settingWarnings: [...settings.warnings],
    },
    phase,
    watermark: watermarkOf(state, phase, nowMs),
    totals,
    estimate: estimateOf(state, phase, nowMs),
    jobs: { exports: exportJobs(d, nowMs), imports: importJobs(d, nowMs) },
    throughput: throughputOf(state, nowMs),
    timeline: {
      chunks: sortedChunks
        .slice(0, TIMELINE_LIMIT)
        .map((c) => timelineChunk(c, byChunk.get(c.seq) ?? [], nowMs)),
      total: state.summary.chunks,
    },
    failures: failuresOf(state, settings),
    verification: state.verification,
    ledger: state.ledger,
    reindex: reindexOf(state),
    cutover:
      state.cutover === undefined
        ? null
        : {
            phase: state.cutover.phase,
            freeze: state.cutover.freeze,
            windowSeconds: state.cutover.verdict?.windowSeconds ?? null,
            lines: formatCutover(state.cutover)
              .trimEnd()
              .split("\n")
              .map((l) => reportText(l)),
          },
  };
  // Every text of the report cleaned once more (src/fhir/redact.ts): rows written before text was
  // cleaned where it enters the tables still hold server text as it came.
  return cleanDeep({ ...withoutNotes, truncated: truncationNotes(withoutNotes, state) });
}
