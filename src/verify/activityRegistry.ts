/**
 * The verification activities, declared once: each name with its input and output (types only).
 * The handler table (src/verify/activities.ts) is checked against it, E2ETestOrchestration calls
 * through it (src/verify/orchestrator.ts) and the Functions app registers the table, so a name or an
 * input that disagrees does not compile (docs/architecture-jobs.md).
 */
import type { DeepCompareInput } from "./deepCompare";
import type { DeepSampleInput } from "./deepSample";
import type { compareFullSearchParameters } from "./fullSearchParameters";
import type {
  FullPlan,
  FullPlanInput,
  FullRecordInput,
  FullSplitInput,
  FullSplitResult,
  FullUnitInput,
  FullUnitResult,
} from "./fullTypes";
import type { ReconcileInput } from "./reconcile";
import type { CheckSummary } from "./runSummary";
import type { SurfaceTypeInput } from "./surface";
import type { SurfaceTotalInput } from "./surfaceTotal";
import type {
  DeepCompareResult,
  DeepSampleResult,
  ReconcileTypeResult,
  SurfaceRow,
  VerificationInput,
  VerificationPlan,
} from "./types";

export interface VerificationActivities {
  VerifyPlan: { input: VerificationInput; output: VerificationPlan };
  VerifySurfaceType: { input: SurfaceTypeInput; output: SurfaceRow[] };
  VerifySurfaceTotal: { input: SurfaceTotalInput; output: SurfaceRow };
  VerifyDeepSample: { input: DeepSampleInput; output: DeepSampleResult };
  VerifyDeepCompare: { input: DeepCompareInput; output: DeepCompareResult };
  VerifyReconcileType: { input: ReconcileInput; output: ReconcileTypeResult };
  VerifyCleanup: { input: { runId: string }; output: { deleted: number } };
  VerifyFullPlan: { input: FullPlanInput; output: FullPlan };
  VerifyFullSplit: { input: FullSplitInput; output: FullSplitResult };
  VerifyFullUnit: { input: FullUnitInput; output: FullUnitResult };
  VerifyFullRecord: { input: FullRecordInput; output: { provenUntil: string | null } };
  VerifyFullSearchParameters: {
    input: Parameters<typeof compareFullSearchParameters>[1];
    output: DeepCompareResult;
  };
  VerifyRecordSummary: { input: CheckSummary; output: null };
}

export type VerificationActivityName = keyof VerificationActivities;

export type VerificationInputOf<K extends VerificationActivityName> =
  VerificationActivities[K]["input"];

/** The activities whose input is exactly `I` (a call names one of them, or does not compile). */
export type VerificationActivityTaking<I> = {
  [K in VerificationActivityName]: [VerificationInputOf<K>] extends [I]
    ? [I] extends [VerificationInputOf<K>]
      ? K
      : never
    : never;
}[VerificationActivityName];
