import type { CheckResultRecord } from "../storage/migrationStateStore";
import { redactText } from "./redactText";
import type { VerificationInfo, VerificationRow } from "./report";
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
    details: redactText(parsed?.reason ?? record.details, DETAILS_LENGTH),
  };
}

interface RunTally {
  runId: string;
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
    };
  }
}
