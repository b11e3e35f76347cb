/**
 * A wake raised while a pass runs its activities, as the Functions host records it: an EventRaised in
 * the history between the activity's scheduling and its completion. durable-functions hands an event
 * to the newest open wait on its name (lib/src/orchestrations/TaskOrchestrationExecutor.js), which
 * is then the wait of an earlier pass whose timer won; the orchestrator must still act on it.
 */
import { describe, expect, it } from "vitest";
import type { OrchestrationHandler } from "durable-functions";
import { DummyOrchestrationContext } from "durable-functions";
import {
  MIGRATION_ORCHESTRATION,
  MIGRATION_WAKE_EVENT,
  migrationOrchestrator,
} from "../../../src/engine/migrationOrchestrator";
import { passSnapshot } from "../../support/passSnapshot";

// The engine the Functions host drives (see src/local/durableRuntime.ts for why it is required so).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const testingUtils = require("durable-functions/lib/src/util/testingUtils.js") as {
  createOrchestrator(
    fn: OrchestrationHandler,
  ): (input: unknown, context: unknown) => Promise<{ actions: unknown[][] }>;
  DurableOrchestrationInput: new (
    instanceId: string,
    history: unknown[],
    input: unknown,
  ) => unknown;
};

interface Action {
  actionType: number;
  functionName?: string;
  fireAt?: string | Date;
}

const CALL_ACTIVITY = 0;
const CREATE_TIMER = 5;
const START = Date.parse("2025-03-03T03:00:00Z");

function at(type: number, extra: object = {}): object {
  return {
    EventType: type,
    EventId: -1,
    IsPlayed: false,
    Timestamp: new Date(START),
    IsProcessed: false,
    ...extra,
  };
}

describe("migrationOrchestrator and a wake raised while its activities run", () => {
  it("starts the next pass at once instead of waiting on a new timer", async () => {
    const handler = testingUtils.createOrchestrator(migrationOrchestrator);
    const history: object[] = [
      at(12),
      at(0, { Name: MIGRATION_ORCHESTRATION, Input: JSON.stringify({}) }),
    ];
    let seen = 0;
    let ids = 0;
    let timersFired = 0;
    let passes = 0;
    let woken = false;
    for (let episode = 0; episode < 40; episode++) {
      const state = await handler(
        new testingUtils.DurableOrchestrationInput("t-wake-mid", history, {}),
        new DummyOrchestrationContext(MIGRATION_ORCHESTRATION, `t:${episode}`, () => {}),
      );
      const fresh = (state.actions.flat() as Action[]).slice(seen);
      seen += fresh.length;
      history.push(at(13), at(12));
      const timer = fresh.find((a) => a.actionType === CREATE_TIMER);
      if (timer !== undefined) {
        // The first idle wait ends at its timer; a wait after the wake is the defect.
        expect(woken).toBe(false);
        const id = ids++;
        history.push({ ...at(10, { FireAt: timer.fireAt }), EventId: id });
        history.push(at(11, { TimerId: id, FireAt: timer.fireAt }));
        timersFired++;
        continue;
      }
      const calls = fresh.filter((a) => a.actionType === CALL_ACTIVITY);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        const id = ids++;
        history.push({ ...at(4, { Name: call.functionName }), EventId: id });
        if (call.functionName === "LoadMigrationState") {
          passes++;
          if (passes === 3) return; // the pass after the woken one started without a wait
          if (timersFired === 1) {
            // Pass 2 runs while the user calls cutover: the host records the event right here.
            history.push(at(15, { Name: MIGRATION_WAKE_EVENT, Input: "null" }));
            woken = true;
          }
        }
        const result =
          call.functionName === "LoadMigrationState"
            ? passSnapshot({ caughtUp: true })
            : { changed: false, caughtUp: true };
        history.push(at(5, { TaskScheduledId: id, Result: JSON.stringify(result) }));
      }
    }
    throw new Error("the orchestrator never reached a third pass");
  });
});
