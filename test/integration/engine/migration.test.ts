import { readFileSync } from "node:fs";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { MANIFEST_CONTAINER } from "../../../src/engine/deps";
import type { EngineDeps } from "../../../src/engine/deps";
import type { LocalMigrationOptions } from "../../../src/local/localMigration";
import { runMigrationLocally } from "../../../src/local/localMigration";
import type { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

afterEach(stopScenarios);

/** Two emulators on the shared Azurite; the source's clock can be moved into the past to seed history. */
async function setUp() {
  const { env, seed } = await startScenario({ jobLatencyMs: 50, rollingFileResources: 200 });
  return {
    env,
    seed: (resources: number, seedNumber = 7) =>
      seed({ resources, years: 3, seed: seedNumber, updateShare: 0.3, deleteShare: 0.1 }),
  };
}

function depsFor(
  env: LocalEnvironment,
  overrides: Environment = {},
): EngineDeps & { telemetry: InMemoryTelemetry } {
  return scenarioDeps(env, freshTables("", "run"), {
    overrides: { AZURE_ExportChunkTime: "120", ...overrides },
  });
}

async function migrate(deps: EngineDeps, options: LocalMigrationOptions = {}) {
  return runMigrationLocally(deps, { input: { stopWhenCaughtUp: true }, ...options });
}

async function expectIdentical(deps: EngineDeps) {
  const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
  expect(problems).toEqual([]);
  return rows;
}

describe("migration through the local runtime (Azurite + emulators)", () => {
  it("copies every version, including history and soft deletes, in system-level mode", async () => {
    const { env, seed } = await setUp();
    seed(300);
    const deps = depsFor(env);
    const result = await migrate(deps);
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    const rows = await expectIdentical(deps);
    expect(rows.reduce((n, r) => n + r.sourceVersions, 0)).toBeGreaterThan(300);
    const metrics = new Set(deps.telemetry.metrics.map((m) => m.name));
    expect([...metrics].sort()).toEqual([
      "JobsInFlight",
      "LagBehindSourceSeconds",
      "ResourcesMovedPerMinute",
    ]);
    expect(deps.telemetry.named("Watermark").length).toBeGreaterThan(0);
    const deleted = env.source.store.allVersions().find((v) => v.deleted)!;
    await expect(
      deps.destination.vread(deleted.resourceType, deleted.id, deleted.versionId),
    ).resolves.toEqual({ found: true, deleted: true });
  });

  it("exports one type at a time in per-type mode and still copies everything", async () => {
    const { env, seed } = await setUp();
    seed(150);
    const deps = depsFor(env, {
      AZURE_IsParallel: "false",
      AZURE_ResourceTypes: "Patient,Encounter,Observation,Condition,MedicationRequest",
      // Per-type windows have their own length (AZURE_ExportChunkTime is the system-level one):
      // the 30-day default makes 77 windows of these three years, each a few storage round trips
      // per step; a year makes about 14, a few per type.
      AZURE_ResourceExportChunkTime: "365",
    });
    await migrate(deps);
    await expectIdentical(deps);
    const types = new Set<string>();
    for await (const chunk of deps.state.listAllChunks())
      types.add(chunk.resourceType ?? "(system)");
    expect([...types].sort()).toEqual([
      "Condition",
      "Encounter",
      "MedicationRequest",
      "Observation",
      "Patient",
    ]);
  });

  it("chains windows with no gap or overlap, and the watermark ends at the frontier", async () => {
    const { env, seed } = await setUp();
    seed(200);
    const deps = depsFor(env, { AZURE_ExportChunkTime: "30", AZURE_ChunkLimit: "60" });
    await migrate(deps);
    const chunks = [];
    for await (const c of deps.state.listAllChunks()) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.since).toBe(chunks[i - 1]!.till);
    expect(chunks.every((c) => c.processed && c.expectedCount <= 60)).toBe(true);
    const cursor = await deps.state.getCursor();
    expect(cursor.watermark).toBe(cursor.frontier);
    await expectIdentical(deps);
  });

  it("migrates only [AZURE_StartDate, AZURE_EndDate) under AZURE_SpecificRun, then ends", async () => {
    const { env, seed } = await setUp();
    seed(200);
    const versions = env.source.store
      .allVersions()
      .map((v) => v.lastUpdated)
      .sort();
    const start = versions[40]!;
    const end = versions[120]!;
    const deps = depsFor(env, {
      AZURE_SpecificRun: "true",
      AZURE_StartDate: start,
      AZURE_EndDate: end,
    });
    const result = await runMigrationLocally(deps, {});
    expect(result.output).toMatchObject({ outcome: "range-complete" });
    const inRange = env.source.store
      .allVersions()
      .filter((v) => v.lastUpdatedMs >= Date.parse(start) && v.lastUpdatedMs < Date.parse(end));
    const copied = env.destination.store.allVersions();
    expect(copied.length).toBe(inRange.length);
    expect(
      copied.every(
        (v) => v.lastUpdatedMs >= Date.parse(start) && v.lastUpdatedMs < Date.parse(end),
      ),
    ).toBe(true);
  });

  it("does nothing, and does not fail, on an empty source", async () => {
    const { env } = await setUp();
    const deps = depsFor(env);
    const result = await migrate(deps);
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    expect(env.source.stats.requests("export-kickoff")).toBe(0);
  });

  it("makes no export on an idle pass once caught up", async () => {
    const { env, seed } = await setUp();
    seed(50);
    const deps = depsFor(env);
    await migrate(deps);
    const exports = env.source.stats.requests("export-kickoff");
    env.source.stats.reset();
    await migrate(deps);
    expect(env.source.stats.requests("export-kickoff")).toBe(0);
    expect(exports).toBeGreaterThan(0);
    expect(env.source.stats.requests()).toBeLessThanOrEqual(3);
  });

  it("records resources the destination rejected, with their ids, and says so in telemetry", async () => {
    const { env, seed } = await setUp();
    seed(80);
    const victim = env.source.store.currentVersions("Observation").find((v) => !v.deleted)!;
    env.destination.faults.add({ kind: "import-partial-errors", ids: [victim.id], times: 1000 });
    const deps = depsFor(env);
    await migrate(deps);
    const failed = [];
    for await (const f of deps.state.listFailedResources()) failed.push(f);
    expect(failed.map((f) => `${f.resourceType}/${f.id}`)).toContain(`Observation/${victim.id}`);
    expect(deps.telemetry.named("FailedResources").length).toBeGreaterThan(0);
    expect((await deps.state.getCursor()).resourcesFailed).toBeGreaterThan(0);
  });

  it("sends the de-identified export parameters", async () => {
    const { env, seed } = await setUp();
    seed(40);
    const blobs = BlobServiceClient.fromConnectionString(env.connectionString).getContainerClient(
      "anonymization",
    );
    await blobs.createIfNotExists();
    const config = readFileSync("infra/anonymization/DemoTruncate.json", "utf8");
    await blobs.getBlockBlobClient("DemoTruncate.json").upload(config, config.length);
    const deps = depsFor(env, {
      AZURE_IsExportDeidentified: "true",
      AZURE_ConfigFile: "DemoTruncate",
    });
    await migrate(deps);
    const text = await deps.blobs.getText(
      MANIFEST_CONTAINER,
      `${deps.settings.storage.rowKey}-00000001.json`,
    );
    const request = (JSON.parse(text!) as { request: string }).request;
    expect(request).toContain("_container=anonymization");
    expect(request).toContain("_anonymizationConfig=DemoTruncate.json");
    await expectIdentical(deps);
  });

  it.each([
    ["before", "StartExport", 1],
    ["after", "StartExport", 1],
    ["before", "PollExport", 2],
    ["after", "PollExport", 2],
    ["after", "BuildImportPayloads", 1],
    ["before", "StartImport", 1],
    ["after", "StartImport", 2],
    ["after", "PollImport", 1],
    ["after", "PlanNextWindow", 2],
  ] as const)(
    "resumes after a crash %s %s call %i without a second export or a gap",
    async (when, activity, nth) => {
      const { env, seed } = await setUp();
      seed(120);
      const deps = depsFor(env, { AZURE_ExportChunkTime: "60", AZURE_ChunkLimit: "80" });
      let calls = 0;
      class SimulatedCrash extends Error {}
      const crashed = migrate(deps, {
        isCrash: (e) => e instanceof SimulatedCrash,
        wrapActivity: async (name, call) => {
          // Calls in one pass run concurrently: each remembers its own position.
          const position = name === activity ? ++calls : 0;
          if (position === nth && when === "before") throw new SimulatedCrash("crash");
          const result = await call();
          if (position === nth && when === "after") throw new SimulatedCrash("crash");
          return result;
        },
      });
      await expect(crashed).rejects.toThrow("crash");
      await migrate(deps);
      await expectIdentical(deps);
      let chunks = 0;
      for await (const _ of deps.state.listAllChunks()) chunks++;
      expect(env.source.stats.requests("export-kickoff")).toBe(chunks);
    },
  );
});
