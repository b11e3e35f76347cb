import type { CheckResultRecord } from "../storage/migrationStateStore";
import { estimateSecondsLeft } from "../core/fullUnits";
import { formatCount, plural, timeLeft } from "./format";
import { reportText } from "./redactText";
import type { FullCheckProgress, VerificationInfo, VerificationRow } from "./report";
import { FAILURE_ROWS, TIMELINE_LIMIT } from "./report";

/** Details text kept per listed row. */
const DETAILS_LENGTH = 400;

/** Worst first. A result the checks may add later ranks with Fail: shown, never taken for a pass. */
const SEVERITY: Record<string, number> = { Pass: 0, Behind: 1, Fail: 2, Error: 3 };
const severity = (result: string): number => SEVERITY[result] ?? 2;

interface SurfaceDetails {
  source: number | null;
  destination: number | null;
  reason: string | null;
}

const numberOrNull = (v: unknown): number | null => (typeof v === "number" ? v : null);

/**
 * Surface check rows store their row as JSON (src/verify/surface.ts); other rows may hold plain
 * text. Text that is not a JSON object is shown as it is, so nothing is lost either way.
 */
function surfaceDetails(details: string): SurfaceDetails | undefined {
  if (!details.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(details);
  } catch {
    // Cut at the column limit or written by hand: shown as text below.
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  return {
    source: numberOrNull(o.source),
    destination: numberOrNull(o.destination),
    reason: typeof o.reason === "string" ? o.reason : null,
  };
}

function toRow(record: CheckResultRecord): VerificationRow {
  const parsed = surfaceDetails(record.details);
  return {
    kind: record.kind,
    resourceType: record.resourceType,
    key: record.key,
    result: record.result,
    source: parsed?.source ?? null,
    destination: parsed?.destination ?? null,
    details: reportText(parsed?.reason ?? record.details, DETAILS_LENGTH),
  };
}

function parsedObject(details: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(details);
    return typeof parsed === "object" && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    // A row cut at the column limit: it adds nothing to the progress.
    return undefined;
  }
}

/**
 * The full check's plan row (src/verify/fullPlan.ts: `_plan`) gives the versions to compare; each
 * finished unit row (src/verify/fullUnit.ts: `_unit`) adds its source versions.
 */
function addFullRow(
  progress: FullCheckProgress | null,
  record: CheckResultRecord,
): FullCheckProgress | null {
  const p = progress ?? { versions: 0, versionsDone: 0, unitsDone: 0, startedAt: null };
  const o = parsedObject(record.details);
  if (o === undefined) return p;
  if (record.resourceType === "_plan") {
    // The units compare the plan's versions less its SearchParameters (compared apart, current only).
    const searchParameters = typeof o.searchParameters === "number" ? o.searchParameters : 0;
    return {
      ...p,
      versions: typeof o.source === "number" ? o.source - searchParameters : p.versions,
      startedAt: typeof o.startedAt === "string" ? o.startedAt : p.startedAt,
    };
  }
  const unit = o.unit as { perType?: { source?: unknown }[] } | undefined;
  if (record.resourceType !== "_unit" || unit === undefined || record.result === "Error") return p;
  const versions = (unit.perType ?? []).reduce<number>(
    (n, t) => n + (typeof t.source === "number" ? t.source : 0),
    0,
  );
  return { ...p, versionsDone: p.versionsDone + versions, unitsDone: p.unitsDone + 1 };
}

interface RunTally {
  runId: string;
  full: FullCheckProgress | null;
  counts: Record<string, Record<string, number>>;
  problems: VerificationRow[];
  problemsTotal: number;
  surface: VerificationRow[];
  worst: string;
}

/**
 * Keeps the latest verification run from the check rows, in bounded memory. Check rows carry no
 * time, so "latest" is the run id that sorts last: this relies on run ids that sort by start time
 * (docs/status.md).
 */
export class VerificationTally {
  private latest: RunTally | undefined;
  private readonly runs = new Set<string>();
  private read = 0;
  private capped = false;

  add(record: CheckResultRecord): void {
    this.read++;
    if (this.runs.size < 10_000) this.runs.add(record.runId);
    if (this.latest === undefined || record.runId > this.latest.runId) {
      this.latest = {
        runId: record.runId,
        counts: {},
        problems: [],
        problemsTotal: 0,
        surface: [],
        worst: "Pass",
        full: null,
      };
    }
    const run = this.latest;
    if (record.runId !== run.runId) return;
    const byResult = (run.counts[record.kind] ??= {});
    byResult[record.result] = (byResult[record.result] ?? 0) + 1;
    if (severity(record.result) > severity(run.worst)) run.worst = record.result;
    if (record.result !== "Pass") {
      run.problemsTotal++;
      if (run.problems.length < FAILURE_ROWS) run.problems.push(toRow(record));
    }
    if (record.kind === "surface" && run.surface.length < TIMELINE_LIMIT)
      run.surface.push(toRow(record));
    if (record.kind === "full") run.full = addFullRow(run.full, record);
  }

  get rowsRead(): number {
    return this.read;
  }

  /** Call when reading stopped at a limit while more rows existed. */
  markCapped(): void {
    this.capped = true;
  }

  get rowsCapped(): boolean {
    return this.capped;
  }

  summary(): VerificationInfo | null {
    const run = this.latest;
    if (run === undefined) return null;
    return {
      runId: run.runId,
      verdict: run.worst,
      counts: run.counts,
      problems: [...run.problems].sort((a, b) => severity(b.result) - severity(a.result)),
      problemsTotal: run.problemsTotal,
      surface: run.surface,
      runsSeen: this.runs.size,
      full: run.full,
    };
  }
}

/** One line on the full check's progress, with an estimate from its pace since it was planned. */
export function describeFullProgress(full: FullCheckProgress, nowIso: string): string {
  const pct = full.versions === 0 ? 100 : Math.floor((100 * full.versionsDone) / full.versions);
  const started = full.startedAt === null ? Number.NaN : Date.parse(full.startedAt);
  const eta = Number.isNaN(started)
    ? undefined
    : estimateSecondsLeft(
        full.versionsDone,
        full.versions,
        full.versionsDone,
        Date.parse(nowIso) - started,
      );
  const left =
    full.versionsDone >= full.versions
      ? "finished"
      : eta === undefined
        ? "no estimate yet"
        : `${timeLeft(eta)} left at the pace so far`;
  return `Full check: ${formatCount(full.versionsDone)} of ${formatCount(full.versions)} versions compared (${pct} %, ${plural(full.unitsDone, "unit")}); ${left}`;
}
