import type { LatestRunRecord } from "../storage/checkSummaryRows";
import type { CheckResultRecord } from "../storage/migrationStateStore";
import type { CheckSummary } from "../verify/runSummary";
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

/**
 * The latest verification run (the run id that sorts last: run ids start with their start time,
 * docs/status.md) from its summary rows, one per check (src/verify/runSummary.ts), and its surface
 * rows: a bounded read whatever the number of runs, units or check rows.
 */
export function verificationInfoOf(
  latest: LatestRunRecord,
  summaries: readonly CheckSummary[],
  surfaceRows: readonly CheckResultRecord[],
): VerificationInfo {
  const counts: Record<string, Record<string, number>> = {};
  let worst = "Pass";
  let problemsTotal = 0;
  const problems: VerificationRow[] = [];
  for (const s of summaries) {
    counts[s.kind] = { ...s.results };
    for (const [result, n] of Object.entries(s.results)) {
      if (n <= 0) continue;
      if (severity(result) > severity(worst)) worst = result;
      if (result !== "Pass") problemsTotal += n;
    }
    for (const p of s.problems) {
      problems.push({
        kind: s.kind,
        resourceType: p.resourceType,
        key: p.key,
        result: p.result,
        source: p.source,
        destination: p.destination,
        details: reportText(p.details, DETAILS_LENGTH),
      });
    }
  }
  const full = summaries.find((s) => s.kind === "full")?.full ?? null;
  return {
    runId: latest.runId,
    verdict: worst,
    counts,
    problems: problems
      .sort((a, b) => severity(b.result) - severity(a.result))
      .slice(0, FAILURE_ROWS),
    problemsTotal,
    surface: surfaceRows.slice(0, TIMELINE_LIMIT).map(toRow),
    runsSeen: latest.runs,
    full,
  };
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
