import { describe, expect, it } from "vitest";
import { bindActivities } from "../../../src/engine/bindActivities";
import type { EngineDeps } from "../../../src/engine/deps";

/** Dependencies with only a log: the activities below touch nothing else. */
function depsLogging(lines: string[]): EngineDeps {
  return { log: (m: string) => lines.push(m) } as unknown as EngineDeps;
}

describe("bindActivities", () => {
  it("calls each activity with the dependencies and its input", async () => {
    const lines: string[] = [];
    const deps = depsLogging(lines);
    const bound = bindActivities(
      { Echo: async (d: EngineDeps, input: { n: number }) => ({ same: d === deps, n: input.n }) },
      () => deps,
    );
    expect(await bound.Echo!({ n: 3 })).toEqual({ same: true, n: 3 });
  });

  it("logs an activity's note when it differs from that activity's last one", async () => {
    const lines: string[] = [];
    const notes = ["caught up", "caught up", "nothing changed before 2024-01-01", "caught up"];
    const bound = bindActivities(
      { PlanNextWindow: async () => ({ changed: false, note: notes.shift() }) },
      () => depsLogging(lines),
    );
    for (let i = 0; i < 4; i++) await bound.PlanNextWindow!(null);
    expect(lines).toEqual([
      "PlanNextWindow: caught up",
      "PlanNextWindow: nothing changed before 2024-01-01",
      "PlanNextWindow: caught up",
    ]);
  });

  it("passes the runtime's context of the call to the dependencies and each call through the wrapper", async () => {
    const contexts: string[] = [];
    const wrapped: string[] = [];
    const bound = bindActivities(
      { Ping: async () => ({ changed: true }) },
      (context: string) => {
        contexts.push(context);
        return depsLogging([]);
      },
      (name, call) => (wrapped.push(name), call()),
    );
    await bound.Ping!(null, "invocation-1");
    expect(contexts).toEqual(["invocation-1"]);
    expect(wrapped).toEqual(["Ping"]);
  });
});
