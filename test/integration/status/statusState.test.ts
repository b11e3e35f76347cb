import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { addSealedChunks } from "../../../src/core/migrationState";
import { parseSettings } from "../../../src/config/settings";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { buildStatusReport } from "../../../src/status/buildReport";
import { summarizeRows } from "../../../src/status/rowSummary";
import { loadStatusState } from "../../../src/status/statusState";
import { NullTelemetry } from "../../../src/telemetry/createTelemetry";
import { NOW, longHistory } from "../../unit/status/stateFixtures";

async function seeded() {
  const prefix = `s${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const settings = parseSettings({
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    AZURE_SourceUri: "https://source.azurehealthcareapis.com",
    AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
    AZURE_ChunkTableName: `${prefix}chunk`,
    AZURE_ExportTableName: `${prefix}export`,
  });
  const engine = createEngineDeps(settings, { telemetry: new NullTelemetry() });
  await engine.state.ensure();
  const history = longHistory();
  await Promise.all(history.chunks.map((c) => engine.state.insertChunk(c)));
  await Promise.all(history.payloads.map((p) => engine.state.insertPayload(p)));
  await engine.state.changeCursor(() => history.cursor);
  const deps = { settings, clock: { now: () => NOW.getTime() }, state: engine.state };
  return { engine, history, deps };
}

describe("loadStatusState against Azurite", () => {
  it("selects and filters rows so the report is the one every row gives", async () => {
    const { engine, history, deps } = await seeded();
    const state = await loadStatusState(deps);
    expect(Math.min(...state.chunks.map((c) => c.seq))).toBe(101);
    const all = await engine.state.listChunksWithPayloads(1, history.cursor.nextSeq);
    expect(all.chunks).toHaveLength(300);
    const everyRow = { ...state, ...all, summary: summarizeRows(all.chunks, all.payloads) };
    const report = buildStatusReport(state, NOW);
    expect(report).toEqual(buildStatusReport(everyRow, NOW));
    expect(report.totals).toMatchObject({ chunks: 300, chunksInFlight: 10, importsFailed: 1 });
    expect(report.failures).toMatchObject({ chunksTotal: 8, payloadsTotal: 9 });
  }, 60_000);

  it("gives the same report once the watermark's move sealed the processed chunks", async () => {
    const { engine, history, deps } = await seeded();
    const { cursor } = await engine.state.advanceWatermark();
    const processed = history.chunks.filter((c) => c.seq < 291);
    expect(cursor.sealed).toEqual(addSealedChunks(undefined, processed, 291));
    const state = await loadStatusState(deps);
    const all = await engine.state.listChunksWithPayloads(1, history.cursor.nextSeq);
    const everyRow = { ...state, ...all, summary: summarizeRows(all.chunks, all.payloads) };
    expect(buildStatusReport(state, NOW)).toEqual(buildStatusReport(everyRow, NOW));
  }, 60_000);
});
