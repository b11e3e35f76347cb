import type { OrchestrationContext, Task } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { ActivityCall, MigrationActivityInputs } from "../../../src/core/activityRegistry";
import { MIGRATION_ACTIVITY_NAMES } from "../../../src/core/activityRegistry";
import type { PassAction } from "../../../src/core/passPlanner";
import type { MigrationActivityHandlers } from "../../../src/engine/activities";
import { MIGRATION_ACTIVITIES } from "../../../src/engine/activities";
import { callActivity } from "../../../src/engine/callActivity";
import type { VerificationActivityTaking } from "../../../src/verify/activityRegistry";
import type { VerificationActivityHandlers } from "../../../src/verify/activities";
import { VERIFICATION_ACTIVITIES } from "../../../src/verify/activities";
import { VERIFY_ACTIVITY } from "../../../src/verify/callVerify";

/** A context that records what the orchestrator would yield. */
function recordingContext(): { context: OrchestrationContext; calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const context = {
    df: {
      callActivity: (name: string, input: unknown) => (calls.push([name, input]), {} as Task),
    },
  } as unknown as OrchestrationContext;
  return { context, calls };
}

describe("the migration's activity registry", () => {
  it("has a handler for every declared activity and declares every handler", () => {
    expect(Object.keys(MIGRATION_ACTIVITIES).sort()).toEqual([...MIGRATION_ACTIVITY_NAMES].sort());
  });

  it("calls an activity by its registered name with its input", () => {
    const { context, calls } = recordingContext();
    callActivity(context, "StartExport", { seq: 3 });
    expect(calls).toEqual([["StartExport", { seq: 3 }]]);
  });
});

describe("the verification's activity registry", () => {
  it("has a handler for every name the orchestration calls, and a name for every handler", () => {
    expect(Object.keys(VERIFICATION_ACTIVITIES).sort()).toEqual(
      Object.values(VERIFY_ACTIVITY).sort(),
    );
  });
});

/**
 * Compile-time checks (the typecheck of test/ runs them): each `@ts-expect-error` fails the
 * typecheck if the line it marks compiles, that is if a mismatch were no longer caught.
 */
export function compileTimeChecks(context: OrchestrationContext): void {
  // @ts-expect-error: an input of another activity
  callActivity(context, "StartExport", { since: "2024-01-01T00:00:00Z" });
  // @ts-expect-error: a name the registry does not declare
  callActivity(context, "StartExports", { seq: 1 });
  // @ts-expect-error: the planner cannot plan an activity with another's input
  const wrongAction: PassAction = { activity: "PollImport", input: { seq: 1 } };
  // @ts-expect-error: the pass's frame activities are not the planner's
  const frameAction: PassAction = { activity: "LoadMigrationState", input: null };
  const handlers: MigrationActivityHandlers = {
    ...MIGRATION_ACTIVITIES,
    // @ts-expect-error: a handler taking another input than the registry declares
    ReconcileLedger: async (_deps, _input: { seq: number }) => ({ changed: false }),
  };
  // @ts-expect-error: a handler table missing an activity
  const missing: MigrationActivityHandlers = {
    LoadMigrationState: MIGRATION_ACTIVITIES.LoadMigrationState,
  };
  const call: ActivityCall<"ReconcileLedger"> = {
    activity: "ReconcileLedger",
    input: { since: "x" },
  };
  const input: MigrationActivityInputs["ReconcileLedger"] = call.input;
  const verifyHandlers: VerificationActivityHandlers = {
    ...VERIFICATION_ACTIVITIES,
    // @ts-expect-error: a verification handler taking another input than the registry declares
    VerifyCleanup: async (_deps, _input: { seq: number }) => ({ deleted: 0 }),
  };
  const cleanup: VerificationActivityTaking<{ runId: string }> = "VerifyCleanup";
  // @ts-expect-error: a verification call whose name takes another input
  const plan: VerificationActivityTaking<{ runId: string }> = "VerifyPlan";
  void [wrongAction, frameAction, handlers, missing, input, verifyHandlers, cleanup, plan];
}
