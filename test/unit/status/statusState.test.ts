import { describe, expect, it } from "vitest";
import { handleStatusRequest } from "../../../src/status/httpHandler";
import { loadStatusReport } from "../../../src/status/loadReport";
import { MAX_FAILED_ROWS_READ, loadStatusState } from "../../../src/status/statusState";
import type { FailedResourceRecord } from "../../../src/storage/migrationStateStore";
import { buildStatusReport } from "../../../src/status/buildReport";
import { addSealedChunks } from "../../../src/core/migrationState";
import { summarizeRows } from "../../../src/status/rowSummary";
import { fakeStatusDeps } from "./fakeStatusDeps";
import { NOW, cursor, longHistory, migratingState } from "./stateFixtures";

const MORE = 500;

/** Failed-resource rows beyond the read bound, counting how many the reader asked for. */
function manyFailedRows() {
  const counter = { pulled: 0 };
  async function* rows(): AsyncIterable<FailedResourceRecord> {
    for (let n = 0; n < MAX_FAILED_ROWS_READ + MORE; n++) {
      counter.pulled++;
      yield {
        chunkSeq: 1,
        payloadIndex: 0,
        resourceType: "Patient",
        id: `p-${n}`,
        reason: "Resource failed validation.",
        inputUrl: "https://staging.blob.core.windows.net/payloads/1/0.ndjson",
      };
    }
  }
  const base = migratingState();
  const deps = fakeStatusDeps({
    ...base,
    cursor: cursor({ ...base.cursor, resourcesFailed: MAX_FAILED_ROWS_READ + MORE }),
  });
  deps.state.listFailedResourceReasons = rows;
  return { deps, counter };
}

describe("loadStatusState: bounded reads", () => {
  it("groups no more failed-resource rows than the bound, with more rows present", async () => {
    const { deps, counter } = manyFailedRows();
    const state = await loadStatusState(deps);
    expect(state.failedResources.rowsRead).toBe(MAX_FAILED_ROWS_READ);
    expect(state.failedResources.rowsCapped).toBe(true);
    expect(state.failedResources.groups.reduce((n, g) => n + g.count, 0)).toBe(
      MAX_FAILED_ROWS_READ,
    );
    // One row past the bound is pulled to learn that more exist; the rest are never read.
    expect(counter.pulled).toBe(MAX_FAILED_ROWS_READ + 1);
  });

  it("says on the page how many failed-resource rows were left out of the grouping", async () => {
    const { deps } = manyFailedRows();
    const response = await handleStatusRequest(new URLSearchParams(), () => loadStatusReport(deps));
    expect(response.status).toBe(200);
    expect(response.body).toContain(
      `grouped from the first 20,000 rows (the oldest) of ${(MAX_FAILED_ROWS_READ + MORE).toLocaleString("en-US")} recorded`,
    );
  });
});

describe("loadStatusState: only what the page shows", () => {
  it("reads in full only the latest 200 chunks and the open ones, with their payloads", async () => {
    const history = longHistory();
    const state = await loadStatusState(fakeStatusDeps(history));
    expect(Math.min(...state.chunks.map((c) => c.seq))).toBe(101);
    expect(state.chunks).toHaveLength(200);
    expect(state.payloads.every((p) => p.chunkSeq >= 101)).toBe(true);
  });

  it("reads in full from the oldest chunk that ended within the chart's hours", async () => {
    const history = longHistory();
    const recent = history.chunks.find((c) => c.seq === 40)!;
    recent.endTime = new Date(NOW.getTime() - 3_600_000).toISOString();
    const state = await loadStatusState(fakeStatusDeps(history));
    expect(Math.min(...state.chunks.map((c) => c.seq))).toBe(40);
  });

  it("gives the report every row would give: totals, failures, chart, timeline", async () => {
    const history = longHistory();
    const state = await loadStatusState(fakeStatusDeps(history));
    const everyRow = {
      ...state,
      chunks: history.chunks,
      payloads: history.payloads,
      summary: summarizeRows(history.chunks, history.payloads),
    };
    const report = buildStatusReport(state, NOW);
    expect(report).toEqual(buildStatusReport(everyRow, NOW));
    // What the comparison covers: figures from rows that were not read in full.
    expect(report.totals).toMatchObject({ chunks: 300, chunksInFlight: 10, importsFailed: 1 });
    expect(report.failures).toMatchObject({ chunksTotal: 8, payloadsTotal: 9 });
    expect(report.throughput.beforeChart).toBe(249 * 100 + 7 - 50);
    expect(report.reindex.searchParametersExported).toBe(5);
  });
});

/** longHistory with chunks 1-290 sealed on the cursor, and the seqs each chunk listing started at. */
function sealedHistory() {
  const history = longHistory();
  const sealed = addSealedChunks(
    undefined,
    history.chunks.filter((c) => c.seq < 291),
    291,
  );
  const sealedHistory = { ...history, cursor: { ...history.cursor, sealed } };
  const deps = fakeStatusDeps(sealedHistory);
  const listedFrom: number[] = [];
  const list = deps.state.listChunkSummaries;
  deps.state.listChunkSummaries = (from, to) => {
    listedFrom.push(from);
    return list(from, to);
  };
  return { history: sealedHistory, deps, listedFrom };
}

describe("loadStatusState: sealed chunk totals", () => {
  it("reads no column of a sealed chunk it does not list", async () => {
    const { deps, listedFrom } = sealedHistory();
    const state = await loadStatusState(deps);
    expect(listedFrom).toEqual([291]);
    expect(Math.min(...state.chunks.map((c) => c.seq))).toBe(101);
  });

  it("reads in full from the oldest sealed chunk that ended within the chart's hours", async () => {
    const { history, deps } = sealedHistory();
    history.chunks.find((c) => c.seq === 40)!.endTime = new Date(
      NOW.getTime() - 3_600_000,
    ).toISOString();
    const state = await loadStatusState(deps);
    expect(Math.min(...state.chunks.map((c) => c.seq))).toBe(40);
  });

  it("gives the report every row would give", async () => {
    const { history, deps } = sealedHistory();
    const state = await loadStatusState(deps);
    const everyRow = {
      ...state,
      chunks: history.chunks,
      payloads: history.payloads,
      summary: summarizeRows(history.chunks, history.payloads),
    };
    const report = buildStatusReport(state, NOW);
    expect(report).toEqual(buildStatusReport(everyRow, NOW));
    expect(report.totals).toMatchObject({
      chunks: 300,
      chunksDone: 290,
      resourcesExported: history.chunks.reduce((n, c) => n + (c.totalExportResourceCount ?? 0), 0),
    });
    expect(report.throughput.beforeChart).toBe(249 * 100 + 7 - 50);
  });
});
