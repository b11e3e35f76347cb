import { describe, expect, it } from "vitest";
import { fromTableEntity, toTableEntity } from "../../../src/storage/tableValues";

// Pure checks of what a row may hold (no Azurite needed); they sit with the storage tests they serve.
const row = (extra: Record<string, unknown>) => ({ partitionKey: "p", rowKey: "r", ...extra });

describe("toTableEntity", () => {
  it("keeps strings, numbers, booleans and Dates as they are", () => {
    const when = new Date("2024-01-01T00:00:00Z");
    expect(toTableEntity("jobs", row({ s: "a", n: 1.5, b: true, d: when }))).toEqual(
      row({ s: "a", n: 1.5, b: true, d: when }),
    );
  });

  it("sends integers outside Int32 as explicit Doubles", () => {
    expect(toTableEntity("jobs", row({ n: 2 ** 31 }))).toEqual(
      row({ n: { value: "2147483648", type: "Double" } }),
    );
  });

  it("leaves out undefined properties and the etag", () => {
    expect(toTableEntity("jobs", row({ a: undefined, etag: 'W/"x"' }))).toEqual(row({}));
  });

  it("rejects null, naming table, row and property", () => {
    expect(() => toTableEntity("jobs", row({ reason: null }))).toThrow(
      'Table "jobs" row p/r: property "reason" is null',
    );
  });

  it("rejects NaN", () => {
    expect(() => toTableEntity("jobs", row({ n: Number.NaN }))).toThrow(/property "n" is NaN/);
  });

  it("rejects an invalid Date", () => {
    expect(() => toTableEntity("jobs", row({ d: new Date("nope") }))).toThrow(
      /property "d" is an invalid Date/,
    );
  });

  it("rejects bigint", () => {
    expect(() => toTableEntity("jobs", row({ n: 1n }))).toThrow(/property "n" is a bigint/);
  });

  it("rejects a property the service reserves", () => {
    expect(() => toTableEntity("jobs", row({ Timestamp: new Date() }))).toThrow(
      /property "Timestamp" is reserved/,
    );
  });

  it("rejects a key with a character the service refuses", () => {
    expect(() => toTableEntity("jobs", { partitionKey: "a/b", rowKey: "r" })).toThrow(
      /partitionKey contains a character/,
    );
  });

  it("rejects a row over the 1 MiB entity limit", () => {
    const big = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`p${i}`, "x".repeat(30_000)]),
    );
    expect(() => toTableEntity("jobs", row(big))).toThrow(/per row/);
  });

  it("rejects more than 252 properties", () => {
    const many = Object.fromEntries(Array.from({ length: 253 }, (_, i) => [`p${i}`, i]));
    expect(() => toTableEntity("jobs", row(many))).toThrow(/253 properties/);
  });
});

describe("fromTableEntity", () => {
  it("drops service metadata and keeps the etag", () => {
    expect(
      fromTableEntity({
        "odata.metadata": "http://x/$metadata#t/@Element",
        etag: 'W/"1"',
        timestamp: "2024-01-01T00:00:00Z",
        partitionKey: "p",
        rowKey: "r",
        status: "new",
      }),
    ).toEqual({ etag: 'W/"1"', partitionKey: "p", rowKey: "r", status: "new" });
  });
});
