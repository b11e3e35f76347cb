import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/core/ledger";
import { judgeCount } from "../../../src/core/ledger";
import { EMPTY_SEAL } from "../../../src/core/ledgerSeal";
import { LEDGER_MARKER_ROW, LEDGER_ROW } from "../../../src/storage/ledgerRows";
import { fromRow, toRow } from "../../../src/storage/rowSpec";
import { toTableEntity } from "../../../src/storage/tableValues";

const entry: LedgerEntry = {
  since: "2024-01-01T00:00:00.000Z",
  till: "2024-01-02T00:00:00.000Z",
  kind: "window",
  chunkSeqs: [7, 8],
  expected: { Patient: 3, Observation: 9 },
  status: "unreconciled",
  checks: 3,
  nextCheckAt: undefined,
  reimported: true,
  reimports: [
    { chunkSeq: 7, index: 1, statusUrl: "https://x/_operations/import/1", done: true, errors: 0 },
  ],
  counts: [judgeCount("Patient", 3, 2, 0), judgeCount("Observation", 9, 10, 0)],
  reason: "still short",
  plannedAt: "2024-01-03T00:00:00.000Z",
  checkedAt: "2024-01-03T01:00:00.000Z",
};

describe("ledger rows", () => {
  it("read back what was written", () => {
    expect(fromRow(LEDGER_ROW, toRow(LEDGER_ROW, "pk-ledger", "rk-1", entry))).toEqual(entry);
  });

  it("hold only values the Table service accepts", () => {
    expect(() =>
      toTableEntity("jobs", toRow(LEDGER_ROW, "pk-ledger", "rk-1", entry)),
    ).not.toThrow();
  });

  it("read a skipped stretch with no chunks", () => {
    const skipped = { ...entry, kind: "skipped" as const, chunkSeqs: [], expected: {} };
    expect(fromRow(LEDGER_ROW, toRow(LEDGER_ROW, "pk-ledger", "rk-1", skipped))).toMatchObject({
      kind: "skipped",
      chunkSeqs: [],
    });
  });

  it("read back the marker row's seal, its exceptions in order, and an empty seal", () => {
    const marker = {
      openFrom: "rk-001704067200000",
      from: "2024-01-01T00:00:00.000Z",
      till: "2024-03-01T00:00:00.000Z",
      reconciled: 1_000_000,
      windows: 900_000,
      skipped: 100_000,
      extra: 3,
      exceptions: ["2024-01-05T00:00:00.000Z", "2024-02-05T00:00:00.000Z"],
    };
    const row = toRow(LEDGER_MARKER_ROW, "pk-ledger", "rk-~open", marker);
    expect(() => toTableEntity("jobs", row)).not.toThrow();
    expect(row).toMatchObject({ Kind: "ledgerMarker" });
    expect(fromRow(LEDGER_MARKER_ROW, row)).toEqual(marker);
    const empty = toRow(LEDGER_MARKER_ROW, "pk-ledger", "rk-~open", {
      ...EMPTY_SEAL,
      openFrom: undefined,
    });
    expect(fromRow(LEDGER_MARKER_ROW, empty)).toEqual({ ...EMPTY_SEAL, openFrom: undefined });
  });
});
