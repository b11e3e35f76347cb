import { describe, expect, it } from "vitest";
import {
  canonicalInstant,
  compareResources,
  describeDifference,
  diffJson,
} from "../../../src/core/resourceDiff";

const patient = {
  resourceType: "Patient",
  id: "pat-1",
  meta: { versionId: "3", lastUpdated: "2024-05-01T10:00:00.123+00:00" },
  name: [{ family: "Doe", given: ["Jane", "Q"] }],
  birthDate: "1970-01-01",
};

describe("diffJson", () => {
  it("finds nothing in equal documents", () => {
    expect(diffJson(patient, structuredClone(patient))).toEqual([]);
  });

  it("names a changed nested field with array indexes", () => {
    const copy = structuredClone(patient);
    copy.name[0]!.family = "Smith";
    expect(diffJson(patient, copy)).toEqual([{ path: "name[0].family", kind: "changed" }]);
  });

  it("names a changed leaf inside an object", () => {
    const a = { valueQuantity: { value: 5.4, unit: "mmol/L" } };
    const b = { valueQuantity: { value: 5.5, unit: "mmol/L" } };
    expect(diffJson(a, b)).toEqual([{ path: "valueQuantity.value", kind: "changed" }]);
  });

  it("reports a field only the source has as missing", () => {
    const { birthDate: _b, ...copy } = structuredClone(patient);
    expect(diffJson(patient, copy)).toEqual([{ path: "birthDate", kind: "missing" }]);
  });

  it("reports a field only the destination has as extra", () => {
    const copy = { ...structuredClone(patient), gender: "female" };
    expect(diffJson(patient, copy)).toEqual([{ path: "gender", kind: "extra" }]);
  });

  it("reports array elements beyond the shorter array as missing or extra", () => {
    expect(diffJson({ a: [1, 2, 3] }, { a: [1] })).toEqual([
      { path: "a[1]", kind: "missing" },
      { path: "a[2]", kind: "missing" },
    ]);
    expect(diffJson({ a: [1] }, { a: [1, 2] })).toEqual([{ path: "a[1]", kind: "extra" }]);
  });

  it("treats reordered arrays as different (FHIR arrays are ordered)", () => {
    expect(diffJson({ g: ["a", "b"] }, { g: ["b", "a"] })).toEqual([
      { path: "g[0]", kind: "changed" },
      { path: "g[1]", kind: "changed" },
    ]);
  });

  it("treats a type change (number vs string, object vs array) as changed", () => {
    expect(diffJson({ v: 1 }, { v: "1" })).toEqual([{ path: "v", kind: "changed" }]);
    expect(diffJson({ v: {} }, { v: [] })).toEqual([{ path: "v", kind: "changed" }]);
    expect(diffJson({ v: null }, { v: {} })).toEqual([{ path: "v", kind: "changed" }]);
  });

  it("quotes keys that are not identifiers", () => {
    expect(diffJson({ "a.b": 1 }, { "a.b": 2 })).toEqual([{ path: '["a.b"]', kind: "changed" }]);
  });
});

describe("canonicalInstant", () => {
  it("reads +00:00 and Z as the same instant", () => {
    expect(canonicalInstant("2024-05-01T10:00:00.123+00:00")).toBe(
      canonicalInstant("2024-05-01T10:00:00.123Z"),
    );
  });

  it("truncates sub-millisecond digits as the destination does", () => {
    expect(canonicalInstant("2024-05-01T10:00:00.1239999+00:00")).toBe("2024-05-01T10:00:00.123Z");
  });

  it("applies offsets", () => {
    expect(canonicalInstant("2024-05-01T12:00:00+02:00")).toBe("2024-05-01T10:00:00.000Z");
  });

  it("refuses an instant without a zone", () => {
    expect(canonicalInstant("2024-05-01T10:00:00")).toBeUndefined();
  });
});

describe("compareResources", () => {
  it("accepts meta.lastUpdated written with another zone form and precision", () => {
    const copy = structuredClone(patient);
    copy.meta.lastUpdated = "2024-05-01T10:00:00.1230000Z";
    expect(compareResources(patient, copy)).toEqual([]);
  });

  it("still reports a meta.lastUpdated that is a different instant", () => {
    const copy = structuredClone(patient);
    copy.meta.lastUpdated = "2024-05-01T10:00:00.124+00:00";
    expect(compareResources(patient, copy)).toEqual([
      { path: "meta.lastUpdated", kind: "changed" },
    ]);
  });

  it("reports a different versionId", () => {
    const copy = structuredClone(patient);
    copy.meta.versionId = "4";
    expect(compareResources(patient, copy)).toEqual([{ path: "meta.versionId", kind: "changed" }]);
  });

  it("reports meta fields the destination added", () => {
    const copy = {
      ...structuredClone(patient),
      meta: { ...patient.meta, security: [{ code: "R" }] },
    };
    expect(compareResources(patient, copy)).toEqual([{ path: "meta.security", kind: "extra" }]);
  });

  it("ignores versionId and lastUpdated only when asked (SearchParameter copies)", () => {
    const copy = structuredClone(patient);
    copy.meta = { versionId: "1", lastUpdated: "2025-01-01T00:00:00.000Z" };
    expect(compareResources(patient, copy, { ignoreVersionMeta: true })).toEqual([]);
    expect(compareResources(patient, copy)).toHaveLength(2);
  });

  it("does not change its inputs", () => {
    const copy = structuredClone(patient);
    compareResources(patient, copy, { ignoreVersionMeta: true });
    expect(copy).toEqual(patient);
  });
});

describe("describeDifference", () => {
  it("shows the path and the kind", () => {
    expect(describeDifference({ path: "name[0].family", kind: "changed" })).toBe(
      "name[0].family (changed)",
    );
  });
});
