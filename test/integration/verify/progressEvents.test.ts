/**
 * The full check's progress as events (src/core/progress.ts): what `fhir-migrate verify` prints
 * comes from these, so they must count up to every unit and every source version.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../../src/core/progress";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { describeFullProgress } from "../../../src/status/verificationSummary";
import { runVerification } from "../../../src/verify/runVerification";
import { customSearchParameter } from "../../../emulator/harness/syntheticData";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

afterEach(stopScenarios);

describe("full check progress events", () => {
  it("count the units and source versions compared up to all of them", async () => {
    const { env, seed } = await startScenario({ jobLatencyMs: 10 });
    seed({ resources: 60, years: 1, seed: 23, updateShare: 0.3 });
    // Counted in the plan's range, compared apart (current only): never a version left to compare.
    env.source.store.create(customSearchParameter());
    const deps = scenarioDeps(env, freshTables("vprog"), { log: () => {} });
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    const events: ProgressEvent[] = [];
    const report = await runVerification(deps, {
      checks: ["full"],
      seed: "progress",
      unitVersions: 40,
      progress: { emit: (e) => void events.push(e) },
    });
    expect(report.verdict).toBe("Pass");
    const full = events.filter((e) => e.kind === "verification");
    expect(full.length).toBeGreaterThan(1);
    expect(full.every((e) => e.runId === report.runId)).toBe(true);
    const last = full.at(-1)!;
    const versions = env.source.store
      .allVersions()
      .filter((v) => v.resourceType !== "SearchParameter").length;
    expect(last).toMatchObject({ unitsDone: last.units, versionsDone: versions, versions });
    for (let i = 1; i < full.length; i++)
      expect(full[i]!.unitsDone).toBeGreaterThanOrEqual(full[i - 1]!.unitsDone);
    // The status page reads the same numbers from the run's summary rows: finished, not 99 %.
    const summaries = await deps.state.listCheckSummaries(report.runId);
    const progress = summaries.find((s) => s.kind === "full")!.full!;
    expect(progress).toMatchObject({ versions, versionsDone: versions });
    expect(describeFullProgress(progress, new Date().toISOString())).toMatch(/; finished$/);
  });
});
