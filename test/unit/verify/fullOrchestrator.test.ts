import { describe, expect, it } from "vitest";
import { runFullCheckAtScale } from "../../../bench/fullCheckScale";
import type { FullPlan, FullUnitInput, FullUnitResult } from "../../../src/verify/fullTypes";
import { runOrchestration } from "../../../src/local/durableRuntime";
import {
  VERIFY_FULL_ORCHESTRATION,
  initialFullCheckState,
  verifyFullOrchestrator,
} from "../../../src/verify/fullOrchestrator";
import { emptyTypeTotals } from "../../../src/verify/fullSummary";
import { noSearchParameters, unitResult } from "../../support/fullCheck";

const SINCE = Date.parse("2025-01-01T00:00:00Z");
const TILL = SINCE + 60_000;

function fullPlan(versions: number, unitVersions: number): FullPlan {
  return {
    scope: "history",
    sinceMs: SINCE,
    tillMs: TILL,
    source: versions,
    destination: versions,
    searchParameters: 0,
    unitVersions,
    resumed: false,
    migratesDeletes: true,
    watermark: null,
    incremental: false,
    startedAt: new Date(SINCE).toISOString(),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the full check against activities that answer from `plan`, logging each call's start and end. */
async function runFull(plan: FullPlan, concurrency: number, pageSize = 1000) {
  const log: string[] = [];
  const units: FullUnitInput[] = [];
  const activity =
    (name: string, answer: (input: never) => unknown, ms = 5) =>
    async (input: unknown) => {
      log.push(`${name} start`);
      await pause(ms);
      log.push(`${name} end`);
      return answer(input as never);
    };
  const activities = {
    VerifyFullPlan: activity("VerifyFullPlan", () => plan),
    VerifyFullSplit: activity("VerifyFullSplit", (i: { ranges: FullPlan[] }) => {
      // Each range cut in two halves that fit.
      const units = i.ranges.flatMap((r) => {
        const mid = Math.floor((r.sinceMs + r.tillMs) / 2);
        return [
          { sinceMs: r.sinceMs, tillMs: mid, source: r.source / 2, destination: r.destination / 2 },
          { sinceMs: mid, tillMs: r.tillMs, source: r.source / 2, destination: r.destination / 2 },
        ];
      });
      return { units, oversize: 0, pending: [] };
    }),
    VerifyFullUnit: activity(
      "VerifyFullUnit",
      (u: FullUnitInput): FullUnitResult => (
        units.push(u),
        unitResult(u, [{ ...emptyTypeTotals("Patient"), source: 1, destination: 1, matched: 1 }])
      ),
      20,
    ),
    VerifyFullSearchParameters: activity("VerifyFullSearchParameters", noSearchParameters),
    VerifyRecordSummary: activity("VerifyRecordSummary", () => null, 30),
    VerifyFullRecord: activity("VerifyFullRecord", () => ({ provenUntil: null })),
  };
  await runOrchestration(
    verifyFullOrchestrator,
    VERIFY_FULL_ORCHESTRATION,
    "run-1:full",
    initialFullCheckState({
      runId: "run-1",
      resume: false,
      unitVersions: plan.unitVersions,
      concurrency,
      pageSize,
      sinceMs: null,
    }),
    {
      activities,
      clock: { now: () => TILL, sleepUntil: async () => {} },
    },
  );
  return { log, units };
}

describe("the full check's orchestration", () => {
  it("writes one summary row per wave, the last one final, with no progress row just before it", async () => {
    // 8 units of 1,000 versions at concurrency 8: one wave.
    const run = await runFullCheckAtScale(8_000, 8, 1_000);
    expect(run.units).toBe(8);
    expect(run.wavePages).toHaveLength(1);
    expect(run.lastSummary).toMatchObject({ kind: "full", finished: true });
  });

  it("still writes a progress row after every wave but the last", async () => {
    const run = await runFullCheckAtScale(24_000, 8, 1_000);
    expect(run.units).toBeGreaterThan(16);
    expect(run.wavePages).toHaveLength(Math.ceil(run.units / 8));
  });

  it("compares a timeline that fits in one unit without splitting it: one part per page, side by side", async () => {
    const { log, units } = await runFull(fullPlan(3_500, 50_000), 8);
    expect(log).not.toContain("VerifyFullSplit start");
    // 3,500 versions: four pages, four parts of equal time covering the timeline without gaps.
    expect(units.map((u) => [u.sinceMs - SINCE, u.tillMs - SINCE])).toEqual([
      [0, 15_000],
      [15_000, 30_000],
      [30_000, 45_000],
      [45_000, 60_000],
    ]);
    // All four in one wave: every part started before any ended.
    expect(log.lastIndexOf("VerifyFullUnit start")).toBeLessThan(log.indexOf("VerifyFullUnit end"));
  });

  it("cuts a timeline that fits into no more parts than the bound leaves beside the SearchParameters", async () => {
    const { units } = await runFull(fullPlan(40_000, 50_000), 4);
    expect(units).toHaveLength(3);
  });

  it("compares the SearchParameters beside the units, not after them", async () => {
    const { log } = await runFull(fullPlan(1_500, 50_000), 8);
    expect(log.indexOf("VerifyFullSearchParameters start")).toBeLessThan(
      log.indexOf("VerifyFullUnit end"),
    );
  });

  it("still splits a timeline larger than a unit, and writes its progress row with the next wave", async () => {
    // 2 units of 2,000 at concurrency 1: two waves; the progress row of the first goes out with the second.
    const { log, units } = await runFull(fullPlan(4_000, 2_000), 1);
    expect(log).toContain("VerifyFullSplit start");
    expect(units).toHaveLength(2);
    const second = log.lastIndexOf("VerifyFullUnit start");
    const row = log.indexOf("VerifyRecordSummary start");
    expect(row).toBeLessThan(second);
    expect(log.indexOf("VerifyRecordSummary end")).toBeGreaterThan(second);
  });
});
