import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import type { EngineDeps } from "../../../src/engine/deps";
import { RAMP_FIRST_SHARE } from "../../../src/core/windowSizing";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

const DAY = 86_400_000;

afterEach(stopScenarios);

/** Ten years of data, most of it recent, written on the source at its historical instants. */
async function tenSparseYears(resources: number) {
  const { env, seed } = await startScenario({ jobLatencyMs: 20 });
  seed({ resources, years: 10, seed: 11, updateShare: 0.3, deleteShare: 0.1 });
  return env;
}

function depsFor(env: LocalEnvironment, overrides: Environment): EngineDeps {
  return scenarioDeps(env, freshTables("size"), {
    overrides: { AZURE_ExportWithHistory: "true", AZURE_ExportWithDelete: "true", ...overrides },
  });
}

/** Thirty-day steps from the oldest version that hold at least one version (what a target of 0 exports). */
function nonEmptySteps(instants: number[]): number {
  const first = Math.min(...instants);
  return new Set(instants.map((t) => Math.floor((t - first) / (30 * DAY)))).size;
}

describe("windows sized by what they hold (AZURE_ChunkTargetResources)", () => {
  it("exports sparse years in few windows and copies every version", async () => {
    const env = await tenSparseYears(400);
    const instants = env.source.store.allVersions().map((v) => v.lastUpdatedMs);
    const deps = depsFor(env, { AZURE_ExportChunkTime: "30", AZURE_ChunkTargetResources: "150" });
    const result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(result.output).toMatchObject({ outcome: "caught-up" });

    const chunks = [];
    for await (const c of deps.state.listAllChunks()) chunks.push(c);
    // The first windows ramp up (a share of the target, doubling), every later one but the last
    // holds the target within 10 %; one-step windows would be many more.
    const ramp = [0, 1, 2].map((k) => (150 * 2 ** k) / RAMP_FIRST_SHARE);
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(instants.length / 135) + ramp.length + 1);
    expect(nonEmptySteps(instants)).toBeGreaterThan(3 * chunks.length);
    const counts = chunks.map((c) => c.expectedCount);
    ramp.forEach((size, k) => {
      expect(counts[k]).toBeGreaterThanOrEqual(Math.ceil(size * 0.9));
      expect(counts[k]).toBeLessThanOrEqual(Math.floor(size * 1.1));
    });
    expect(chunks.slice(ramp.length, -1).every((c) => c.expectedCount >= 135)).toBe(true);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.since).toBe(chunks[i - 1]!.till);

    const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
    expect(problems).toEqual([]);
    expect(rows.every((r) => r.missing === 0 && r.different === 0)).toBe(true);
    expect(rows.reduce((n, r) => n + r.sourceVersions, 0)).toBe(instants.length);
  });

  it("counts history and deletes, so a window's expected count is every version it holds", async () => {
    const env = await tenSparseYears(200);
    const deps = depsFor(env, { AZURE_ExportChunkTime: "30", AZURE_ChunkTargetResources: "80" });
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    const versions = env.source.store.allVersions();
    for await (const c of deps.state.listAllChunks()) {
      const held = versions.filter(
        (v) => v.lastUpdatedMs >= Date.parse(c.since) && v.lastUpdatedMs < Date.parse(c.till),
      ).length;
      expect(c.expectedCount).toBe(held);
    }
  });
});
