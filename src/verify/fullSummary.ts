/**
 * Folds the full check's unit results into its report section (pure; runs inside the orchestrator,
 * one unit at a time). What it keeps is plain data (FullTally) that crosses continue-as-new: totals
 * per type, a bounded set of examples and errors, and the unit rows counted by verdict, never the
 * units' results themselves, so its size does not grow with the number of units.
 */
import type { CheckVerdict } from "../core/surfaceVerdict";
import { worstVerdict } from "../core/surfaceVerdict";
import type {
  FullExample,
  FullPlan,
  FullSummary,
  FullTypeTotals,
  FullUnitResult,
} from "./fullTypes";
import { FULL_EXAMPLES_PER_TYPE } from "./fullTypes";
import type { RowTally } from "./runSummary";
import { emptyRowTally, tallyComparedRows, tallyRow } from "./runSummary";
import type { DeepCompareResult } from "./types";

type Counts = Omit<FullTypeTotals, "type">;
const COUNT_KEYS: (keyof Counts)[] = [
  "source",
  "destination",
  "matched",
  "missing",
  "extra",
  "different",
  "behind",
  "skipped",
  "known",
];

/**
 * JSON bytes of examples the run keeps in all, besides FULL_EXAMPLES_PER_TYPE per type and kind: the
 * tally crosses continue-as-new, whose input stays well under 64 KB with 146 types' totals. Every
 * unit's own examples stay in its check row.
 */
export const FULL_EXAMPLE_BYTES = 16 * 1024;

function zero(): Counts {
  return {
    source: 0,
    destination: 0,
    matched: 0,
    missing: 0,
    extra: 0,
    different: 0,
    behind: 0,
    skipped: 0,
    known: 0,
  };
}

/** A type's totals before anything was counted. */
export function emptyTypeTotals(type: string): FullTypeTotals {
  return { type, ...zero() };
}

export function unitVerdict(result: FullUnitResult): "Pass" | "Behind" | "Fail" | "Error" {
  if (result.error !== null) return "Error";
  if (result.perType.some((t) => t.missing > 0 || t.different > 0)) return "Fail";
  return result.perType.some((t) => t.behind > 0) ? "Behind" : "Pass";
}

/** The unit row's reason (the status page shows it). */
export function describeUnit(result: FullUnitResult): string {
  const sum = (k: keyof Counts) => result.perType.reduce((s, t) => s + t[k], 0);
  if (result.error !== null) return `not compared: ${result.error}`;
  return `${sum("source")} source and ${sum("destination")} destination versions: ${sum("matched")} equal, ${sum("missing")} missing, ${sum("different")} different, ${sum("extra")} extra, ${sum("behind")} not migrated yet, ${sum("known")} known failures`;
}

/** The full check's running totals: JSON, carried from one execution of its orchestration to the next. */
export interface FullTally {
  perType: FullTypeTotals[];
  examples: FullExample[];
  exampleBytes: number;
  /** The first unit errors, at most FULL_EXAMPLES_PER_TYPE; errorsTotal counts them all. */
  errors: { unit: string; error: string }[];
  errorsTotal: number;
  units: number;
  resumed: number;
  /** Source versions of the units compared (units that ended in an error are not done). */
  versionsDone: number;
  /** The run's check rows of this check (plan, units, SearchParameters), by result. */
  rows: RowTally;
}

export function emptyFullTally(): FullTally {
  return {
    perType: [],
    examples: [],
    exampleBytes: 0,
    errors: [],
    errorsTotal: 0,
    units: 0,
    resumed: 0,
    versionsDone: 0,
    // The plan row (src/verify/fullPlan.ts) is written with result Pass.
    rows: { ...emptyRowTally(), results: { Pass: 1 } },
  };
}

/** Adds one unit's result to the tally (in place). */
export function addUnit(tally: FullTally, result: FullUnitResult): void {
  tally.units++;
  if (result.resumed) tally.resumed++;
  if (result.error !== null) {
    tally.errorsTotal++;
    if (tally.errors.length < FULL_EXAMPLES_PER_TYPE)
      tally.errors.push({ unit: result.key, error: result.error });
  }
  for (const t of result.perType) {
    let row = tally.perType.find((r) => r.type === t.type);
    if (row === undefined) {
      row = emptyTypeTotals(t.type);
      tally.perType.push(row);
    }
    // A unit row written before `known` existed reads back without it.
    for (const k of COUNT_KEYS) row[k] += (t[k] as number | undefined) ?? 0;
    // A unit that could not be compared is not done: its counts are partial.
    if (result.error === null) tally.versionsDone += t.source;
  }
  for (const e of result.examples) {
    const same = tally.examples.filter((x) => x.type === e.type && x.problem === e.problem);
    if (same.length >= FULL_EXAMPLES_PER_TYPE) continue;
    const bytes = JSON.stringify(e).length;
    if (tally.exampleBytes + bytes > FULL_EXAMPLE_BYTES) continue;
    tally.exampleBytes += bytes;
    tally.examples.push(e);
  }
  const verdict = unitVerdict(result);
  tallyRow(tally.rows, {
    resourceType: "_unit",
    key: result.key,
    result: verdict,
    source: null,
    destination: null,
    details: describeUnit(result),
  });
}

/** Counts the SearchParameter rows (src/verify/fullSearchParameters.ts) with the check's rows. */
export function addSearchParameterRows(tally: FullTally, result: DeepCompareResult): void {
  tallyComparedRows(tally.rows, result);
}

export function fullSummaryOf(
  tally: FullTally,
  plan: FullPlan,
  oversizeUnits: number,
  searchParameters: DeepCompareResult | null,
): FullSummary {
  const perType = [...tally.perType].sort((a, b) =>
    a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
  );
  const totals = zero();
  for (const t of perType) for (const k of COUNT_KEYS) totals[k] += t[k];
  const verdicts: CheckVerdict[] = [
    tally.errorsTotal > 0 ? "Error" : "Pass",
    totals.missing > 0 || totals.different > 0 ? "Fail" : totals.behind > 0 ? "Behind" : "Pass",
  ];
  if (searchParameters !== null) {
    verdicts.push(
      searchParameters.errors > 0
        ? "Error"
        : searchParameters.failed > 0
          ? "Fail"
          : searchParameters.behind > 0
            ? "Behind"
            : "Pass",
    );
  }
  return {
    verdict: worstVerdict(verdicts),
    scope: plan.scope,
    since: new Date(plan.sinceMs).toISOString(),
    till: new Date(plan.tillMs).toISOString(),
    unitVersions: plan.unitVersions,
    units: tally.units,
    resumedUnits: tally.resumed,
    oversizeUnits,
    totals,
    perType,
    examples: tally.examples,
    errors: tally.errors,
    searchParameters,
  };
}
