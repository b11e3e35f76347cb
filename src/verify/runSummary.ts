/**
 * The summary of one check of one verification run (docs/status.md, "What one build reads"): the
 * check rows it wrote counted by result, the first ones that did not pass and, for the full check,
 * its progress. The orchestrations fold these from their activities' results as they finish and
 * write them (VerifyRecordSummary) into a row per run and check, so the status reads a few rows per
 * run instead of every check row. Pure: the orchestrations build and carry it.
 */
import { describeDeepResult } from "./describe";
import type { CheckName, DeepCompareResult } from "./types";

/** Rows that did not pass a summary keeps (the status lists at most this many). */
export const SUMMARY_PROBLEMS = 20;

/** Characters of a problem's details a summary keeps (the status shows at most 400). */
export const SUMMARY_PROBLEM_DETAILS = 400;

/** A check row that did not pass, as the status lists it. */
export interface CheckProblem {
  resourceType: string;
  key: string;
  result: string;
  /** The counts on each side, for surface rows. */
  source: number | null;
  destination: number | null;
  /** The row's one-line reason (check rows keep the whole result). */
  details: string;
}

export interface FullCheckProgressSummary {
  /** Source versions in the run's timeline when it was planned. */
  versions: number;
  /** Source versions in the units finished so far. */
  versionsDone: number;
  unitsDone: number;
  /** When the run was planned. */
  startedAt: string | null;
}

export interface CheckSummary {
  runId: string;
  kind: CheckName;
  /** Check rows this check wrote, by result ("Pass", "Behind", "Fail", "Error"). */
  results: Record<string, number>;
  /** The first rows that did not pass, at most SUMMARY_PROBLEMS. */
  problems: CheckProblem[];
  /** Full check: progress as of the last finished wave of units; null for the other checks. */
  full: FullCheckProgressSummary | null;
  /** False while the check still runs. */
  finished: boolean;
}

/** Counts of rows by result, and the first problems: what each orchestration folds as it goes. */
export interface RowTally {
  results: Record<string, number>;
  problems: CheckProblem[];
}

/** One check's summary from what its orchestration folded so far. */
export function checkSummaryOf(
  runId: string,
  kind: CheckName,
  rows: RowTally,
  finished: boolean,
  full: FullCheckProgressSummary | null = null,
): CheckSummary {
  return { runId, kind, results: rows.results, problems: rows.problems, full, finished };
}

export function emptyRowTally(): RowTally {
  return { results: {}, problems: [] };
}

/**
 * Counts one check row by its result; keeps it as a problem while there is room, its details cut
 * (the summary crosses continue-as-new and fills one table column).
 */
export function tallyRow(tally: RowTally, row: CheckProblem): void {
  tally.results[row.result] = (tally.results[row.result] ?? 0) + 1;
  if (row.result !== "Pass" && tally.problems.length < SUMMARY_PROBLEMS)
    tally.problems.push({ ...row, details: row.details.slice(0, SUMMARY_PROBLEM_DETAILS) });
}

/** Counts `n` rows of one result whose details are not kept (they passed, or the list is full). */
export function tallyRows(tally: RowTally, result: string, n: number): void {
  if (n > 0) tally.results[result] = (tally.results[result] ?? 0) + n;
}

/**
 * Counts the rows of one deep comparison (one per resource, src/verify/deepCompare.ts): its failures
 * with their reasons, the rest by result.
 */
export function tallyComparedRows(tally: RowTally, r: DeepCompareResult): void {
  for (const f of r.failures) {
    tallyRow(tally, {
      resourceType: f.type,
      key: f.id,
      result: f.result,
      source: null,
      destination: null,
      details: describeDeepResult(f),
    });
  }
  const listed = (result: string) => r.failures.filter((f) => f.result === result).length;
  tallyRows(tally, "Pass", r.passed);
  tallyRows(tally, "Behind", r.behind);
  tallyRows(tally, "Fail", r.failed - listed("Fail"));
  tallyRows(tally, "Error", r.errors - listed("Error"));
}
