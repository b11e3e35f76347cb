/**
 * The full check's orchestration at hospital scale, replayed by durable-functions' own executor
 * (src/local/durableRuntime.ts): 32,000 units of 1,000 versions, with activities answering from a
 * uniform timeline and the product's own cutting of it into units (bench/fullCheckScale.ts, which
 * prices the same run at 10M, 100M and 1B versions). What the host would store is measured from
 * the executions themselves: no execution's history exceeds 5,000 events, and no input that
 * crosses continue-as-new reaches 64 KB.
 */
import { describe, expect, it } from "vitest";
import { runFullCheckAtScale } from "../../../bench/fullCheckScale";
import { HISTORY_EVENTS_PER_EXECUTION } from "../../../src/verify/historyBudget";

describe("the full check's orchestration at 32,000 units", () => {
  it("keeps every execution's history and what crosses continue-as-new bounded", async () => {
    const run = await runFullCheckAtScale(32_000_000, 8, 1_000);
    expect(run.units).toBeGreaterThanOrEqual(32_000);
    expect(run.executions).toBeGreaterThan(10);
    expect(run.maxHistoryEvents).toBeLessThanOrEqual(5_000);
    expect(run.maxHistoryEvents).toBeGreaterThan(HISTORY_EVENTS_PER_EXECUTION / 2);
    expect(run.maxCarriedBytes).toBeGreaterThan(0);
    expect(run.maxCarriedBytes).toBeLessThan(64 * 1024);
    // Every version compared once, and the status's summary row says so.
    expect(run.lastSummary).toMatchObject({
      kind: "full",
      finished: true,
      full: { versions: 32_000_000, versionsDone: 32_000_000 },
    });
  }, 600_000);
});
