import { describe, expect, it } from "vitest";
import { entriesAsWritten, parseLossless } from "../../../src/core/losslessJson";
import { compareResources } from "../../../src/core/resourceDiff";
import { canonicalJson, contentDigest, unitPath } from "../../../src/verify/fullUnit";

const patient = {
  resourceType: "Patient",
  id: "p1",
  meta: { versionId: "2", lastUpdated: "2024-05-01T10:00:00.1234567+00:00" },
  name: [{ family: "Smith", given: ["Ann"] }],
  birthDate: "1970-01-01",
};

describe("contentDigest", () => {
  it("is equal whenever compareResources finds no difference: key order and the lastUpdated form do not matter", () => {
    const copy = {
      birthDate: "1970-01-01",
      name: [{ given: ["Ann"], family: "Smith" }],
      meta: { lastUpdated: "2024-05-01T10:00:00.123Z", versionId: "2" },
      id: "p1",
      resourceType: "Patient",
    };
    expect(compareResources(patient, copy)).toEqual([]);
    expect(contentDigest(copy)).toBe(contentDigest(patient));
  });

  it("differs when a field, the array order, the versionId or the instant differs", () => {
    const variants = [
      { ...patient, birthDate: "1970-01-02" },
      { ...patient, name: [{ family: "Smith", given: ["Ann"] }, { family: "X" }] },
      { ...patient, meta: { ...patient.meta, versionId: "3" } },
      { ...patient, meta: { ...patient.meta, lastUpdated: "2024-05-01T10:00:00.124Z" } },
      { ...patient, meta: { ...patient.meta, security: [{ code: "R" }] } },
    ];
    for (const v of variants) {
      expect(compareResources(patient, v)).not.toEqual([]);
      expect(contentDigest(v)).not.toBe(contentDigest(patient));
    }
  });

  it("compares number literals as text, as compareResources does: a decimal keeps its precision", () => {
    const source = parseLossless('{"resourceType":"Observation","valueQuantity":{"value":1.50}}');
    const copy = parseLossless('{"resourceType":"Observation","valueQuantity":{"value":1.5}}');
    expect(compareResources(source, copy)).toEqual([
      { path: "valueQuantity.value", kind: "changed" },
    ]);
    expect(contentDigest(copy)).not.toBe(contentDigest(source));
    expect(canonicalJson(parseLossless('{"v":1e2}'))).not.toBe(
      canonicalJson(parseLossless('{"v":100}')),
    );
  });

  it("read losslessly, still ignores key order and whitespace", () => {
    const source = parseLossless('{"a":1.50,"b":[1,2.0],"c":{"x":"y","z":0.10}}');
    const copy = parseLossless('{ "c": { "z": 0.10, "x": "y" },\n "b": [1, 2.0], "a": 1.50 }');
    expect(compareResources(source, copy)).toEqual([]);
    expect(contentDigest(copy)).toBe(contentDigest(source));
  });
});

describe("unitPath", () => {
  it("reads a unit's stretch through _history with _since and _before, at the servers' largest page", () => {
    expect(unitPath({ scope: "history", sinceMs: 0, tillMs: 1000, pageSize: 1000 })).toBe(
      "_history?_since=1970-01-01T00:00:00.000Z&_before=1970-01-01T00:00:01.000Z&_count=1000",
    );
  });

  it("reads current versions through system search by _lastUpdated when history is not migrated", () => {
    expect(unitPath({ scope: "current", sinceMs: 0, tillMs: 1000, pageSize: 1000 })).toBe(
      "?_lastUpdated=ge1970-01-01T00:00:00.000Z&_lastUpdated=lt1970-01-01T00:00:01.000Z&_count=1000",
    );
  });
});

describe("entriesAsWritten", () => {
  const page = (values: string[]) =>
    `{"resourceType":"Bundle","entry":[${values.map((v, i) => `{"resource":{"resourceType":"Observation","id":"o${i}","valueQuantity":{"value":${v}}}}`).join(",")}]}`;

  it("keeps the parsed entries when every number reads back as written", () => {
    const text = page(["1.5", "2", "-3.25"]);
    const parsed = JSON.parse(text) as { entry: unknown[] };
    const entries = entriesAsWritten(parsed.entry, text);
    expect(entries.every((e, i) => e === parsed.entry[i])).toBe(true);
  });

  it("reads the page again, losslessly, when a number would change", () => {
    const text = page(["1.5", "1.50", "1e2"]);
    const parsed = JSON.parse(text) as { entry: unknown[] };
    const entries = entriesAsWritten(parsed.entry, text);
    const value = (e: unknown) => canonicalJson((e as { resource: unknown }).resource);
    expect(value(entries[1])).toContain('"value":1.50}');
    expect(value(entries[2])).toContain('"value":1e2}');
    // A lossless 1.50 differs from a parsed 1.5; a lossless 1.5 equals it.
    expect(
      compareResources((entries[1] as { resource: unknown }).resource, {
        ...(parsed.entry[0] as { resource: object }).resource,
        id: "o1",
      }),
    ).toEqual([{ path: "valueQuantity.value", kind: "changed" }]);
    expect(compareResources(parseLossless('{"v":1.5}'), { v: 1.5 })).toEqual([]);
  });
});
