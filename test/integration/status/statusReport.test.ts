import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkRecord, PayloadRecord } from "../../../src/core/migrationState";
import { loadStatusReport } from "../../../src/status/loadReport";
import type { StatusReport } from "../../../src/status/report";
import type { FailedResourceRecord } from "../../../src/storage/migrationStateStore";
import type { SampleMigration } from "./sampleMigration";
import { runSampleMigration } from "./sampleMigration";

let sample: SampleMigration;
let report: StatusReport;
const rows = {
  chunks: [] as ChunkRecord[],
  payloads: [] as PayloadRecord[],
  failed: [] as FailedResourceRecord[],
};

beforeAll(async () => {
  sample = await runSampleMigration({ failedResources: 3, failureMessage: "rejected <b>bad</b>" });
  for (const [runId, result] of [
    ["v20240101T000000-aaaaaa", "Fail"],
    ["v20240102T000000-bbbbbb", "Pass"],
  ] as const) {
    // What a run's surface check writes: its row, and its summary (src/verify/orchestrator.ts).
    await sample.deps.state.registerVerificationRun(runId);
    await sample.deps.state.recordCheckResult({
      runId,
      kind: "surface",
      resourceType: "Patient",
      key: "search",
      result,
      details: JSON.stringify({ source: 7, destination: 7, reason: "counts match" }),
    });
    await sample.deps.state.recordCheckSummary({
      runId,
      kind: "surface",
      results: { [result]: 1 },
      problems: [],
      full: null,
      finished: true,
    });
  }
  report = await loadStatusReport(sample.deps);
  const cursor = await sample.deps.state.getCursor();
  Object.assign(rows, await sample.deps.state.listChunksWithPayloads(1, cursor.nextSeq));
  for await (const f of sample.deps.state.listFailedResources()) rows.failed.push(f);
}, 120_000);

afterAll(async () => {
  await sample?.stop();
});

describe("the status report after a real local migration", () => {
  it("shows the cursor's watermark and frontier, caught up", async () => {
    const cursor = await sample.deps.state.getCursor();
    expect(report.phase.kind).toBe("caught-up");
    expect(report.watermark).toMatchObject({
      watermark: cursor.watermark,
      frontier: cursor.frontier,
      startWatermark: cursor.startWatermark,
    });
    expect(report.watermark.coverage?.doneFraction).toBe(1);
  });

  it("lists every chunk the job table holds, newest first, all processed", () => {
    expect(rows.chunks.length).toBeGreaterThan(1);
    expect(report.timeline.total).toBe(rows.chunks.length);
    expect(report.timeline.chunks.map((c) => c.chunk)).toEqual(
      rows.chunks.map((c) => c.seq).sort((a, b) => b - a),
    );
    expect(report.totals).toMatchObject({
      chunks: rows.chunks.length,
      chunksDone: rows.chunks.length,
      chunksInFlight: 0,
      exportsRunning: 0,
      importsRunning: 0,
    });
  });

  it("counts the resources the chunk rows and the cursor hold", async () => {
    const cursor = await sample.deps.state.getCursor();
    const imported = rows.chunks.reduce((n, c) => n + c.totalImportResourceCount, 0);
    const exported = rows.chunks.reduce((n, c) => n + (c.totalExportResourceCount ?? 0), 0);
    expect(imported).toBeGreaterThan(100);
    expect(report.totals).toMatchObject({
      resourcesImported: cursor.resourcesImported,
      resourcesFailed: cursor.resourcesFailed,
      resourcesExported: exported,
    });
    expect(cursor.resourcesImported).toBe(imported);
  });

  it("charts every imported resource in the hours the payloads completed", () => {
    const charted = report.throughput.hours.reduce((n, h) => n + h.imported, 0);
    const fromPayloads = rows.payloads.reduce((n, p) => n + (p.importedCount ?? 0), 0);
    expect(charted + report.throughput.beforeChart).toBe(fromPayloads);
    expect(report.throughput.currentHour).toBeGreaterThan(0);
  });

  it("groups the resources the destination rejected, with their reason and ids", () => {
    expect(rows.failed.length).toBeGreaterThan(0);
    const grouped = report.failures.resources.groups.reduce((n, g) => n + g.count, 0);
    expect(grouped).toBe(rows.failed.length);
    expect(report.failures.resources.groups[0]).toMatchObject({
      reason: expect.stringContaining("rejected <b>bad</b>"),
    });
    const sampleIds = report.failures.resources.groups.flatMap((g) => g.samples.map((s) => s.id));
    for (const id of sampleIds) expect(rows.failed.map((f) => f.id)).toContain(id);
  });

  it("reminds to $reindex: the custom SearchParameter was written to the destination", () => {
    expect(report.reindex).toMatchObject({ state: "needed", needed: true });
    expect(report.reindex.searchParametersExported).toBe(1);
  });

  it("shows the latest verification run from its summary and surface rows", () => {
    expect(report.verification).toMatchObject({
      runId: "v20240102T000000-bbbbbb",
      verdict: "Pass",
      runsSeen: 2,
      counts: { surface: { Pass: 1 } },
      surface: [{ resourceType: "Patient", source: 7, destination: 7, details: "counts match" }],
    });
  });
});
