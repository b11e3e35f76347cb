import { describe, expect, it } from "vitest";
import { addSealedChunks } from "../../../src/core/migrationState";
import {
  CHUNK_SUMMARY_COLUMNS,
  chunkSummaryFromRow,
  chunkToRow,
  cursorFromRow,
  cursorToRow,
} from "../../../src/storage/migrationRows";
import { chunk, cursor } from "../status/stateFixtures";

const keys = { partitionKey: "pk", rowKey: "rk" };

describe("chunk summary columns", () => {
  it("read back, selected alone, the fields chunkToRow wrote", () => {
    const c = chunk(7, { totalExportResourceCount: 12, searchParameterCount: 3 });
    const row = chunkToRow("pk", "rk-7", c);
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
    expect(cursorFromRow(cursorToRow(keys, c)).sealed).toEqual(sealed);
  });

  it("are absent on a cursor written without them", () => {
    expect(cursorFromRow(cursorToRow(keys, cursor())).sealed).toBeUndefined();
  });

  it.each(['{"toSeq":"x"}', "not json"])(
    "refuses a column that does not hold chunk totals, naming it (%s)",
    (text) => {
      const row = { ...cursorToRow(keys, cursor()), SealedChunks: text };
      expect(() => cursorFromRow(row)).toThrow(/SealedChunks column is not chunk totals/);
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
