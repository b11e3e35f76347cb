/**
 * Type discovery against Azurite and two emulators (docs/verification.md, "Which types are
 * checked"): after a migration, VerifyPlan counts the types the migration moved and then the
 * system-level count on each server, not every R4 type; a type that was never seen is still found,
 * because the candidates' counts no longer add up to the system-level count.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { R4_RESOURCE_TYPES } from "../../../src/core/resourceTypes";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import type { CountQuery } from "../../../src/fhir/types";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { planVerification } from "../../../src/verify/plan";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { seededRandom, syntheticResource } from "../../../emulator/harness/syntheticData";

const DAY = 86_400_000;
const tag = `td${process.pid}`;

let environment: LocalEnvironment;
let seededAt: number | undefined;

function depsFor(overrides: Environment = {}): EngineDeps {
  return createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `${tag}chunk`,
        AZURE_ExportTableName: `${tag}export`,
        // Staged blobs are named from the row key in containers shared with parallel files.
        AZURE_RowKey: `${tag}row`,
        AZURE_StartDate: new Date(Date.now() - 10 * DAY).toISOString(),
        AZURE_ExportWithHistory: "true",
        AZURE_ExportWithDelete: "true",
        ...overrides,
      }),
    ),
    { telemetry: new InMemoryTelemetry() },
  );
}

/** The deps with every count either server is asked recorded, in the order they are sent. */
function counting(deps: EngineDeps): {
  deps: EngineDeps;
  source: CountQuery[];
  destination: CountQuery[];
} {
  const source: CountQuery[] = [];
  const destination: CountQuery[] = [];
  return {
    source,
    destination,
    deps: {
      ...deps,
      source: { ...deps.source, count: (q) => (source.push(q), deps.source.count(q)) },
      destination: {
        ...deps.destination,
        count: (q) => (destination.push(q), deps.destination.count(q)),
      },
    },
  };
}

let runs = 0;
async function plan(deps: EngineDeps) {
  runs++;
  return planVerification(deps, { runId: `${tag}-${runs}`, seed: "itest" });
}

beforeAll(async () => {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock: { now: () => seededAt ?? Date.now() },
    latency: { exportFixedMs: 20, importFixedMs: 20 },
  });
  const random = seededRandom(11);
  const start = Date.now() - 5 * DAY;
  for (let i = 0; i < 6; i++) {
    seededAt = start + i * 60_000;
    environment.source.store.create(
      syntheticResource("Patient", `p${i}`, `p${i}`, random, seededAt),
    );
    seededAt += 1_000;
    environment.source.store.create(
      syntheticResource("Observation", `o${i}`, `p${i}`, random, seededAt),
    );
  }
  seededAt = undefined;
  await runMigrationLocally(depsFor(), { input: { stopWhenCaughtUp: true } });
}, 120_000);

afterAll(async () => {
  await environment?.stop();
});

describe("type discovery", () => {
  it("after a migration counts the system-level total, the types it moved, then the total again, on each server", async () => {
    const { deps, source, destination } = counting(depsFor());
    const found = await plan(deps);
    expect(found.types).toEqual([
      { type: "Observation", source: 6, destination: 6, error: null },
      { type: "Patient", source: 6, destination: 6, error: null },
    ]);
    const expected = [
      { history: true },
      { type: "Observation", history: true },
      { type: "Patient", history: true },
      { history: true },
    ];
    expect(source).toEqual(expected);
    expect(destination).toEqual(expected);
  });

  it("counts search totals, system-level included, when history is not migrated", async () => {
    const { deps, source } = counting(depsFor({ AZURE_ExportWithHistory: "false" }));
    await plan(deps);
    expect(source).toEqual([
      { history: false },
      { type: "Observation", history: false },
      { type: "Patient", history: false },
      { history: false },
    ]);
  });

  it("finds a type nobody has seen holding resources, by counting every R4 type, and remembers it", async () => {
    environment.source.store.create({ resourceType: "Basic", id: "unseen", code: { text: "x" } });
    try {
      const deps = depsFor();
      const { deps: watched, source } = counting(deps);
      const found = await plan(watched);
      expect(found.types.map((t) => t.type)).toEqual(["Basic", "Observation", "Patient"]);
      expect(found.types[0]).toEqual({ type: "Basic", source: 1, destination: 0, error: null });
      // The system-level count before and after the two candidates, then every other R4 type.
      expect(source).toHaveLength(R4_RESOURCE_TYPES.length + 2);
      expect((await deps.state.seenTypes.get())?.types).toEqual([
        "Basic",
        "Observation",
        "Patient",
      ]);
    } finally {
      environment.source.store.hardDelete("Basic", "unseen");
    }
  });
});
