/**
 * The verification activities by name: what E2ETestOrchestration yields, what the Functions app
 * registers (src/functions/verification.ts) and what the local runner binds to one set of deps.
 */
import type { EngineDeps } from "../engine/deps";
import type {
  VerificationActivities,
  VerificationActivityName,
  VerificationInputOf,
} from "./activityRegistry";
import type { DeepCompareInput } from "./deepCompare";
import { compareSampleBatch } from "./deepCompare";
import type { DeepSampleInput } from "./deepSample";
import { sampleTypeHop } from "./deepSample";
import { VERIFY_ACTIVITY } from "./callVerify";
import type { CheckSummary } from "./runSummary";
import { planVerification } from "./plan";
import type { ReconcileInput } from "./reconcile";
import { reconcileTypeHop } from "./reconcile";
import { cleanupVerification } from "./cleanup";
import type { SurfaceTypeInput } from "./surface";
import { surfaceCheckType } from "./surface";
import type { SurfaceTotalInput } from "./surfaceTotal";
import { surfaceCheckTotal } from "./surfaceTotal";
import type { VerificationInput } from "./types";
import type { FullPlanInput, FullRecordInput, FullSplitInput, FullUnitInput } from "./fullTypes";
import { planFullCheck } from "./fullPlan";
import { compareFullSearchParameters } from "./fullSearchParameters";
import { splitFullRanges } from "./fullSplit";
import { recordFullProof } from "./fullRecord";
import { compareFullUnit } from "./fullUnit";

/** A handler for every verification activity, taking its input and answering its output. */
export type VerificationActivityHandlers = {
  [K in VerificationActivityName]: (
    deps: EngineDeps,
    input: VerificationInputOf<K>,
  ) => Promise<VerificationActivities[K]["output"]>;
};

export const VERIFICATION_ACTIVITIES = {
  [VERIFY_ACTIVITY.plan]: (deps: EngineDeps, input: VerificationInput) =>
    planVerification(deps, input),
  [VERIFY_ACTIVITY.surface]: (deps: EngineDeps, input: SurfaceTypeInput) =>
    surfaceCheckType(deps, input),
  [VERIFY_ACTIVITY.surfaceTotal]: (deps: EngineDeps, input: SurfaceTotalInput) =>
    surfaceCheckTotal(deps, input),
  [VERIFY_ACTIVITY.sample]: (deps: EngineDeps, input: DeepSampleInput) =>
    sampleTypeHop(deps, input),
  [VERIFY_ACTIVITY.compare]: (deps: EngineDeps, input: DeepCompareInput) =>
    compareSampleBatch(deps, input),
  [VERIFY_ACTIVITY.reconcile]: (deps: EngineDeps, input: ReconcileInput) =>
    reconcileTypeHop(deps, input),
  [VERIFY_ACTIVITY.cleanup]: (deps: EngineDeps, input: { runId: string }) =>
    cleanupVerification(deps, input),
  [VERIFY_ACTIVITY.fullPlan]: (deps: EngineDeps, input: FullPlanInput) =>
    planFullCheck(deps, input),
  [VERIFY_ACTIVITY.fullSplit]: (deps: EngineDeps, input: FullSplitInput) =>
    splitFullRanges(deps, input),
  [VERIFY_ACTIVITY.fullUnit]: (deps: EngineDeps, input: FullUnitInput) =>
    compareFullUnit(deps, input),
  [VERIFY_ACTIVITY.fullRecord]: (deps: EngineDeps, input: FullRecordInput) =>
    recordFullProof(deps, input),
  [VERIFY_ACTIVITY.fullSearchParameters]: (
    deps: EngineDeps,
    input: Parameters<typeof compareFullSearchParameters>[1],
  ) => compareFullSearchParameters(deps, input),
  [VERIFY_ACTIVITY.summary]: async (deps: EngineDeps, input: CheckSummary) => {
    await deps.state.recordCheckSummary(input);
    return null;
  },
} as const satisfies VerificationActivityHandlers;

export type { VerificationActivityName } from "./activityRegistry";
