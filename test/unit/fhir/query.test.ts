import { describe, expect, it } from "vitest";
import { countPath, exportPath, isoInstant, resourcePath } from "../../../src/fhir/query";

describe("isoInstant", () => {
  it.each([
    ["2024-01-31", "2024-01-31T00:00:00.000Z"],
    ["2024-01-31T00:00:00Z", "2024-01-31T00:00:00.000Z"],
    ["2024-01-31T02:00:00+02:00", "2024-01-31T00:00:00.000Z"],
    ["2023-06-20T21:20:39.5337086+00:00", "2023-06-20T21:20:39.533Z"],
  ])("%s → %s", (input, expected) => {
    expect(isoInstant(input)).toBe(expected);
  });

  it.each(["2024-01-31T00:00:00", "yesterday", ""])("rejects %j", (input) => {
    expect(() => isoInstant(input)).toThrow(/Invalid timestamp/);
  });
});

describe("exportPath", () => {
  it("is bare $export without parameters", () => {
    expect(exportPath({})).toBe("$export");
  });

  it.each([0, 10_001, 1.5])("rejects _maxCount %d", (maxCount) => {
    expect(() => exportPath({ maxCount })).toThrow(/whole number from 1 to 10000/);
  });

  it("rejects a resource type that could change the query", () => {
    expect(() => exportPath({ types: ["Patient&_foo=1"] })).toThrow(/Invalid resource type/);
  });
});

describe("countPath and resourcePath", () => {
  it("rejects an invalid type in a count", () => {
    expect(() => countPath({ type: "patient" })).toThrow(/Invalid resource type "patient"/);
  });

  it("encodes ids and versions", () => {
    expect(resourcePath("Patient", "a/b", "1 2")).toBe("Patient/a%2Fb/_history/1%202");
  });
});
