import { describe, expect, it } from "vitest";
import { parseVerificationOptions } from "../../../src/verify/options";

describe("parseVerificationOptions", () => {
  it("leaves everything to the settings when nothing is given", () => {
    expect(parseVerificationOptions({})).toEqual({ ok: true, options: {} });
  });

  it("parses every option", () => {
    expect(
      parseVerificationOptions({
        deepCheckCount: "250",
        resourceTypes: "Patient, Observation,Patient",
        checks: "reconcile,surface",
        seed: "abc-123_x",
        applyHardDeletes: "TRUE",
        concurrency: "16",
      }),
    ).toEqual({
      ok: true,
      options: {
        deepCheckCount: 250,
        resourceTypes: ["Patient", "Observation"],
        checks: ["surface", "reconcile"],
        seed: "abc-123_x",
        applyHardDeletes: true,
        concurrency: 16,
      },
    });
  });

  it.each([
    ["deepCheckCount", "-1", /0 to 1000000/],
    ["deepCheckCount", "1000001", /0 to 1000000/],
    ["deepCheckCount", "1.5", /whole number/],
    ["resourceTypes", "Patient,patient", /not R4 types: patient/],
    ["resourceTypes", " , ", /comma-separated list/],
    ["checks", "surface,everything", /subset of surface,deep,reconcile/],
    ["seed", "has space", /letters, digits/],
    ["applyHardDeletes", "yes", /true or false/],
    ["concurrency", "0", /1 to 64/],
  ] as const)("rejects %s=%s naming what is accepted", (parameter, value, expected) => {
    const result = parseVerificationOptions({ [parameter]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ parameter, received: JSON.stringify(value) });
    expect(result.issues[0]!.expected).toMatch(expected);
  });

  it("reports every bad option at once", () => {
    const result = parseVerificationOptions({ deepCheckCount: "x", checks: "y" });
    expect(result.ok ? [] : result.issues.map((i) => i.parameter)).toEqual([
      "deepCheckCount",
      "checks",
    ]);
  });
});

describe("full check options", () => {
  it("adds the full check to the default checks", () => {
    expect(parseVerificationOptions({ full: "true" })).toEqual({
      ok: true,
      options: { checks: ["surface", "deep", "reconcile", "full"] },
    });
  });

  it("adds the full check to the checks named", () => {
    expect(parseVerificationOptions({ full: "true", checks: "surface" })).toEqual({
      ok: true,
      options: { checks: ["surface", "full"] },
    });
  });

  it("takes a run id to resume and a unit size", () => {
    expect(
      parseVerificationOptions({ resume: "v20250303T030000-1a2b3c", unitVersions: "20000" }),
    ).toEqual({ ok: true, options: { resume: "v20250303T030000-1a2b3c", unitVersions: 20000 } });
  });

  it("names a resume value that cannot be a run id, and a unit size out of range", () => {
    const parsed = parseVerificationOptions({ resume: "a/b", unitVersions: "10" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.parameter)).toEqual(["resume", "unitVersions"]);
    expect(parsed.issues[1]?.expected).toMatch(/from 1000 to 10000000/);
  });
});
