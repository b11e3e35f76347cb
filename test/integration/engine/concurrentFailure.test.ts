import { describe, expect, inject, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { pollExport } from "../../../src/engine/activities/pollExport";
import { loadMigrationState } from "../../../src/engine/activities/loadMigrationState";
import { repairMigrationState } from "../../../src/engine/activities/repairMigrationState";
import { stateRepair } from "../../../src/core/stateRepairs";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { FhirOperationError } from "../../../src/errors";
import type { FhirClient } from "../../../src/fhir/types";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { plannedChunk } from "../../../src/core/migrationState";

let n = 0;

async function depsWith(source: Partial<FhirClient>): Promise<EngineDeps> {
  n++;
  const settings = parseSettings({
    AZURE_SourceUri: "http://127.0.0.1:9",
    // Unreachable, and not the source: the settings refuse one server as both.
    AZURE_DestinationUri: "http://127.0.0.1:19",
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    AZURE_ChunkTableName: `cfchunk${process.pid}x${n}`,
    AZURE_ExportTableName: `cfexport${process.pid}x${n}`,
  });
  const deps = createEngineDeps(settings, { telemetry: new InMemoryTelemetry() });
  await deps.state.ensure();
  return { ...deps, source: { ...deps.source, ...source } as FhirClient };
}

const running: ChunkRecord = {
  ...plannedChunk({
    seq: 1,
    since: "2024-01-01T00:00:00.000Z",
    till: "2024-02-01T00:00:00.000Z",
    resourceType: undefined,
    expectedCount: 10,
  }),
  exportStatus: "Running",
  exportContentLocation: "http://127.0.0.1:9/_operations/export/1",
  exportStartTime: new Date().toISOString(),
  exportAttempts: 1,
};

describe("failures handled by one runner while another acts", () => {
  it("a failed export status does not undo another runner's restart of the chunk", async () => {
    // While this runner polls the old job, another runner requeues and restarts the chunk.
    const deps: EngineDeps = await depsWith({
      exportStatus: async (): Promise<never> => {
        await deps.state.changeChunk(1, (c) => ({
          ...c,
          exportContentLocation: "http://127.0.0.1:9/_operations/export/2",
          exportAttempts: 2,
        }));
        throw new FhirOperationError(
          "export failed",
          { method: "GET", url: "x", status: 500 },
          "boom",
        );
      },
    });
    await deps.state.insertChunk(running);
    await deps.state.changeCursor((c) => ({ ...c, nextSeq: 2 }));
    await pollExport(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Running",
      exportContentLocation: "http://127.0.0.1:9/_operations/export/2",
    });
    expect((await deps.state.getCursor()).consecutiveFailures).toBe(0);
  });

  it("a load reports a watermark left behind the frontier when nothing is unprocessed, and the repair moves it", async () => {
    const deps = await depsWith({});
    await deps.state.insertChunk({
      ...running,
      exportStatus: "Completed",
      importStatus: "Completed",
      processed: true,
      payloadCount: 0,
    });
    await deps.state.changeCursor((c) => ({
      ...c,
      nextSeq: 2,
      frontier: running.till,
      watermark: running.since,
    }));
    const snapshot = await loadMigrationState(deps);
    expect((await deps.state.getCursor()).watermark).toBe(running.since);
    const repair = stateRepair(snapshot.repair!, snapshot.watermark);
    expect(repair).toEqual({ settle: [], advanceWatermark: true });
    expect(await repairMigrationState(deps, repair!)).toEqual({ changed: true });
    expect((await deps.state.getCursor()).watermark).toBe(running.till);
  });
});
