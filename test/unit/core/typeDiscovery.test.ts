import { describe, expect, it } from "vitest";
import type { ServerTally } from "../../../src/core/typeDiscovery";
import { candidateTypes, decideDiscovery, growSeenTypes } from "../../../src/core/typeDiscovery";

const CANDIDATES = ["Observation", "Patient"];
const exact: ServerTally = { totalBefore: 30, total: 30, byType: [20, 10] };

describe("decideDiscovery", () => {
  it("is complete when the candidates add up to the system-level count on both servers", () => {
    expect(
      decideDiscovery(CANDIDATES, exact, { totalBefore: 29, total: 29, byType: [20, 9] }),
    ).toEqual({
      complete: true,
    });
  });

  it("is complete for two empty servers and no candidates", () => {
    const empty: ServerTally = { totalBefore: 0, total: 0, byType: [] };
    expect(decideDiscovery([], empty, empty)).toEqual({ complete: true });
  });

  it("falls back when the source holds more than the candidates count (another type)", () => {
    const decision = decideDiscovery(
      CANDIDATES,
      { totalBefore: 31, total: 31, byType: [20, 10] },
      exact,
    );
    expect(decision).toEqual({
      complete: false,
      reason: "on the source the 2 candidate type(s) count 30, the system-level count is 31",
    });
  });

  it("falls back when the system-level count changed while the candidates were counted (a delete could cancel an unlisted type)", () => {
    // Patient 10 → 9 after the first system count; an unlisted type holds 1: 10 = 9 + 1 at the end.
    const decision = decideDiscovery(
      CANDIDATES,
      { totalBefore: 31, total: 30, byType: [20, 10] },
      exact,
    );
    expect(decision).toEqual({
      complete: false,
      reason:
        "the source's system-level count changed from 31 to 30 while the candidates were counted",
    });
  });

  it("falls back when only the destination holds another type", () => {
    const decision = decideDiscovery(CANDIDATES, exact, {
      totalBefore: 35,
      total: 35,
      byType: [20, 10],
    });
    expect(decision).toMatchObject({
      complete: false,
      reason: expect.stringMatching(/destination/),
    });
  });

  it("falls back when the candidates count more than the system total (writes raced the counts)", () => {
    const decision = decideDiscovery(
      CANDIDATES,
      { totalBefore: 29, total: 29, byType: [20, 10] },
      exact,
    );
    expect(decision).toMatchObject({ complete: false, reason: expect.stringMatching(/count 30/) });
  });

  it("falls back when the system-level count failed", () => {
    const decision = decideDiscovery(CANDIDATES, exact, {
      totalBefore: null,
      total: null,
      byType: [20, 10],
    });
    expect(decision).toEqual({
      complete: false,
      reason: "the destination's system-level count failed",
    });
  });

  it("falls back when a candidate could not be counted, even if the rest add up", () => {
    const decision = decideDiscovery(
      CANDIDATES,
      { totalBefore: 20, total: 20, byType: [20, null] },
      exact,
    );
    expect(decision).toEqual({
      complete: false,
      reason: "1 candidate type(s) could not be counted on the source",
    });
  });

  it("refuses counts that do not match the candidates one to one", () => {
    expect(() =>
      decideDiscovery(CANDIDATES, { totalBefore: 20, total: 20, byType: [20] }, exact),
    ).toThrow(/expected 2 candidate count\(s\), got 1/);
  });
});

describe("candidateTypes", () => {
  it("keeps R4 type names once each, sorted, and drops anything else", () => {
    expect(candidateTypes(["Patient", "patient", "Observation", "Patient", "", "Foo"])).toEqual([
      "Observation",
      "Patient",
    ]);
  });
});

describe("growSeenTypes", () => {
  it("answers the sorted union when a new type is seen", () => {
    expect(growSeenTypes(["Patient"], ["Observation", "Patient"])).toEqual([
      "Observation",
      "Patient",
    ]);
  });

  it("starts the list when nothing was stored", () => {
    expect(growSeenTypes(undefined, ["Patient"])).toEqual(["Patient"]);
  });

  it("writes nothing when every type seen is known", () => {
    expect(growSeenTypes(["Observation", "Patient"], ["Patient"])).toBeUndefined();
  });

  it("writes nothing for names that are not R4 types", () => {
    expect(growSeenTypes(["Patient"], ["NotAType", "patient"])).toBeUndefined();
  });
});
