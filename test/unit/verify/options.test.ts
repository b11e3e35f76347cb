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
