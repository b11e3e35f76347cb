import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { ExecutionRecord } from "../../../src/local/durableRuntime";
import { runOrchestration } from "../../../src/local/durableRuntime";

const clock = { now: () => Date.parse("2025-03-03T03:00:00Z"), sleepUntil: async () => {} };

/** Adds `step` to `total` `rounds` times, one activity per execution, continuing as new between. */
const counter: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<{ total: number; left: number; step: number }>();
  const total: number = yield context.df.callActivity("Add", {
    total: input.total,
    step: input.step,
  });
  if (input.left > 1) {
    context.df.continueAsNew({ ...input, total, left: input.left - 1 });
    return undefined;
  }
  return total;
};

const parent: OrchestrationHandler = function* (context: OrchestrationContext) {
  const results: number[] = yield context.df.Task.all([
    context.df.callSubOrchestrator("Counter", { total: 0, left: 3, step: 1 }, "child-a"),
    context.df.callSubOrchestrator("Counter", { total: 100, left: 2, step: 10 }, "child-b"),
  ]);
  try {
    yield context.df.callSubOrchestrator("Broken", null, "child-c");
  } catch (error) {
    return { results, failure: (error as Error).message };
  }
  return { results, failure: null };
};

const broken: OrchestrationHandler = function* (context: OrchestrationContext) {
  yield context.df.callActivity("Fail", null);
  return "unreachable";
};

const activities = {
  Add: async (input: unknown) => {
    const i = input as { total: number; step: number };
    return i.total + i.step;
  },
  Fail: async () => {
    throw new Error("the activity refused");
  },
};

describe("sub-orchestrations in the local runtime", () => {
  it("runs each child to its last execution and hands its output to the caller", async () => {
    const executions: ExecutionRecord[] = [];
    const result = await runOrchestration(parent, "Parent", "p-1", null, {
      activities,
      orchestrations: { Counter: counter, Broken: broken },
      clock,
      onExecution: (r) => executions.push(r),
    });
    expect(result.output).toEqual({
      results: [3, 120],
      failure: expect.stringMatching(/Broken failed: .*the activity refused/),
    });
    const byInstance = (id: string) => executions.filter((e) => e.instanceId === id);
    expect(byInstance("child-a").map((e) => e.ended)).toEqual([
      "continued-as-new",
      "continued-as-new",
      "completed",
    ]);
    expect(byInstance("child-b").map((e) => e.execution)).toEqual([1, 2]);
    expect(byInstance("child-c").map((e) => e.ended)).toEqual(["failed"]);
    expect(byInstance("p-1")).toEqual([
      expect.objectContaining({ name: "Parent", execution: 1, ended: "completed" }),
    ]);
    // OrchestratorStarted, ExecutionStarted, OrchestratorCompleted, TaskScheduled; OrchestratorStarted,
    // TaskCompleted; then the last episode's OrchestratorCompleted and the ExecutionCompleted.
    expect(byInstance("child-a")[0]!.historyEvents).toBe(8);
    expect(byInstance("child-a")[1]!.inputBytes).toBe(
      Buffer.byteLength(JSON.stringify({ total: 1, left: 2, step: 1 })),
    );
  });

  it("fails the call of an orchestration that is not registered, without stopping the caller", async () => {
    const result = await runOrchestration(parent, "Parent", "p-2", null, {
      activities,
      orchestrations: { Counter: counter },
      clock,
    });
    expect(result.output).toMatchObject({
      failure: expect.stringMatching(/^No orchestration named Broken is registered/),
    });
  });

  it("stops the caller when the host stops while a child runs", async () => {
    let episodes = 0;
    const result = await runOrchestration(parent, "Parent", "p-3", null, {
      activities,
      orchestrations: { Counter: counter, Broken: broken },
      clock,
      shouldStop: () => ++episodes > 3,
    });
    expect(result).toMatchObject({ stopped: true, output: undefined });
  });
});
