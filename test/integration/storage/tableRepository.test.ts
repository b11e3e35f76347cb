import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { beforeEach, describe, expect, inject, it } from "vitest";
import type { StorageTarget } from "../../../src/config/settings";
import { ConcurrencyConflictError } from "../../../src/errors";
import {
  createTableRepository,
  odata,
  rowKeyPrefixFilter,
  type TableRepository,
  type TableRow,
} from "../../../src/storage/tableRepository";

interface JobRow extends TableRow {
  status: string;
  count?: number;
  startedAt?: Date;
}

const target = (): StorageTarget => ({
  kind: "connectionString",
  connectionString: inject("azuriteConnectionString"),
});
const uniqueTable = () => `t${randomUUID().replace(/-/g, "").slice(0, 24)}`;

describe("table repository against Azurite", () => {
  let table: TableRepository<JobRow>;

  beforeEach(async () => {
    table = createTableRepository<JobRow>(target(), uniqueTable());
    await table.ensureTable();
  });

  it("ensureTable succeeds when the table already exists", async () => {
    await expect(table.ensureTable()).resolves.toBeUndefined();
  });

  it("get returns what insert stored, with its ETag", async () => {
    const startedAt = new Date("2024-03-01T10:00:00.123Z");
    const inserted = await table.insert({
      partitionKey: "p",
      rowKey: "r1",
      status: "new",
      count: 3,
      startedAt,
    });
    const row = await table.get("p", "r1");
    expect(row).toEqual({
      partitionKey: "p",
      rowKey: "r1",
      status: "new",
      count: 3,
      startedAt,
      etag: inserted.etag,
    });
  });

  it("get of a missing row returns undefined", async () => {
    expect(await table.get("p", "missing")).toBeUndefined();
  });

  it("get on a table that does not exist rejects instead of returning undefined", async () => {
    const missing = createTableRepository<JobRow>(target(), uniqueTable());
    await expect(missing.get("p", "r")).rejects.toThrow(/table specified does not exist/i);
  });

  it("insert of an existing row rejects with ConcurrencyConflictError", async () => {
    await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    await expect(
      table.insert({ partitionKey: "p", rowKey: "r1", status: "other" }),
    ).rejects.toThrow(ConcurrencyConflictError);
  });

  it("update with the current ETag stores the change and returns a new ETag", async () => {
    const inserted = await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    const updated = await table.update({ ...inserted, status: "running" });
    expect(updated.etag).not.toBe(inserted.etag);
    expect(await table.get("p", "r1")).toMatchObject({ status: "running", etag: updated.etag });
  });

  it("update with a stale ETag rejects with ConcurrencyConflictError", async () => {
    const inserted = await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    await table.update({ ...inserted, status: "running" });
    await expect(table.update({ ...inserted, status: "stale" })).rejects.toThrow(
      ConcurrencyConflictError,
    );
  });

  it("update of a row deleted since it was read rejects with ConcurrencyConflictError", async () => {
    const inserted = await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    await table.delete("p", "r1");
    await expect(table.update({ ...inserted, status: "late" })).rejects.toThrow(
      ConcurrencyConflictError,
    );
  });

  it("update in Merge mode keeps properties it was not given", async () => {
    const inserted = await table.insert({
      partitionKey: "p",
      rowKey: "r1",
      status: "new",
      count: 7,
    });
    await table.update({ partitionKey: "p", rowKey: "r1", status: "done", etag: inserted.etag });
    expect(await table.get("p", "r1")).toMatchObject({ status: "done", count: 7 });
  });

  it("update in Replace mode removes properties it was not given", async () => {
    const inserted = await table.insert({
      partitionKey: "p",
      rowKey: "r1",
      status: "new",
      count: 7,
    });
    await table.update(
      { partitionKey: "p", rowKey: "r1", status: "done", etag: inserted.etag },
      "Replace",
    );
    expect(await table.get("p", "r1")).not.toHaveProperty("count");
  });

  it("insertIfAbsent creates the row the first time", async () => {
    const result = await table.insertIfAbsent({ partitionKey: "p", rowKey: "r1", status: "new" });
    expect(result.created).toBe(true);
  });

  it("insertIfAbsent returns the stored row unchanged the second time", async () => {
    await table.insertIfAbsent({ partitionKey: "p", rowKey: "r1", status: "first" });
    const second = await table.insertIfAbsent({
      partitionKey: "p",
      rowKey: "r1",
      status: "second",
    });
    expect(second).toMatchObject({ created: false, row: { status: "first" } });
  });

  it("upsert creates a missing row and merges into an existing one", async () => {
    await table.upsert({ partitionKey: "p", rowKey: "r1", status: "new", count: 1 });
    await table.upsert({ partitionKey: "p", rowKey: "r1", status: "done" });
    expect(await table.get("p", "r1")).toMatchObject({ status: "done", count: 1 });
  });

  it("delete removes the row", async () => {
    await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    await table.delete("p", "r1");
    expect(await table.get("p", "r1")).toBeUndefined();
  });

  it("delete of a missing row resolves", async () => {
    await expect(table.delete("p", "missing")).resolves.toBeUndefined();
  });

  it("delete with a stale ETag rejects with ConcurrencyConflictError", async () => {
    const inserted = await table.insert({ partitionKey: "p", rowKey: "r1", status: "new" });
    await table.update({ ...inserted, status: "running" });
    await expect(table.delete("p", "r1", inserted.etag)).rejects.toThrow(ConcurrencyConflictError);
  });

  it("stores integers beyond Int32 exactly", async () => {
    await table.insert({
      partitionKey: "p",
      rowKey: "r1",
      status: "new",
      count: 9_007_199_254_740_991,
    });
    expect((await table.get("p", "r1"))?.count).toBe(9_007_199_254_740_991);
  });

  it("drops undefined properties instead of storing them", async () => {
    await table.insert({ partitionKey: "p", rowKey: "r1", status: "new", count: undefined });
    expect(await table.get("p", "r1")).not.toHaveProperty("count");
  });

  it("rejects a nested object, naming the property", async () => {
    const row = { partitionKey: "p", rowKey: "r1", status: "new", details: { a: 1 } };
    await expect(table.insert(row)).rejects.toThrow(/property "details" is an object/);
  });

  it("rejects an array, naming the property", async () => {
    const row = { partitionKey: "p", rowKey: "r1", status: "new", ids: ["a"] };
    await expect(table.insert(row)).rejects.toThrow(/property "ids" is an array/);
  });

  it("rejects a string over 32K characters, naming the property", async () => {
    const row = { partitionKey: "p", rowKey: "r1", status: "x".repeat(32 * 1024 + 1) };
    await expect(table.insert(row)).rejects.toThrow(/property "status" is 32769 characters long/);
  });
});

