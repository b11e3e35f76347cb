import type { CheckSummary } from "../verify/runSummary";
import type { Column } from "./rowSpec";
import { count, custom, flag, fromRow, requiredText, rowKind, toRow, word } from "./rowSpec";
import type { TableRow } from "./tableRepository";

/** The columns that name a verification run and one of its checks, in every row of a check. */
export function runCheckColumns<K extends string>(): {
  runId: Column<string>;
  kind: Column<K>;
} {
  return { runId: requiredText("RunId"), kind: word<K>("CheckKind") };
}

/**
 * A check's summary for one run (src/verify/runSummary.ts), partition `{pk}-runs` of the job table,
 * row key `{runId}-{check}`. The summary is one JSON column; the problems' details quote servers:
 * toRow cleans them (src/storage/rowSpec.ts), and the tally kept them short (tallyRow).
 */
export const CHECK_SUMMARY_ROW = rowKind<CheckSummary>("checkSummary", {
  ...runCheckColumns<CheckSummary["kind"]>(),
  finished: flag("Finished"),
  results: custom<CheckSummary["results"]>(
    "Results",
    (results) => JSON.stringify(results),
    (cell) => JSON.parse(String(cell)) as CheckSummary["results"],
  ),
  problems: custom<CheckSummary["problems"]>(
    "Problems",
    (problems) => JSON.stringify(problems),
    (cell) => JSON.parse(String(cell)) as CheckSummary["problems"],
  ),
  full: custom<CheckSummary["full"]>(
    "Full",
    (full) => (full === null ? "" : JSON.stringify(full)),
    (cell) =>
      typeof cell === "string" && cell !== "" ? (JSON.parse(cell) as CheckSummary["full"]) : null,
  ),
});

/** Which run is the latest (the id that sorts last) and how many runs registered: `~latest`. */
export interface LatestRunRecord {
  runId: string;
  runs: number;
}

export const LATEST_RUN_ROW = rowKind<LatestRunRecord>("latestRun", {
  runId: requiredText("RunId"),
  runs: count("Runs"),
});

/** The pointer's row key: run summary keys end with `-{check}`, so none can equal it. */
export const LATEST_RUN_KEY = "~latest";

export function checkSummaryToRow(partitionKey: string, summary: CheckSummary): TableRow {
  return toRow(CHECK_SUMMARY_ROW, partitionKey, `${summary.runId}-${summary.kind}`, summary);
}

export function checkSummaryFromRow(row: TableRow): CheckSummary {
  return fromRow(CHECK_SUMMARY_ROW, row);
}
