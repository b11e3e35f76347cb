/**
 * A second `POST $reindex` while a job is active answers 201 with that job
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/Reindex/CreateReindexRequestHandler.cs):
 * a kick-off repeated after an interruption follows the running job instead of failing.
 */
import { describe, expect, inject, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { pollReindex } from "../../../src/engine/activities/pollReindex";
import { startReindex } from "../../../src/engine/activities/startReindex";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import type { FhirClient, ReindexStatus } from "../../../src/fhir/types";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";

const JOB = "http://127.0.0.1:10/_operations/reindex/7";

async function depsWith(destination: Partial<FhirClient>): Promise<EngineDeps> {
  const settings = parseSettings({
    AZURE_SourceUri: "http://127.0.0.1:9",
    AZURE_DestinationUri: "http://127.0.0.1:10",
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    AZURE_ChunkTableName: `rrchunk${process.pid}`,
    AZURE_ExportTableName: `rrexport${process.pid}`,
  });
  const deps = createEngineDeps(settings, { telemetry: new InMemoryTelemetry() });
  await deps.state.ensure();
  return { ...deps, destination: { ...deps.destination, ...destination } as FhirClient };
}

describe("$reindex kick-off", () => {
  it("follows the destination's running job when a repeated kick-off returns it", async () => {
    let posts = 0;
    let status: ReindexStatus = { state: "running", status: "Running", progress: 1, total: 4 };
    const deps = await depsWith({
      startReindex: async () => {
        posts++;
        return { statusUrl: JOB };
      },
      reindexStatus: async () => status,
    });
    await deps.state.changeCursor((c) => ({ ...c, reindexState: "needed" }));
    await startReindex(deps);
    // Interrupted before the status URL was kept: the claim is retried and POSTs again.
    await deps.state.changeCursor((c) => ({ ...c, reindexStatusUrl: undefined }));
    await pollReindex(deps);
    expect((await deps.state.getCursor()).reindexState).toBe("needed");
    await startReindex(deps);
    expect(posts).toBe(2);
    expect(await deps.state.getCursor()).toMatchObject({
      reindexState: "running",
      reindexStatusUrl: JOB,
    });
    status = { state: "completed", status: "Completed", progress: 4, total: 4 };
    await pollReindex(deps);
    expect((await deps.state.getCursor()).reindexState).toBe("done");
  });
});
