/**
 * Server text planted with credentials and terminal escapes at every place such text enters the
 * state (a halt reason, a chunk's status URL and failure, a payload's failure, a failed resource, a
 * check's details, a settings refusal, a ledger entry's reason and counts, a cutover verdict, an
 * isolation part) reaches no row, no status report (JSON, page, text, 503), no log line, no
 * telemetry and no CLI output.
 */
import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";
import * as statusCommand from "../../../src/cli/commands/status";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import { parseSettings } from "../../../src/config/settings";
import type { CutoverRecord } from "../../../src/core/cutover";
import { newLedgerEntry } from "../../../src/core/ledger";
import { plannedChunk } from "../../../src/core/migrationState";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { recordFailure } from "../../../src/engine/failures";
import { handleStatusRequest } from "../../../src/status/httpHandler";
import { loadStatusReport } from "../../../src/status/loadReport";
import { renderStatusPage } from "../../../src/status/renderPage";
import { renderStatusText } from "../../../src/status/renderText";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";

const SECRETS = "sig=SIGSECRET&code=CODESECRET AccountKey=KEYSECRET==";
const ESCAPES = "\u001b]0;owned\u0007 \u001b[2J\u001b[31mred\u001b[0m bell\u0007 c1\u009b2J";
const PLANTED = `server said: https://acct.blob.core.windows.net/c/f?sv=2024&${SECRETS} ${ESCAPES}`;

/* eslint-disable-next-line no-control-regex -- what must not come out */
const LEAK = /SIGSECRET|CODESECRET|KEYSECRET|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Every string inside a value (object keys included). */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

function leaks(value: unknown): string[] {
  return strings(value).filter((s) => LEAK.test(s));
}

const FREEZE = "2024-03-01T00:00:00.000Z";

describe("planted server text", () => {
  it("reaches no row, report, page, log line, telemetry or CLI output", async () => {
    const tag = `plant${process.pid}`;
    const env = {
      AzureWebJobsStorage: inject("azuriteConnectionString"),
      AZURE_SourceUri: "https://source.azurehealthcareapis.com",
      AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
      AZURE_ChunkTableName: `c${tag}`,
      AZURE_ExportTableName: `e${tag}`,
      AZURE_MaxExportRetries: "1",
    };
    const lines: string[] = [];
    const telemetry = new InMemoryTelemetry();
    const deps = createEngineDeps(parseSettings(env), { telemetry, log: (m) => lines.push(m) });
    const { state } = deps;
    await state.ensure();

    await recordFailure(deps, PLANTED);
    await state.insertChunk(
      plannedChunk({
        seq: 1,
        since: "2024-01-01T00:00:00.000Z",
        till: FREEZE,
        resourceType: undefined,
        expectedCount: 3,
      }),
    );
    await state.changeChunk(1, (c) => ({
      ...c,
      exportStatus: "Running",
      exportContentLocation: `https://source.azurehealthcareapis.com/_operations/export/1?${SECRETS}`,
      failureReason: PLANTED,
    }));
    await state.insertPayload({
      chunkSeq: 1,
      index: 1,
      blobName: "p1.json",
      inputCount: 1,
      resourceCount: 3,
      status: "Running",
      importContentLocation: `https://ws-dest.fhir.azurehealthcareapis.com/_operations/import/2?${SECRETS}`,
      attempts: 1,
      importStartTime: undefined,
      importEndTime: undefined,
      importedCount: undefined,
      failedCount: undefined,
      failureReason: PLANTED,
    });
    await state.recordFailedResources([
      {
        chunkSeq: 1,
        payloadIndex: 1,
        resourceType: "Patient",
        id: "p1",
        reason: PLANTED,
        inputUrl: "https://acct.blob.core.windows.net/c/f",
      },
    ]);
    await state.recordCheckResult({
      runId: "run1",
      kind: "surface",
      resourceType: "Patient",
      key: "count",
      result: "Fail",
      details: PLANTED,
    });
    const { record } = await state.insertSettingsRecord({
      fingerprint: "f1",
      values: { AZURE_IsParallel: "true" },
      recordedAt: FREEZE,
    });
    await state.noteSettingsRefusal(record.fingerprint, FREEZE, PLANTED);
    await state.ledger().insert({
      ...newLedgerEntry({
        since: "2024-01-01T00:00:00.000Z",
        till: FREEZE,
        kind: "window",
        chunkSeqs: [1],
        expected: { "*": 3 },
        plannedAt: FREEZE,
      }),
      status: "unreconciled",
      reason: PLANTED,
      counts: [{ type: "Patient", source: 3, destination: 2, failed: 0, missing: 1, extra: 0 }],
    });
    const cutover: CutoverRecord = {
      phase: "NO-GO",
      freeze: FREEZE,
      requestedAt: FREEZE,
      drainedAt: FREEZE,
      decidedAt: FREEZE,
      cancelledAt: undefined,
      proofRunId: "run1",
      attempts: 1,
      verdict: {
        go: false,
        summary: `NO-GO: ${PLANTED}`,
        windowSeconds: 1,
        evidence: {
          verificationRunId: "run1",
          versionsCompared: 3,
          matched: 2,
          missing: 1,
          extra: 0,
          different: 0,
          behind: 0,
          postFreezeWrites: 0,
          failedResources: 1,
          known: 0,
          surfaceTypesPassed: 0,
          surfaceTypes: 1,
        },
        problems: [PLANTED],
        actions: [PLANTED],
      },
    };
    await state.cutover.change(() => cutover);
    await state.isolation().insert(1, 1, {
      id: "r-0",
      source: { kind: "lines", url: PLANTED, type: "Patient", from: 0, to: 1 },
      status: "Refused",
      statusUrl: undefined,
      attempts: 1,
      importedCount: 0,
      failedCount: 1,
      reason: PLANTED,
      startTime: FREEZE,
      endTime: FREEZE,
    });

    // The rows, as the tables hold them.
    const rows: unknown[] = [];
    for (const table of [env.AZURE_ChunkTableName, env.AZURE_ExportTableName]) {
      const client = TableClient.fromConnectionString(env.AzureWebJobsStorage, table, {
        allowInsecureConnection: true,
      });
      for await (const entity of client.listEntities()) rows.push(entity);
    }
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(leaks(rows)).toEqual([]);

    // The status report, page, text and the 503 answer.
    const report = await loadStatusReport(deps);
    expect(leaks(report)).toEqual([]);
    expect(leaks(renderStatusPage(report, { refreshSeconds: 0 }))).toEqual([]);
    expect(leaks(renderStatusText(report))).toEqual([]);
    const unavailable = await handleStatusRequest(new URLSearchParams(), async () => {
      throw new Error(PLANTED);
    });
    expect(unavailable.status).toBe(503);
    expect(leaks(unavailable.body)).toEqual([]);

    // Log lines and telemetry.
    expect(lines.length).toBeGreaterThan(0);
    expect(leaks(lines)).toEqual([]);
    expect(leaks(telemetry.events)).toEqual([]);

    // The CLI's status, as text and JSON.
    for (const args of [["status"], ["--json", "status"]]) {
      const out: string[] = [];
      const runtime: CliRuntime = {
        env,
        cwd: process.cwd(),
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
      };
      expect(await main(args, runtime, [statusCommand])).toBe(0);
      expect(leaks(out)).toEqual([]);
      expect(leaks(args[0] === "--json" ? JSON.parse(out.join("")) : [])).toEqual([]);
    }
  });
});
