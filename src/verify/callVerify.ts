/**
 * The verification orchestrations' only way to call their activities and each other: a name the
 * registry declares, with that activity's input (src/verify/activityRegistry.ts), so a call the
 * Functions app does not register does not compile. No I/O: each yields a task.
 */
import type { OrchestrationContext, Task } from "durable-functions";
import type { VerificationActivityName, VerificationInputOf } from "./activityRegistry";

export const VERIFY_ACTIVITY = {
  plan: "VerifyPlan",
  surface: "VerifySurfaceType",
  surfaceTotal: "VerifySurfaceTotal",
  sample: "VerifyDeepSample",
  compare: "VerifyDeepCompare",
  reconcile: "VerifyReconcileType",
  cleanup: "VerifyCleanup",
  fullPlan: "VerifyFullPlan",
  fullSplit: "VerifyFullSplit",
  fullUnit: "VerifyFullUnit",
  fullSearchParameters: "VerifyFullSearchParameters",
  fullRecord: "VerifyFullRecord",
  summary: "VerifyRecordSummary",
} as const satisfies Record<string, VerificationActivityName>;

/** Calls a verification activity by its registered name with that activity's input. */
export function callVerify<K extends VerificationActivityName>(
  context: OrchestrationContext,
  name: K,
  input: VerificationInputOf<K>,
): Task {
  return context.df.callActivity(name, input);
}
