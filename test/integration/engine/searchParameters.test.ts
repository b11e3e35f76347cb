import { afterEach, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { migrateSearchParameters } from "../../../src/engine/activities/searchParameters";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment | undefined;
let n = 0;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

async function setUp(count: number) {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
  });
  for (let i = 0; i < count; i++) {
    environment.source.store.create({
      resourceType: "SearchParameter",
      id: `sp-${i}`,
      url: `http://example.org/SearchParameter/sp-${i}`,
      name: `sp${i}`,
      status: "active",
      code: `sp${i}`,
      base: ["Patient"],
      type: "token",
      expression: "Patient.identifier",
    });
  }
  n++;
  const telemetry = new InMemoryTelemetry();
  const deps = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `spchunk${process.pid}x${n}`,
        AZURE_ExportTableName: `spexport${process.pid}x${n}`,
        AZURE_RetryCount: "1",
      }),
    ),
    { telemetry },
  );
  await deps.state.ensure();
  return { env: environment, deps, telemetry };
}

describe("custom SearchParameter copy", () => {
  it("pages past 1,000 and copies every one, checking each batch entry", async () => {
    const { env, deps } = await setUp(1050);
    await migrateSearchParameters(deps);
    expect(env.destination.store.count("SearchParameter")).toBe(1050);
    const cursor = await deps.state.getCursor();
    expect(cursor).toMatchObject({
      searchParametersMigrated: true,
      searchParameterFailure: undefined,
    });
  });

  it("gives up after a bounded number of attempts, visibly, instead of blocking imports forever", async () => {
    const { env, deps, telemetry } = await setUp(3);
    env.destination.faults.add({ operation: "batch", kind: "status", status: 500, times: 100 });
    for (let i = 0; i < 3; i++) await migrateSearchParameters(deps);
    const cursor = await deps.state.getCursor();
    expect(cursor.searchParametersMigrated).toBe(true);
    expect(cursor.searchParameterFailure).toMatch(/500/);
    expect(telemetry.named("SearchParameters").map((e) => e.properties.Status)).toEqual([
      "Failed",
      "Failed",
      "GaveUp",
    ]);
  });

  it("does not pile up versions on the destination when copied again", async () => {
    const { env, deps } = await setUp(2);
    await migrateSearchParameters(deps);
    await deps.state.changeCursor((c) => ({ ...c, searchParametersMigrated: false }));
    await migrateSearchParameters(deps);
    expect(env.destination.store.history("SearchParameter", "sp-0")).toHaveLength(1);
  });
});
