/**
 * Builds the run's report from the activities' results (pure; runs inside the orchestrator).
 */
import type { CheckVerdict } from "../core/surfaceVerdict";
import { worstVerdict } from "../core/surfaceVerdict";
import type {
  DeepCompareResult,
  DeepSampleResult,
  DeepSummary,
  ReconcileTypeResult,
  SurfaceRow,
  VerificationPlan,
  VerificationReport,
} from "./types";
import { REPORTED_FAILURES } from "./types";
import type { FullSummary } from "./fullTypes";

export interface DeepParts {
  samples: DeepSampleResult[];
  comparisons: DeepCompareResult[];
}

export function summarizeDeep(plan: VerificationPlan, parts: DeepParts): DeepSummary {
  const perType = plan.allocation.map(({ type, size }) => {
    const sample = parts.samples.find((s) => s.type === type);
    const compared = parts.comparisons.filter((c) => c.type === type);
    const sum = (k: "passed" | "failed" | "behind" | "errors") =>
      compared.reduce((s, c) => s + c[k], 0);
    return {
      type,
      allocated: size,
      sampled: sample?.sampled ?? 0,
      passed: sum("passed"),
      failed: sum("failed"),
      behind: sum("behind"),
      errors: sum("errors") + ((sample?.error ?? null) === null ? 0 : 1),
      error: sample?.error ?? null,
    };
  });
  const total = (k: "sampled" | "passed" | "failed" | "behind" | "errors") =>
    perType.reduce((s, t) => s + t[k], 0);
  const verdicts: CheckVerdict[] = perType.map((t) =>
    t.errors > 0 ? "Error" : t.failed > 0 ? "Fail" : t.behind > 0 ? "Behind" : "Pass",
  );
  return {
    verdict: worstVerdict(verdicts),
    requested: plan.deepCheckCount,
    sampled: total("sampled"),
    passed: total("passed"),
    failed: total("failed"),
    behind: total("behind"),
    errors: total("errors"),
    perType,
    failures: parts.comparisons.flatMap((c) => c.failures).slice(0, REPORTED_FAILURES),
  };
}

export function buildReport(
  plan: VerificationPlan,
  results: {
    surface: SurfaceRow[] | null;
    deep: DeepParts | null;
    reconcile: ReconcileTypeResult[] | null;
    full?: FullSummary | null;
  },
  finishedAt: string,
): VerificationReport {
  const surface =
    results.surface === null
      ? null
      : { verdict: worstVerdict(results.surface.map((r) => r.verdict)), rows: results.surface };
  const deep = results.deep === null ? null : summarizeDeep(plan, results.deep);
  const reconcile =
    results.reconcile === null
      ? null
      : {
          verdict: worstVerdict(results.reconcile.map((r) => r.verdict)),
          types: results.reconcile.map(({ cursor: _c, done: _d, rows: _r, ...rest }) => rest),
        };
  const verdict = worstVerdict(
    [surface?.verdict, deep?.verdict, reconcile?.verdict, results.full?.verdict].filter(
      (v): v is CheckVerdict => v !== undefined,
    ),
  );
  return {
    runId: plan.runId,
    seed: plan.seed,
    startedAt: plan.startedAt,
    finishedAt,
    verdict,
    passed: verdict === "Pass",
    watermark: plan.watermark,
    checks: plan.checks,
    typeSelection: plan.typeSelection,
    migratesHistory: plan.migratesHistory,
    migratesDeletes: plan.migratesDeletes,
    concurrency: plan.concurrency,
    applyHardDeletes: plan.applyHardDeletes,
    surface,
    deep,
    ...(plan.knownFailures !== undefined ? { knownFailures: plan.knownFailures } : {}),
    reconcile,
    full: results.full ?? null,
  };
}
