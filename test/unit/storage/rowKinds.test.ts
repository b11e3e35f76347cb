import { describe, expect, it } from "vitest";
import type { CutoverRecord } from "../../../src/core/cutover";
import type { FullProofRecord } from "../../../src/core/fullProof";
import type { IsolationPart } from "../../../src/core/importIsolation";
import type { ChunkRecord, CursorRecord, PayloadRecord } from "../../../src/core/migrationState";
import { cutoverFromRow, cutoverToRow } from "../../../src/storage/cutoverRow";
import { fullProofFromRow, fullProofToRow } from "../../../src/storage/fullProofRow";
import { ISOLATION_PART_ROW } from "../../../src/storage/isolationStore";
import { EMPTY_SEAL } from "../../../src/core/ledgerSeal";
import { LEDGER_MARKER_ROW, LEDGER_ROW } from "../../../src/storage/ledgerRows";
import {
  CHUNK_ROW,
  CURSOR_ROW,
  PAYLOAD_ROW,
  SEEN_TYPES_ROW,
} from "../../../src/storage/migrationRows";
import { CHECK_ROW, FAILED_RESOURCE_ROW } from "../../../src/storage/migrationStateStore";
import { SETTINGS_ROW } from "../../../src/storage/settingsStore";
import { fromRow, toRow } from "../../../src/storage/rowSpec";
import { toTableEntity } from "../../../src/storage/tableValues";

const cursor: CursorRecord = {
  watermark: "2024-01-01T00:00:00.000Z",
  frontier: "2024-01-02T00:00:00.000Z",
  nextSeq: 12,
  firstUnprocessedSeq: 9,
  consecutiveFailures: 2,
  halted: true,
  haltReason: "import failed",
  searchParametersMigrated: true,
  searchParameterAttempts: 1,
  searchParameterFailure: "refused",
  resourcesImported: 3_000_000_000,
  resourcesFailed: 4,
  caughtUp: true,
  startedAt: "2024-01-01T00:00:00.000Z",
  startWatermark: "2023-01-01T00:00:00.000Z",
  lastProgressAt: "2024-01-03T00:00:00.000Z",
  reindexState: "running",
  reindexStatusUrl: "https://dest/_operations/reindex/1",
  reindexDetail: "3 of 9",
  clockSkew: "the source's clock is 3 s ahead",
  countedAhead: {
    since: "2024-01-02T00:00:00.000Z",
    till: "2024-01-05T00:00:00.000Z",
    versions: 1234,
  },
  sealed: {
    toSeq: 9,
    chunks: 8,
    totalExportResourceCount: 120,
    searchParameterCount: 2,
    totalImportResourceCount: 118,
    totalFailedImportCount: 2,
    firstSince: "2023-01-01T00:00:00.000Z",
  },
};

const chunk: ChunkRecord = {
  seq: 7,
  since: "2024-01-01T00:00:00.000Z",
  till: "2024-01-02T00:00:00.000Z",
  resourceType: "Patient",
  exportStatus: "Running",
  exportContentLocation: "https://src/_operations/export/4721",
  exportStartTime: "2024-01-03T00:00:00.000Z",
  exportEndTime: "2024-01-03T00:10:00.000Z",
  exportAttempts: 1,
  expectedCount: 977,
  exportConfirmations: 2,
  manifestHash: "abc",
  totalExportResourceCount: 977,
  searchParameterCount: 0,
  importStatus: "Payloads Ready",
  payloadCount: 2,
  completedCount: 1,
  processed: false,
  totalImportResourceCount: 500,
  totalFailedImportCount: 1,
  failureReason: "one refused",
  endTime: "2024-01-03T01:00:00.000Z",
};

const payload: PayloadRecord = {
  chunkSeq: 7,
  index: 1,
  blobName: "payloads/00000007-p0001.json",
  inputCount: 3,
  resourceCount: 977,
  status: "Failed",
  importContentLocation: "https://dest/_operations/import/5012",
  attempts: 3,
  importStartTime: "2024-01-03T00:20:00.000Z",
  importEndTime: "2024-01-03T00:30:00.000Z",
  importedCount: 970,
  failedCount: 7,
  failureReason: "bad content",
  isolating: true,
};

const part: IsolationPart = {
  id: "r-0",
  source: {
    kind: "lines",
    url: "https://acct/c/Patient-1.ndjson",
    type: "Patient",
    from: 3,
    to: 9,
  },
  status: "Running",
  statusUrl: "https://dest/_operations/import/6000",
  attempts: 1,
  importedCount: 10,
  failedCount: 1,
  reason: "split",
  startTime: "2024-01-03T00:40:00.000Z",
  endTime: undefined,
};

const cutover: CutoverRecord = {
  phase: "draining",
  freeze: "2024-02-01T00:00:00.000Z",
  requestedAt: "2024-02-01T00:00:01.000Z",
  drainedAt: undefined,
  decidedAt: undefined,
  cancelledAt: undefined,
  proofRunId: undefined,
  attempts: 0,
  verdict: undefined,
};

