/**
 * The cutover's proof runs as a sub-orchestration of the migration (E2ETestOrchestration, instance
 * id = its run id), never inside one activity: ProveCutover only starts it, DecideCutoverProof
 * stores the verdict from its report.
 */
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { CutoverProofStart } from "../../../src/engine/cutover";
import type { ActivityResult } from "../../../src/engine/deps";
import {
  MIGRATION_ORCHESTRATION,
  migrationOrchestrator,
} from "../../../src/engine/migrationOrchestrator";
import { runOrchestration } from "../../../src/local/durableRuntime";
import type { ExecutionRecord } from "../../../src/local/durableRuntime";
import { E2E_TEST_ORCHESTRATION } from "../../../src/verify/orchestrator";
import { passSnapshot } from "../../support/passSnapshot";

const clock = { now: () => Date.parse("2026-12-03T10:05:00Z"), sleepUntil: async () => {} };

const proof: CutoverProofStart = {
  runId: "v20261203T100500-abcdef",
  verification: { checks: ["surface", "full"], runId: "v20261203T100500-abcdef", seed: "s" },
  decide: {
    runId: "v20261203T100500-abcdef",
    freeze: "2026-12-03T10:00:00.000Z",
    lastProof: null,
    ledger: { evidence: {} as never, unreconciled: [] },
  },
};

describe("the cutover's proof in the migration orchestration", () => {
  it("runs the verification as a sub-orchestration, then decides from its report", async () => {
    const calls: { name: string; input: unknown }[] = [];
    const verification: OrchestrationHandler = function* (context: OrchestrationContext) {
      const input = context.df.getInput<{ runId: string }>();
      yield context.df.callActivity("VerifyFullUnit", { unit: 1 });
      return { runId: input.runId, verdict: "Pass" };
    };
    let passes = 0;
    const executions: ExecutionRecord[] = [];
    const result = await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "m1",
      {},
      {
        clock,
        orchestrations: { [E2E_TEST_ORCHESTRATION]: verification },
        onExecution: (e) => executions.push(e),
        activities: {
          LoadMigrationState: async () =>
            ++passes > 1
              ? passSnapshot({ halted: true })
              : passSnapshot({
                  cutover: {
                    phase: "proving",
                    freeze: proof.decide.freeze,
                    frontierAtFreeze: true,
                    ledgerOpen: 0,
                  },
                }),
          ProveCutover: async (): Promise<ActivityResult> => (
            calls.push({ name: "ProveCutover", input: null }),
            { changed: true, cutoverProof: proof }
          ),
          VerifyFullUnit: async (input) => (calls.push({ name: "VerifyFullUnit", input }), {}),
          DecideCutoverProof: async (input): Promise<ActivityResult> => (
            calls.push({ name: "DecideCutoverProof", input }),
            { changed: true, note: "GO" }
          ),
        },
      },
    );
    expect(result.output).toMatchObject({ outcome: "halted" });
    expect(calls.map((c) => c.name)).toEqual([
      "ProveCutover",
      "VerifyFullUnit",
      "DecideCutoverProof",
    ]);
    expect(calls[2]?.input).toEqual({
      ...proof.decide,
      report: { runId: proof.runId, verdict: "Pass" },
    });
    expect(executions.find((e) => e.instanceId === proof.runId)).toMatchObject({
      name: E2E_TEST_ORCHESTRATION,
      ended: "completed",
    });
  });
});
