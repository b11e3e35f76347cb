import { describe, expect, it } from "vitest";
import type { FullProofRecord } from "../../../src/core/fullProof";
import { incrementalProofSince, nextFullProof, provenUntilMs } from "../../../src/core/fullProof";

const at = (minute: number) => Date.UTC(2026, 11, 3, 10, minute);
const iso = (minute: number) => new Date(at(minute)).toISOString();

const whole: FullProofRecord = {
  scope: "history",
  provenUntil: iso(10),
  runId: "w1",
  passedAt: iso(12),
  wholeRunId: "w1",
  wholePassedAt: iso(12),
  incrementalRuns: 0,
};

describe("nextFullProof", () => {
  it("starts the chain from a passing whole-range check", () => {
    const run = { runId: "w2", scope: "history" as const, sinceMs: 0, tillMs: at(20) };
    expect(nextFullProof(whole, { ...run, incremental: false, passedAtMs: at(21) })).toEqual({
      scope: "history",
      provenUntil: iso(20),
      runId: "w2",
      passedAt: iso(21),
      wholeRunId: "w2",
      wholePassedAt: iso(21),
      incrementalRuns: 0,
    });
  });

  it("extends the chain with an incremental check starting at or before the proven instant", () => {
    const next = nextFullProof(whole, {
      runId: "i1",
      scope: "history",
      sinceMs: at(9),
      tillMs: at(30),
      incremental: true,
      passedAtMs: at(31),
    });
    expect(next).toMatchObject({
      provenUntil: iso(30),
      runId: "i1",
      wholeRunId: "w1",
      incrementalRuns: 1,
    });
  });

  it("leaves the record alone when an incremental check starts after the proven instant", () => {
    const run = { runId: "i1", scope: "history" as const, sinceMs: at(11), tillMs: at(30) };
    expect(nextFullProof(whole, { ...run, incremental: true, passedAtMs: at(31) })).toBe(undefined);
  });

  it("leaves the record alone when an incremental check compared another scope", () => {
    const run = { runId: "i1", scope: "current" as const, sinceMs: at(9), tillMs: at(30) };
    expect(nextFullProof(whole, { ...run, incremental: true, passedAtMs: at(31) })).toBe(undefined);
  });

  it("records nothing for an incremental check without an earlier proof", () => {
    const run = { runId: "i1", scope: "history" as const, sinceMs: at(9), tillMs: at(30) };
    expect(nextFullProof(undefined, { ...run, incremental: true, passedAtMs: at(31) })).toBe(
      undefined,
    );
  });
});

describe("incrementalProofSince", () => {
  it("starts the overlap before the proven instant", () => {
    expect(incrementalProofSince(whole, "history", 60_000)).toBe(at(9));
  });

  it("is the whole range without a proof, or with a proof of another scope", () => {
    expect(incrementalProofSince(undefined, "history", 60_000)).toBe(undefined);
    expect(incrementalProofSince(whole, "current", 60_000)).toBe(undefined);
  });
});

describe("provenUntilMs", () => {
  it("is the range's end for a Pass", () => {
    expect(provenUntilMs("Pass", at(20), iso(10))).toBe(at(20));
  });

  it("is the watermark for a Behind check", () => {
    expect(provenUntilMs("Behind", at(20), iso(10))).toBe(at(10));
  });

  it("proves nothing for a failed check", () => {
    expect(provenUntilMs("Fail", at(20), iso(10))).toBe(undefined);
    expect(provenUntilMs("Error", at(20), iso(10))).toBe(undefined);
  });
});
