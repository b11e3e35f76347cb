import { HttpRequest, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { MIGRATION_INSTANCE_ID } from "../../../src/engine/migrationOrchestrator";
import { clearMaxExportRetriesHandler } from "../../../src/functions/control";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment | undefined;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

let tables = 0;

async function haltedDeps(telemetry: InMemoryTelemetry) {
  tables++;
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
  });
  const deps = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_ChunkTableName: `crchunk${process.pid}n${tables}`,
        AZURE_ExportTableName: `crexport${process.pid}n${tables}`,
      }),
    ),
    { telemetry },
  );
  await deps.state.ensure();
  await deps.state.changeCursor((c) => ({
    ...c,
    nextSeq: 2,
    consecutiveFailures: 5,
    halted: true,
    haltReason: "Halted after 5 consecutive failures",
  }));
  await deps.state.insertPayload({
    chunkSeq: 1,
    index: 1,
    blobName: "b",
    inputCount: 1,
    resourceCount: 1,
    status: "Failed",
    importContentLocation: undefined,
    attempts: 3,
    importStartTime: undefined,
    importEndTime: undefined,
    importedCount: undefined,
    failedCount: undefined,
    failureReason: "boom",
  });
  return deps;
}

describe("ClearMaxExportRetries_Http", () => {
  it("clears the halt, requeues exhausted payloads, emits the event and restarts the orchestration", async () => {
    const telemetry = new InMemoryTelemetry();
    const deps = await haltedDeps(telemetry);
    const client = {
      getStatus: vi.fn(async () => ({ runtimeStatus: "Completed" })),
      startNew: vi.fn(async () => MIGRATION_INSTANCE_ID),
    } as unknown as DurableClient;
    const response = await clearMaxExportRetriesHandler(
      new HttpRequest({ method: "POST", url: "http://localhost/api/ClearMaxExportRetries_Http" }),
      client,
      new InvocationContext(),
      deps,
    );
    expect(response).toMatchObject({
      status: 200,
      jsonBody: {
        previousCount: 5,
        wasHalted: true,
        payloadsRequeued: 1,
        orchestration: "started",
      },
    });
    expect(await deps.state.getCursor()).toMatchObject({ halted: false, consecutiveFailures: 0 });
    expect(await deps.state.getPayload(1, 1)).toMatchObject({ status: "Pending", attempts: 0 });
    expect(telemetry.named("MaxExportRetriesCleared")[0]?.properties).toMatchObject({
      PreviousCount: 5,
    });
  });

  it("with dryRun=true says what it would clear and changes nothing", async () => {
    const telemetry = new InMemoryTelemetry();
    const deps = await haltedDeps(telemetry);
    const client = {
      getStatus: vi.fn(async () => ({ runtimeStatus: "Completed" })),
      startNew: vi.fn(async () => MIGRATION_INSTANCE_ID),
    } as unknown as DurableClient;
    const response = await clearMaxExportRetriesHandler(
      new HttpRequest({
        method: "POST",
        url: "http://localhost/api/ClearMaxExportRetries_Http?dryRun=true",
      }),
      client,
      new InvocationContext(),
      deps,
    );
    expect(response).toMatchObject({
      status: 200,
      jsonBody: { dryRun: true, previousCount: 5, wasHalted: true, payloadsRequeued: 1 },
    });
    expect(await deps.state.getCursor()).toMatchObject({ halted: true, consecutiveFailures: 5 });
    expect(await deps.state.getPayload(1, 1)).toMatchObject({ status: "Failed", attempts: 3 });
    expect(telemetry.named("MaxExportRetriesCleared")).toEqual([]);
    expect(client.startNew).not.toHaveBeenCalled();
  });
});