/** Stored column names: existing tables must keep reading, so these never change. */
describe("row kinds", () => {
  it("cursor rows read back what was written, in the stored columns", () => {
    const row = toRow(CURSOR_ROW, "pk", "rk", cursor);
    expect(fromRow(CURSOR_ROW, row)).toStrictEqual(cursor);
    expect(Object.keys(row).sort()).toEqual(
      [
        "partitionKey",
        "rowKey",
        "since",
        "PlannedTill",
        "JobId",
        "FirstUnprocessedJobId",
        "maxExportRetries",
        "Halted",
        "HaltReason",
        "SearchParameterMigration",
        "SearchParameterAttempts",
        "SearchParameterFailure",
        "ResourcesImported",
        "ResourcesFailed",
        "CaughtUp",
        "StartedAt",
        "StartWatermark",
        "LastProgressAt",
        "ReindexState",
        "ReindexStatusUrl",
        "ReindexDetail",
        "ClockSkew",
        "SealedChunks",
        "CountedAhead",
      ].sort(),
    );
    expect(() => toTableEntity("chunk", row)).not.toThrow();
  });

  it("a cursor row without values reads as a fresh cursor", () => {
    expect(fromRow(CURSOR_ROW, {})).toMatchObject({
      watermark: undefined,
      nextSeq: 1,
      firstUnprocessedSeq: 1,
      halted: false,
      reindexState: "none",
    });
  });

  it("chunk rows read back what was written, in the stored columns", () => {
    const row = toRow(CHUNK_ROW, "pk", "rk-00000007", chunk);
    expect(fromRow(CHUNK_ROW, row)).toStrictEqual(chunk);
    expect(row).toMatchObject({
      Kind: "chunk",
      JobSeq: 7,
      Since: chunk.since,
      Till: chunk.till,
      resourceTypeValue: "Patient",
      ExportStatus: "Running",
      exportContentLocation: chunk.exportContentLocation,
      ExpectedResourceCount: 977,
      ImportStatus: "Payloads Ready",
      IsProcessed: false,
      FailureReason: "one refused",
    });
    expect(() => toTableEntity("export", row)).not.toThrow();
  });

  it("absent values are written as empty strings and read back as absent", () => {
    const bare: ChunkRecord = {
      ...chunk,
      resourceType: undefined,
      exportContentLocation: undefined,
      totalExportResourceCount: undefined,
      payloadCount: undefined,
      failureReason: undefined,
    };
    const row = toRow(CHUNK_ROW, "pk", "rk", bare);
    expect(row).toMatchObject({ resourceTypeValue: "", TotalExportResourceCount: "" });
    expect(fromRow(CHUNK_ROW, row)).toStrictEqual(bare);
  });

  it("payload rows read back what was written; isolating is present only when true", () => {
    const row = toRow(PAYLOAD_ROW, "pk", "rk-00000007-p0001", payload);
    expect(fromRow(PAYLOAD_ROW, row)).toStrictEqual(payload);
    expect(row).toMatchObject({ Kind: "payload", ImportNo: payload.blobName, Isolating: true });
    const { isolating: _isolating, ...plain } = payload;
    const plainRow = toRow(PAYLOAD_ROW, "pk", "rk", plain);
    expect(plainRow.Isolating).toBe("");
    expect(fromRow(PAYLOAD_ROW, plainRow)).toStrictEqual(plain);
  });

  it("ledger rows read back what was written", () => {
    const entry = {
      since: "2024-01-01T00:00:00.000Z",
      till: "2024-01-02T00:00:00.000Z",
      kind: "window" as const,
      chunkSeqs: [7, 8],
      expected: { Patient: 3 },
      status: "pending" as const,
      checks: 0,
      nextCheckAt: undefined,
      reimported: false,
      reimports: [],
      counts: [],
      reason: undefined,
      plannedAt: "2024-01-03T00:00:00.000Z",
      checkedAt: undefined,
    };
    const row = toRow(LEDGER_ROW, "pk-ledger", "k", entry);
    expect(fromRow(LEDGER_ROW, row)).toStrictEqual(entry);
    expect(row).toMatchObject({ Kind: "ledger", EntryKind: "window", ChunkIds: "7,8" });
  });

  it("isolation part rows read back what was written, with their payload in ChunkId", () => {
    const row = toRow(ISOLATION_PART_ROW, "pk-isolation", "k", {
      ...part,
      chunkSeq: 7,
      payloadIndex: 1,
    });
    expect(row).toMatchObject({ Kind: "isolationPart", PartId: "r-0", ChunkId: "00000007" });
    expect(fromRow(ISOLATION_PART_ROW, row)).toStrictEqual({
      ...part,
      chunkSeq: 7,
      payloadIndex: 1,
    });
  });

  it("cutover rows read back the record, with its phase and freeze in their own columns", () => {
    const row = cutoverToRow("pk", "rk-cutover", cutover);
    expect(row).toMatchObject({ Kind: "cutover", Phase: "draining", Freeze: cutover.freeze });
    expect(cutoverFromRow(row)).toEqual(cutover);
  });

  it("full proof rows read back the record, with its instant in its own column", () => {
    const proof: FullProofRecord = {
      scope: "history",
      provenUntil: "2024-01-03T00:00:00.000Z",
      runId: "run-2",
      passedAt: "2024-01-03T00:05:00.000Z",
      wholeRunId: "run-1",
      wholePassedAt: "2024-01-02T00:05:00.000Z",
      incrementalRuns: 1,
    };
    const row = fullProofToRow("pk", "rk-fullproof", proof);
    expect(row).toMatchObject({ Kind: "fullProof", ProvenUntil: proof.provenUntil });
    expect(fullProofFromRow(row)).toStrictEqual(proof);
  });

  it("settings rows read back what was written; absent previous values are empty", () => {
    const record = {
      fingerprint: "f1",
      values: { AZURE_IsParallel: "true" },
      recordedAt: "2024-01-01T00:00:00.000Z",
      acceptedFromFrontier: "2024-01-02T00:00:00.000Z",
      previousValues: { AZURE_IsParallel: "false" },
      refusedAt: undefined,
      refusedReason: undefined,
    };
    const row = toRow(SETTINGS_ROW, "pk", "rk-settings", record);
    expect(row).toMatchObject({
      Kind: "settings",
      Fingerprint: "f1",
      SettingValues: '{"AZURE_IsParallel":"true"}',
      RefusedAt: "",
    });
    expect(fromRow(SETTINGS_ROW, row)).toStrictEqual(record);
    const fresh = { ...record, acceptedFromFrontier: undefined, previousValues: undefined };
    const freshRow = toRow(SETTINGS_ROW, "pk", "rk-settings", fresh);
    expect(freshRow.PreviousValues).toBe("");
    expect(fromRow(SETTINGS_ROW, freshRow)).toStrictEqual(fresh);
  });

  it("check rows read back what was written, with server text redacted", () => {
    const record = {
      runId: "run-1",
      kind: "surface" as const,
      resourceType: "Patient",
      key: "count",
      result: "Pass",
      details: "source 3, destination 3",
    };
    const row = toRow(CHECK_ROW, "pk-checks", "run-1-surface-Patient-count", record);
    expect(row).toMatchObject({
      Kind: "check",
      RunId: "run-1",
      CheckKind: "surface",
      Resource: "Patient",
    });
    expect(fromRow(CHECK_ROW, row)).toStrictEqual(record);
    const secret = toRow(CHECK_ROW, "pk-checks", "k", {
      ...record,
      details: "GET https://a/b?sig=s3cret",
    });
    expect(secret.Details).toBe("GET https://a/b?sig=REDACTED");
  });

  it("failed resource rows read back what was written; isolation columns only when isolated", () => {
    const plain = {
      chunkSeq: 7,
      payloadIndex: 1,
      resourceType: "Observation",
      id: "obs-1",
      reason: "Arithmetic overflow",
      inputUrl: "https://acct/c/Observation-1.ndjson",
    };
    const row = toRow(FAILED_RESOURCE_ROW, "pk-failed", "k", plain);
    expect(row).toMatchObject({ Kind: "failedResource", ChunkId: "00000007", ResourceId: "obs-1" });
    expect("PartId" in row).toBe(false);
    expect(fromRow(FAILED_RESOURCE_ROW, row)).toStrictEqual(plain);
    const isolated = {
      ...plain,
      isolated: {
        version: undefined,
        line: 4,
        since: "2024-01-01T00:00:00.000Z",
        till: "2024-01-02T00:00:00.000Z",
        partId: "r-0",
      },
    };
    const isolatedRow = toRow(FAILED_RESOURCE_ROW, "pk-failed", "k", isolated);
    expect(isolatedRow).toMatchObject({ PartId: "r-0", Line: 4, ResourceVersion: "" });
    expect(fromRow(FAILED_RESOURCE_ROW, isolatedRow)).toStrictEqual(isolated);
  });

  it("ledger marker rows read back the key they name and the seal; an old one seals nothing", () => {
    const marker = { ...EMPTY_SEAL, openFrom: "rk-000001" };
    const row = toRow(LEDGER_MARKER_ROW, "pk-ledger", "rk-~open", marker);
    expect(row).toMatchObject({ Kind: "ledgerMarker", OpenFrom: "rk-000001" });
    expect(fromRow(LEDGER_MARKER_ROW, row)).toStrictEqual(marker);
    // A marker written before the seal existed: only OpenFrom.
    expect(fromRow(LEDGER_MARKER_ROW, { OpenFrom: "" })).toStrictEqual({
      ...EMPTY_SEAL,
      openFrom: undefined,
    });
  });

  it("seen-types rows read back the list, comma-separated in Types; an empty cell is no type", () => {
    const row = toRow(SEEN_TYPES_ROW, "pk", "rk-seentypes", { types: ["Observation", "Patient"] });
    expect(row).toMatchObject({ Kind: "seenTypes", Types: "Observation,Patient" });
    expect(fromRow(SEEN_TYPES_ROW, row)).toStrictEqual({ types: ["Observation", "Patient"] });
    expect(fromRow(SEEN_TYPES_ROW, { Types: "" })).toStrictEqual({ types: [] });
  });
});
