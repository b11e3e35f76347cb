import { describe, expect, it } from "vitest";
import { stoppedBy } from "../../../src/cli/actions/run";
import { OperationFailedError } from "../../../src/cli/errors";
import type { ActivityResult } from "../../../src/engine/deps";
import {
  MIGRATION_ORCHESTRATION,
  migrationOrchestrator,
} from "../../../src/engine/migrationOrchestrator";
import {
  OrchestrationFailedError,
  isOrchestrationFailedError,
  runOrchestration,
} from "../../../src/local/durableRuntime";
import { passSnapshot } from "../../support/passSnapshot";

const clock = () => {
  let t = Date.parse("2025-03-03T03:00:00Z");
  return { now: () => t, sleepUntil: async (x: number) => void (t = Math.max(t, x)) };
};

/** Storage goes away: a pass fails, and recording that failure fails too. */
function storageGone() {
  const recorded: { message: string; details?: string }[] = [];
  const run = runOrchestration(
    migrationOrchestrator,
    MIGRATION_ORCHESTRATION,
    "t1",
    {},
    {
      clock: clock(),
      activities: {
        LoadMigrationState: async () => passSnapshot({ caughtUp: false }),
        PlanNextWindow: async (): Promise<ActivityResult> => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:10002");
        },
        RecordPassFailure: async (input) => {
          recorded.push(input as { message: string; details?: string });
          throw new Error("connect ECONNREFUSED 127.0.0.1:10002");
        },
      },
    },
  );
  return { run, recorded };
}

describe("a local run whose storage goes away", () => {
  it("records the failure's message without the activity's stack (the stack goes as details)", async () => {
    const { run, recorded } = storageGone();
    await expect(run).rejects.toThrow(OrchestrationFailedError);
    expect(recorded[0]?.message).toBe("connect ECONNREFUSED 127.0.0.1:10002");
    expect(recorded[0]?.details).toMatch(/\n\s+at /);
  });

  it("fails with one line: no stack and no durable-functions state dump", async () => {
    const error = await storageGone().run.catch((e: unknown) => e);
    expect(isOrchestrationFailedError(error)).toBe(true);
    expect((error as Error).message).toBe(
      "MigrationOrchestration failed: connect ECONNREFUSED 127.0.0.1:10002",
    );
  });

  it("`run` says the state storage could not be reached, in one line", async () => {
    const error = stoppedBy(await storageGone().run.catch((e: unknown) => e));
    expect(error).toBeInstanceOf(OperationFailedError);
    expect((error as Error).message).toBe(
      "The migration stopped: its state storage could not be reached (ECONNREFUSED). The state is kept; run again once the storage is back.",
    );
  });
});
