import { describe, expect, it } from "vitest";
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

  it("reads numbers as JSON numbers, as compareResources does", () => {
    expect(canonicalJson(JSON.parse('{"v":1.50}'))).toBe(canonicalJson({ v: 1.5 }));
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
