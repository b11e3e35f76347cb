import { beforeEach, describe, expect, it } from "vitest";
import { RowStore, kindCodec } from "../../../src/storage/rowStore";
import { count, optionalText, rowKind } from "../../../src/storage/rowSpec";
import type { TableRepository, TableRow } from "../../../src/storage/tableRepository";
import { freshTable } from "../../support/freshTable";

interface Counter {
  value: number;
  note: string | undefined;
}

const COUNTER_ROW = rowKind<Counter>("counter", {
  value: count("Value"),
  note: optionalText("Note"),
});

const AT = { partitionKey: "p", rowKey: "r" };
const plusOne = (c: Counter | undefined): Counter => ({
  value: (c?.value ?? 0) + 1,
  note: c?.note,
});

describe("RowStore against Azurite", () => {
  let table: TableRepository<TableRow>;
  let store: RowStore<Counter>;

  beforeEach(async () => {
    table = await freshTable();
    store = new RowStore(table, kindCodec(COUNTER_ROW));
  });

  it("inserts the record a change decides when there is no row", async () => {
    const change = await store.change(AT, plusOne);
    expect(change).toEqual({ written: true, before: undefined, after: { value: 1 } });
    expect(await store.get(AT)).toEqual({ value: 1 });
  });

  it("decides and writes nothing for a row that must exist and does not", async () => {
    let runs = 0;
    const change = await store.changeExisting(AT, (c) => (runs++, plusOne(c)));
    expect({ change, runs }).toEqual({
      change: { written: false, before: undefined, after: undefined },
      runs: 0,
    });
    expect(await store.get(AT)).toBeUndefined();
  });

  it("loses no change when writers race: each re-reads and re-decides after a 412", async () => {
    await store.insertIfAbsent(AT, { value: 0, note: undefined });
    const changes = await Promise.all(
      Array.from({ length: 5 }, () => store.changeExisting(AT, plusOne)),
    );
    expect(changes.every((c) => c.written)).toBe(true);
    expect((await store.get(AT))?.value).toBe(5);
  });

  it("answers the record as stored, cleaned of credentials, and the one it read as read", async () => {
    await store.insertIfAbsent(AT, { value: 1, note: undefined });
    const change = await store.changeExisting(AT, (c) => {
      c.value = 99; // a decision that edits what it is given
      return { ...c, note: "failed: https://x.example/?sig=SECRETVALUE" };
    });
    expect(change.before).toEqual({ value: 1 });
    expect(change.after?.note).not.toContain("SECRETVALUE");
    expect(change.after).toEqual(await store.get(AT));
  });
});
