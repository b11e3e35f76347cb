/**
 * A completed export whose manifest holds fewer versions than counted, or lists `error[]` files.
 * The source is a fake answering exactly the manifest and counts under test.
 */
import { describe, expect, it } from "vitest";
import { pollExport } from "../../../src/engine/activities/pollExport";
import type { EngineDeps } from "../../../src/engine/deps";
import type { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import type { CountQuery, ExportManifest } from "../../../src/fhir/types";
import { freshTables } from "../../support/engineScenario";
import { depsWithTables, unreachableServers, withFakes } from "../../support/fakeDeps";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { plannedChunk } from "../../../src/core/migrationState";

interface Fake {
  deps: EngineDeps & { telemetry: InMemoryTelemetry };
  counts: CountQuery[];
}

async function fakeDeps(
  manifest: ExportManifest,
  recount: number,
  settings: Record<string, string> = {},
  errorFiles: Record<string, string[]> = {},
  /** What happens while the server answers the status (another runner's work). */
  meanwhile: (deps: EngineDeps) => Promise<void> = async () => {},
): Promise<Fake> {
  const deps = await depsWithTables({ ...unreachableServers(), ...freshTables("eo"), ...settings });
  const counts: CountQuery[] = [];
  const faked = withFakes(deps, {
    source: {
      exportStatus: async () => {
        await meanwhile(faked);
        return { state: "completed" as const, manifest };
      },
      count: async (query: CountQuery) => {
        counts.push(query);
        return recount;
      },
    },
    staging: {
      readLinesByUrl: async function* (url: string) {
        const lines = errorFiles[url];
        if (lines === undefined) throw new Error(`no such blob ${url}`);
        yield* lines;
      },
    },
  });
  await faked.state.insertChunk(running);
  await faked.state.changeCursor((c) => ({ ...c, nextSeq: 2 }));
  return { deps: faked, counts };
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

function manifestOf(count: number, error: ExportManifest["error"] = []): ExportManifest {
  return {
    transactionTime: "2024-03-01T00:00:00.000Z",
    request: "http://127.0.0.1:9/$export",
    requiresAccessToken: false,
    output: [{ type: "Patient", url: "http://127.0.0.1:9/staging/Patient-1.ndjson", count }],
    error,
  };
}

describe("a manifest with fewer versions than counted at planning", () => {
  it("is accepted at once when a non-history recount of the window explains it", async () => {
    const { deps, counts } = await fakeDeps(manifestOf(7), 7, {
      AZURE_ExportWithHistory: "false",
      AZURE_ExportWithDelete: "false",
    });
    const result = await pollExport(deps, { seq: 1 });
    expect(result.changed).toBe(true);
    expect(counts).toEqual([
      { type: undefined, history: false, since: running.since, till: running.till },
    ]);
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Completed",
      exportConfirmations: 0,
      expectedCount: 7,
      totalExportResourceCount: 7,
      failureReason: undefined,
    });
  });

  it("recounts the window's history when history is exported", async () => {
    const { deps, counts } = await fakeDeps(manifestOf(9), 9);
    await pollExport(deps, { seq: 1 });
    expect(counts).toEqual([
      { type: undefined, history: true, since: running.since, till: running.till },
    ]);
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Completed" });
  });

  it("does not recount when the manifest holds what was counted", async () => {
    const { deps, counts } = await fakeDeps(manifestOf(10), 0);
    await pollExport(deps, { seq: 1 });
    expect(counts).toEqual([]);
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Completed" });
  });

  it("waits for confirmations while short of the recount, without accepting", async () => {
    const { deps } = await fakeDeps(manifestOf(6), 10, { AZURE_ExportConfirmations: "3" });
    const result = await pollExport(deps, { seq: 1 });
    expect(result.changed).toBe(false);
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Running",
      exportConfirmations: 1,
    });
  });

  it("stays an open failure after the confirmations: the window is exported again, never accepted", async () => {
    const { deps } = await fakeDeps(manifestOf(6), 8, { AZURE_ExportConfirmations: "1" });
    await pollExport(deps, { seq: 1 });
    const chunk = await deps.state.getChunk(1);
    expect(chunk).toMatchObject({
      exportStatus: "Planned",
      processed: false,
      exportContentLocation: undefined,
      totalExportResourceCount: undefined,
    });
    expect(chunk?.failureReason).toMatch(
      /Manifest holds 6 versions, fewer than the 8 the window holds now \(recounted; 10 when planned\)/,
    );
    expect((await deps.state.getCursor()).consecutiveFailures).toBe(1);
  });
});

describe("error[] of an export manifest", () => {
  const errorUrl = "http://127.0.0.1:9/staging/OperationOutcome-1.ndjson";
  const line = (text: string) =>
    JSON.stringify({
      resourceType: "OperationOutcome",
      issue: [{ severity: "error", code: "processing", diagnostics: text }],
    });

  it("records each failed version, counts it and completes the export", async () => {
    const { deps } = await fakeDeps(
      manifestOf(10, [{ type: "OperationOutcome", url: errorUrl, count: 2 }]),
      10,
      {},
      {
        [errorUrl]: [
          line("Failed to anonymize resource Observation/obs-1: bad date"),
          "",
          line("Failed to export Patient/p-7"),
        ],
      },
    );
    await pollExport(deps, { seq: 1 });
    const failed = [];
    for await (const f of deps.state.listFailedResources()) failed.push(f);
    expect(failed.map((f) => [f.resourceType, f.id, f.chunkSeq, f.inputUrl])).toEqual([
      ["Observation", "obs-1", 1, errorUrl],
      ["Patient", "p-7", 1, errorUrl],
    ]);
    expect(failed[0]?.reason).toMatch(/^Export error: Failed to anonymize/);
    expect((await deps.state.getCursor()).resourcesFailed).toBe(2);
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Completed" });
  });

  it("records failures without detail when the error file holds fewer lines than its count", async () => {
    const { deps } = await fakeDeps(
      manifestOf(10, [{ type: "Patient", url: errorUrl, count: 3 }]),
      10,
      {},
      { [errorUrl]: [line("Failed to export Patient/p-1")] },
    );
    await pollExport(deps, { seq: 1 });
    const failed = [];
    for await (const f of deps.state.listFailedResources()) failed.push(f);
    expect(failed.map((f) => [f.resourceType, f.id])).toEqual([
      ["Patient", "p-1"],
      ["Patient", "(unknown)"],
    ]);
    expect(failed[1]?.reason).toMatch(/holds 1 line\(s\); 2 failed without detail/);
    expect((await deps.state.getCursor()).resourcesFailed).toBe(3);
  });

  it("counts nothing twice when another runner completed the export meanwhile", async () => {
    const { deps } = await fakeDeps(
      manifestOf(10, [{ type: "OperationOutcome", url: errorUrl, count: 1 }]),
      10,
      {},
      { [errorUrl]: [line("Failed to export Patient/p-7")] },
      async (d) => {
        await d.state.changeChunk(1, (c) => ({ ...c, exportStatus: "Completed" }));
      },
    );
    await pollExport(deps, { seq: 1 });
    expect((await deps.state.getCursor()).resourcesFailed).toBe(0);
    expect(
      deps.telemetry.events.filter(
        (e) => e.name === "Export" && e.properties.ExportStatus === "Completed",
      ),
    ).toEqual([]);
  });
});
