import { describe, expect, it } from "vitest";
import type { CursorRecord } from "../../../src/core/migrationState";
import { addSealedChunks } from "../../../src/core/migrationState";
import {
  CHUNK_SUMMARY_COLUMNS,
  chunkSummaryFromRow,
  CHUNK_ROW,
  CURSOR_ROW,
} from "../../../src/storage/migrationRows";
import { fromRow, toRow } from "../../../src/storage/rowSpec";
import { chunk, cursor } from "../status/stateFixtures";

const cursorRow = (c: CursorRecord) => toRow(CURSOR_ROW, "pk", "rk", c);

describe("chunk summary columns", () => {
  it("read back, selected alone, the fields CHUNK_ROW wrote", () => {
    const c = chunk(7, { totalExportResourceCount: 12, searchParameterCount: 3 });
    const row = toRow(CHUNK_ROW, "pk", "rk-7", c);
    const selected = Object.fromEntries(
      Object.values(CHUNK_SUMMARY_COLUMNS).map((column) => [column, row[column]]),
    );
    expect(chunkSummaryFromRow(selected)).toEqual({
      seq: 7,
      since: c.since,
      processed: true,
      totalExportResourceCount: 12,
      searchParameterCount: 3,
      totalImportResourceCount: c.totalImportResourceCount,
      totalFailedImportCount: c.totalFailedImportCount,
      endTime: c.endTime,
    });
  });
});

describe("the cursor's sealed chunk totals", () => {
  it("read back as written", () => {
    const sealed = addSealedChunks(undefined, [chunk(1), chunk(2)], 3);
    const c = cursor({ firstUnprocessedSeq: 3, nextSeq: 4, sealed });
    expect(fromRow(CURSOR_ROW, cursorRow(c)).sealed).toEqual(sealed);
  });

  it("are absent on a cursor written without them", () => {
    expect(fromRow(CURSOR_ROW, cursorRow(cursor())).sealed).toBeUndefined();
  });

  it.each(['{"toSeq":"x"}', "not json", "null"])(
    "refuses a column that does not hold chunk totals, naming it (%s)",
    (text) => {
      const row = { ...cursorRow(cursor()), SealedChunks: text };
      expect(() => fromRow(CURSOR_ROW, row)).toThrow(/SealedChunks column is not chunk totals/);
    },
  );
});

describe("the cursor's counted stretch ahead", () => {
  it.each(['{"since":"2024-01-01T00:00:00.000Z"}', "null"])(
    "refuses a column that does not hold a counted stretch, naming it (%s)",
    (text) => {
      const row = { ...cursorRow(cursor()), CountedAhead: text };
      expect(() => fromRow(CURSOR_ROW, row)).toThrow(/CountedAhead column is not \{since/);
    },
  );
});

describe("addSealedChunks", () => {
  it("adds each chunk's totals once and moves the end", () => {
    const first = addSealedChunks(undefined, [chunk(1, { totalExportResourceCount: 5 })], 2);
    const next = addSealedChunks(first, [chunk(2, { searchParameterCount: 2 })], 3);
    expect(next).toEqual({
      toSeq: 3,
      chunks: 2,
      totalExportResourceCount: 105,
      searchParameterCount: 2,
      totalImportResourceCount: 200,
      totalFailedImportCount: 0,
      firstSince: chunk(1).since,
    });
  });
});