describe("table repository listing", () => {
  let table: TableRepository<JobRow>;
  let tableName: string;

  beforeEach(async () => {
    tableName = uniqueTable();
    table = createTableRepository<JobRow>(target(), tableName, { maxPageSize: 4 });
    await table.ensureTable();
  });

  async function collect(rows: AsyncIterable<JobRow>): Promise<string[]> {
    const keys: string[] = [];
    for await (const row of rows) keys.push(row.rowKey);
    return keys;
  }

  it("lists only the rows whose RowKey starts with the prefix", async () => {
    for (const rk of ["chunk-1", "chunk-2", "chunk.", "chunk", "chunl", "payload-1"]) {
      await table.insert({ partitionKey: "p", rowKey: rk, status: "new" });
    }
    expect(await collect(table.list("p", { rowKeyPrefix: "chunk-" }))).toEqual([
      "chunk-1",
      "chunk-2",
    ]);
  });

  it("lists only the given partition", async () => {
    await table.insert({ partitionKey: "p", rowKey: "a", status: "new" });
    await table.insert({ partitionKey: "q", rowKey: "b", status: "new" });
    expect(await collect(table.list("p"))).toEqual(["a"]);
  });

  it("applies an extra filter", async () => {
    await table.insert({ partitionKey: "p", rowKey: "a", status: "new" });
    await table.insert({ partitionKey: "p", rowKey: "b", status: "done" });
    expect(await collect(table.list("p", { filter: odata`status eq ${"done"}` }))).toEqual(["b"]);
  });

  it("follows continuation tokens past the first page", async () => {
    const keys = Array.from({ length: 11 }, (_, i) => `row-${String(i).padStart(2, "0")}`);
    for (const rk of keys) await table.insert({ partitionKey: "p", rowKey: rk, status: "new" });
    expect(await collect(table.list("p", { rowKeyPrefix: "row-" }))).toEqual(keys);
  });

  it("pages beyond the service's 1000-row page limit", async () => {
    // Seeded in batches of 100 (one transaction each) to keep the test fast.
    const client = TableClient.fromConnectionString(inject("azuriteConnectionString"), tableName, {
      allowInsecureConnection: true,
    });
    const keys = Array.from({ length: 1050 }, (_, i) => `big-${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 100) {
      await client.submitTransaction(
        keys
          .slice(i, i + 100)
          .map((rk) => ["create", { partitionKey: "p", rowKey: rk, status: "new" }]),
      );
    }
    const unlimited = createTableRepository<JobRow>(target(), tableName);
    expect(await collect(unlimited.list("p", { rowKeyPrefix: "big-" }))).toEqual(keys);
  });
});

describe("rowKeyPrefixFilter", () => {
  it("bounds the range by the prefix with its last character incremented", () => {
    expect(rowKeyPrefixFilter("chunk-")).toBe("RowKey ge 'chunk-' and RowKey lt 'chunk.'");
  });

  it("escapes quotes", () => {
    expect(rowKeyPrefixFilter("o'b")).toBe("RowKey ge 'o''b' and RowKey lt 'o''c'");
  });
});

describe("createTableRepository", () => {
  it("rejects an invalid table name, naming it", () => {
    expect(() => createTableRepository(target(), "bad-name")).toThrow(/Table name "bad-name"/);
  });

  it("rejects a page size above the service maximum", () => {
    expect(() => createTableRepository(target(), "goodname", { maxPageSize: 1001 })).toThrow(
      /maxPageSize/,
    );
  });
});
