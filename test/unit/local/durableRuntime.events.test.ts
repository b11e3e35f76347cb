import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../../src/local/durableRuntime";
import { raiseLocalEvent, runOrchestration } from "../../../src/local/durableRuntime";

const START = Date.parse("2025-03-03T03:00:00Z");

/** A clock whose sleeps never end on their own: only an event can end a wait. */
function stoppedClock(): Clock & { sleeps: number; aborted: number } {
  const clock = {
    sleeps: 0,
    aborted: 0,
    now: () => START,
    sleepUntil: (_at: number, signal?: AbortSignal) => {
      clock.sleeps++;
      signal?.addEventListener("abort", () => clock.aborted++, { once: true });
      return new Promise<void>(() => {});
    },
  };
  return clock;
}

/** Waits an hour or for "Poke", twice, and returns who won each wait. */
const waiter: OrchestrationHandler = function* (context: OrchestrationContext) {
  const winners: string[] = [];
  for (let i = 0; i < 2; i++) {
    yield context.df.callActivity("Step", i);
    const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3.6e6));
    const poke = context.df.waitForExternalEvent("Poke");
    const first: Task = yield context.df.Task.any([timer, poke]);
    if (first === timer) winners.push("timer");
    else {
      timer.cancel();
      winners.push(`poke ${JSON.stringify(first.result)}`);
    }
  }
  return winners;
};

describe("external events in the local runtime", () => {
  it("ends a wait on a timer at once when the event is raised", async () => {
    const clock = stoppedClock();
    const run = runOrchestration(waiter, "Waiter", "w1", null, {
      clock,
      activities: { Step: async () => null },
    });
    for (const n of [1, 2]) {
      while (clock.sleeps < n) await new Promise((r) => setTimeout(r, 1));
      expect(raiseLocalEvent("w1", "Poke", { n })).toBe(true);
    }
    await expect(run).resolves.toMatchObject({
      output: ['poke {"n":1}', 'poke {"n":2}'],
    });
    expect(clock.aborted).toBe(2);
  });

  it("keeps an event raised while the orchestration works for its next wait", async () => {
    const clock = stoppedClock();
    const run = runOrchestration(waiter, "Waiter", "w2", null, {
      clock,
      activities: {
        Step: async () => {
          raiseLocalEvent("w2", "Poke", "early");
          return null;
        },
      },
    });
    await expect(run).resolves.toMatchObject({ output: ['poke "early"', 'poke "early"'] });
    expect(clock.sleeps).toBe(2);
  });

  it("lets the timer win when no event comes", async () => {
    const clock: Clock = { now: () => START, sleepUntil: async () => {} };
    const result = await runOrchestration(waiter, "Waiter", "w3", null, {
      clock,
      activities: { Step: async () => null },
    });
    expect(result.output).toEqual(["timer", "timer"]);
  });

  it("answers false for an instance not running in this process", () => {
    expect(raiseLocalEvent("nobody", "Poke")).toBe(false);
  });
});
