/**
 * The full check's orchestration at hospital scale, replayed by durable-functions' own executor
 * (src/local/durableRuntime.ts): 32,000 units, with stub activities whose counts come from a uniform
 * timeline, and the real splitting (src/verify/fullSplit.ts). What the host would store is measured
 * from the executions themselves: no execution's history exceeds 5,000 events, and no input that
 * crosses continue-as-new reaches 64 KB.
 */
import { describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import type { ExecutionRecord } from "../../../src/local/durableRuntime";
import { runOrchestration } from "../../../src/local/durableRuntime";
import { HISTORY_EVENTS_PER_EXECUTION } from "../../../src/verify/historyBudget";
import type { FullCheckState } from "../../../src/verify/fullOrchestrator";
import {
  VERIFY_FULL_ORCHESTRATION,
  initialFullCheckState,
  verifyFullOrchestrator,
} from "../../../src/verify/fullOrchestrator";
import { splitFullRanges } from "../../../src/verify/fullSplit";
import type {
  FullPlan,
  FullSplitInput,
  FullSummary,
  FullUnitInput,
  FullUnitResult,
} from "../../../src/verify/fullTypes";
import type { CheckSummary } from "../../../src/verify/runSummary";

const clock = { now: () => Date.parse("2025-03-03T03:00:00Z"), sleepUntil: async () => {} };

const UNIT_VERSIONS = 1_000;
const UNITS = 32_000;
const SINCE = Date.parse("2015-01-01T00:00:00Z");
const TILL = Date.parse("2025-01-01T00:00:00Z");
/** Versions stamped before `ms` on a timeline holding UNITS × UNIT_VERSIONS versions evenly. */
const before = (ms: number) => Math.floor(((ms - SINCE) / (TILL - SINCE)) * UNITS * UNIT_VERSIONS);
/** Counts of adjacent ranges add up exactly, as the servers' do. */
const versionsIn = (sinceMs: number, tillMs: number) => before(tillMs) - before(sinceMs);

/** Deps whose servers answer counts from the uniform timeline (the only I/O splitting does). */
const modelDeps = {
  source: {
    count: async (q: { since: string; till: string }) =>
      versionsIn(Date.parse(q.since), Date.parse(q.till)),
  },
  destination: {
    count: async (q: { since: string; till: string }) =>
      versionsIn(Date.parse(q.since), Date.parse(q.till)),
  },
} as unknown as EngineDeps;

function stubActivities(summaries: CheckSummary[]) {
  const plan: FullPlan = {
    scope: "history",
    sinceMs: SINCE,
    tillMs: TILL,
    source: versionsIn(SINCE, TILL),
    destination: versionsIn(SINCE, TILL),
    unitVersions: UNIT_VERSIONS,
    resumed: false,
    migratesDeletes: true,
    watermark: null,
    incremental: false,
    startedAt: "2025-03-03T03:00:00.000Z",
  };
  return {
    VerifyFullPlan: async () => plan,
    VerifyFullSplit: async (input: unknown) => splitFullRanges(modelDeps, input as FullSplitInput),
    VerifyFullUnit: async (input: unknown): Promise<FullUnitResult> => {
      const u = input as FullUnitInput;
      const n = versionsIn(u.sinceMs, u.tillMs);
      return {
        key: `${u.sinceMs}-${u.tillMs}`,
        sinceMs: u.sinceMs,
        tillMs: u.tillMs,
        resumed: false,
        held: n,
        perType: [
          {
            type: "Observation",
            source: n,
            destination: n,
            matched: n,
            missing: 0,
            extra: 0,
            different: 0,
            behind: 0,
            skipped: 0,
            known: 0,
          },
        ],
        examples: [],
        error: null,
      };
    },
    VerifyRecordSummary: async (input: unknown) => {
      summaries.push(input as CheckSummary);
      return null;
    },
    VerifyFullSearchParameters: async () => ({
      type: "SearchParameter",
      processed: 0,
      passed: 0,
      failed: 0,
      behind: 0,
      errors: 0,
      failures: [],
    }),
    VerifyFullRecord: async () => ({ provenUntil: new Date(TILL).toISOString() }),
  };
}

describe("the full check's orchestration at 32,000 units", () => {
  it("keeps every execution's history and what crosses continue-as-new bounded", async () => {
    const executions: ExecutionRecord[] = [];
    const summaries: CheckSummary[] = [];
    const input: FullCheckState = initialFullCheckState({
      runId: "v20250303T030000-scale1",
      resume: false,
      unitVersions: UNIT_VERSIONS,
      concurrency: 8,
      pageSize: 1000,
      sinceMs: null,
    });
    const result = await runOrchestration(
      verifyFullOrchestrator,
      VERIFY_FULL_ORCHESTRATION,
      "v20250303T030000-scale1:full",
      input,
      {
        activities: stubActivities(summaries),
        clock,
        onExecution: (r) => executions.push(r),
      },
    );
    const summary = result.output as FullSummary;
    expect(summary).toMatchObject({
      verdict: "Pass",
      units: expect.any(Number),
      totals: { source: UNITS * UNIT_VERSIONS, matched: UNITS * UNIT_VERSIONS, missing: 0 },
    });
    expect(summary.units).toBeGreaterThanOrEqual(UNITS);

    const maxHistory = Math.max(...executions.map((e) => e.historyEvents));
    const maxCarried = Math.max(
      ...executions.filter((e) => e.execution > 1).map((e) => e.inputBytes),
    );
    expect(executions.length).toBeGreaterThan(10);
    expect(maxHistory).toBeLessThanOrEqual(5_000);
    expect(maxHistory).toBeGreaterThan(HISTORY_EVENTS_PER_EXECUTION / 2);
    expect(maxCarried).toBeLessThan(64 * 1024);
    // The status reads the progress from the summary row, written after every wave.
    expect(summaries.at(-1)).toMatchObject({
      kind: "full",
      finished: true,
      full: { versions: UNITS * UNIT_VERSIONS, versionsDone: UNITS * UNIT_VERSIONS },
    });
  }, 600_000);
});
