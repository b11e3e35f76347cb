/**
 * The verification activities by name: what E2ETestOrchestration yields, what the Functions app
 * registers (src/functions/verification.ts) and what the local runner binds to one set of deps.
 */
import type { EngineDeps } from "../engine/deps";
import type { DeepCompareInput } from "./deepCompare";
import { compareSampleBatch } from "./deepCompare";
import type { DeepSampleInput } from "./deepSample";
import { sampleTypeHop } from "./deepSample";
import { VERIFY_ACTIVITY } from "./orchestrator";
import { planVerification } from "./plan";
import type { ReconcileInput } from "./reconcile";
import { reconcileTypeHop } from "./reconcile";
import { VERIFICATION_CONTAINER } from "./sampleStore";
import type { SurfaceTotalInput, SurfaceTypeInput } from "./surface";
import { surfaceCheckTotal, surfaceCheckType } from "./surface";
import type { VerificationInput } from "./types";
import type { FullPlanInput, FullRecordInput, FullSplitInput, FullUnitInput } from "./fullTypes";
import {
  compareFullSearchParameters,
  planFullCheck,
  recordFullProof,
  splitFullRanges,
} from "./fullPlan";
import { compareFullUnit } from "./fullUnit";

/** Removes the run's stored samples once compared (their results are in the check rows). */
export async function cleanupVerification(
  deps: EngineDeps,
  input: { runId: string },
): Promise<{ deleted: number }> {
  await deps.blobs.ensureContainer(VERIFICATION_CONTAINER);
  return { deleted: await deps.blobs.deletePrefix(VERIFICATION_CONTAINER, `${input.runId}/`) };
}

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
} as const;

export type VerificationActivityName = keyof typeof VERIFICATION_ACTIVITIES;

/** The activities bound to one set of dependencies, for the local runtime. */
export function boundVerificationActivities(
  deps: EngineDeps,
): Record<string, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(
    Object.entries(VERIFICATION_ACTIVITIES).map(([name, implementation]) => [
      name,
      (input: unknown) =>
        (implementation as (d: EngineDeps, i: unknown) => Promise<unknown>)(deps, input),
    ]),
  );
}
