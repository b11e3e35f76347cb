import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { describe, expect, it } from "vitest";
import { raiseLocalEvent, runOrchestration } from "../../../src/local/durableRuntime";
import { VirtualClock } from "../../../src/local/virtualClock";

const START = Date.parse("2025-03-03T03:00:00Z");
const SECOND = 1000;

/** Waits a minute or for "Poke", then returns the instant the wait ended. */
const pokeable: OrchestrationHandler = function* (context: OrchestrationContext) {
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const poke = context.df.waitForExternalEvent("Poke");
  const first: Task = yield context.df.Task.any([timer, poke]);
  if (first !== timer) timer.cancel();
  return context.df.currentUtcDateTime.getTime() - START;
};

/** Calls "Work" once and returns what it answered. */
const worker: OrchestrationHandler = function* (context: OrchestrationContext) {
  const answer: unknown = yield context.df.callActivity("Work", null);
  return answer;
};

/** Real (not simulated) time passing: what I/O to Azurite or an emulator costs. */
const realWork = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("the local runtime on a simulated clock", () => {
  it("ends a wait at the instant the event is raised, though the raiser sleeps at once after", async () => {
    const clock = new VirtualClock(START);
    const leaveRaiser = clock.join();
    const run = runOrchestration(pokeable, "Pokeable", "clock-1", null, {
      clock,
      activities: {},
    });
    const raiser = (async () => {
      await clock.sleepUntil(START + 10 * SECOND);
      expect(raiseLocalEvent("clock-1", "Poke")).toBe(true);
      await clock.sleepUntil(START + 100 * SECOND);
    })().finally(leaveRaiser);
    await Promise.all([run, raiser]);
    await expect(run).resolves.toMatchObject({ output: 10 * SECOND });
  });

  it("holds simulated time while an activity works, whoever else sleeps on the clock", async () => {
    const clock = new VirtualClock(START);
    const leaveSleeper = clock.join();
    const run = runOrchestration(worker, "Worker", "clock-2", null, {
      clock,
      activities: {
        Work: async () => {
          const before = clock.now();
          await realWork();
          return clock.now() - before;
        },
      },
    });
    // Another participant that sleeps in steps of a minute: each step would move the clock on if
    // the activity did not count.
    const sleeper = (async () => {
      for (let i = 1; i <= 5; i++) await clock.sleepUntil(START + i * 60_000);
    })().finally(leaveSleeper);
    await Promise.all([run, sleeper]);
    await expect(run).resolves.toMatchObject({ output: 0 });
  });
});
