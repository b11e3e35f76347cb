/**
 * Folds the full check's unit results into its report section (pure; runs inside the orchestrator,
 * one unit at a time, so the orchestration keeps only totals and a bounded set of examples).
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

export class FullAccumulator {
  private readonly types = new Map<string, FullTypeTotals>();
  private readonly examples: FullExample[] = [];
  private readonly perTypeProblem = new Map<string, number>();
  private readonly errors: { unit: string; error: string }[] = [];
  private units = 0;
  private resumed = 0;
  versionsDone = 0;

  add(result: FullUnitResult): void {
    this.units++;
    if (result.resumed) this.resumed++;
    if (result.error !== null) this.errors.push({ unit: result.key, error: result.error });
    for (const t of result.perType) {
      let row = this.types.get(t.type);
      if (row === undefined) {
        row = { type: t.type, ...zero() };
        this.types.set(t.type, row);
      }
      // A unit row written before `known` existed reads back without it.
      for (const k of COUNT_KEYS) row[k] += (t[k] as number | undefined) ?? 0;
      this.versionsDone += t.source;
    }
    for (const e of result.examples) {
      const key = `${e.type} ${e.problem}`;
      const n = this.perTypeProblem.get(key) ?? 0;
      if (n >= FULL_EXAMPLES_PER_TYPE) continue;
      this.perTypeProblem.set(key, n + 1);
      this.examples.push(e);
    }
  }

  summary(
    plan: FullPlan,
    oversizeUnits: number,
    searchParameters: DeepCompareResult | null,
  ): FullSummary {
    const perType = [...this.types.values()].sort((a, b) =>
      a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
    );
    const totals = zero();
    for (const t of perType) for (const k of COUNT_KEYS) totals[k] += t[k];
    const verdicts: CheckVerdict[] = [
      this.errors.length > 0 ? "Error" : "Pass",
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
      units: this.units,
      resumedUnits: this.resumed,
      oversizeUnits,
      totals,
      perType,
      examples: this.examples,
      errors: this.errors.slice(0, FULL_EXAMPLES_PER_TYPE),
      searchParameters,
    };
  }
}
