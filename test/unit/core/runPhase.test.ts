import { describe, expect, it } from "vitest";
import { runPhase } from "../../../src/core/runOutcome";

const running = { paused: false, caughtUp: false };

describe("runPhase", () => {
  it("is the outcome once the run stops, whatever else holds", () => {
    expect(runPhase({ outcome: "halted", cutover: true, paused: true, caughtUp: true })).toBe(
      "halted",
    );
  });

  it("is cutover during a cutover, even inside the pause", () => {
    expect(runPhase({ ...running, cutover: true, paused: true })).toBe("cutover");
  });

  it("is paused inside the pause, even when caught up", () => {
    expect(runPhase({ paused: true, caughtUp: true })).toBe("paused");
  });

  it("is caught-up when nothing is in flight and nothing newer was found, even while waiting", () => {
    expect(runPhase({ paused: false, caughtUp: true, waiting: true })).toBe("caught-up");
  });

  it("is waiting between polls, and migrating otherwise", () => {
    expect([runPhase({ ...running, waiting: true }), runPhase(running)]).toEqual([
      "waiting",
      "migrating",
    ]);
  });
});
