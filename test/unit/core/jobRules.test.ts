import { describe, expect, it } from "vitest";
import {
  isSameAttempt,
  isTimedOut,
  isUnrecordedClaim,
  jobAgeMs,
  kickOffAction,
  mayRecord,
  pollFailureAction,
  unrecordedClaimAction,
  type JobAttempt,
} from "../../../src/core/jobRules";

const claimed = (claim: JobAttempt["claim"]): JobAttempt => ({
  state: "claimed",
  url: undefined,
  claim,
});
const running = (url: string, claim: JobAttempt["claim"]): JobAttempt => ({
  state: "running",
  url,
  claim,
});

describe("isUnrecordedClaim", () => {
  it("holds for the same claim with no status URL", () => {
    expect(isUnrecordedClaim(claimed(2), claimed(2))).toBe(true);
  });
  it("refuses a claim another runner made since (a new claim time)", () => {
    expect(
      isUnrecordedClaim(claimed("2026-01-01T00:10:00Z"), claimed("2026-01-01T00:00:00Z")),
    ).toBe(false);
  });
  it("refuses a claim whose status URL is recorded", () => {
    expect(isUnrecordedClaim(running("u", 2), claimed(2))).toBe(false);
  });
  it("refuses a claim that was put back to the queue", () => {
    expect(isUnrecordedClaim({ state: "queued", url: undefined, claim: 2 }, claimed(2))).toBe(
      false,
    );
  });
});

describe("mayRecord", () => {
  it("sameClaim: records only while the row is still this claim", () => {
    expect(mayRecord(claimed("t1"), claimed("t1"), "sameClaim")).toBe(true);
    expect(mayRecord(claimed("t2"), claimed("t1"), "sameClaim")).toBe(false);
  });
  it("sameBody: records over a claim reset meanwhile (the same body is the same job)", () => {
    expect(mayRecord({ state: "queued", url: undefined, claim: 1 }, claimed(2), "sameBody")).toBe(
      true,
    );
  });
  it("sameBody: records over another claim of the same attempt", () => {
    expect(mayRecord(claimed(2), claimed(2), "sameBody")).toBe(true);
  });
  it("sameBody: refuses once the payload moved to a later attempt", () => {
    expect(mayRecord(claimed(3), claimed(2), "sameBody")).toBe(false);
  });
  it("sameBody: never turns a running or completed job back", () => {
    expect(mayRecord(running("u", 2), claimed(2), "sameBody")).toBe(false);
    expect(mayRecord({ state: "completed", url: "u", claim: 2 }, claimed(2), "sameBody")).toBe(
      false,
    );
  });
});

describe("isSameAttempt", () => {
  it("holds for the job acted on, still in flight", () => {
    expect(isSameAttempt(running("u", 2), { url: "u", claim: 2 })).toBe(true);
  });
  it("refuses a row restarted with another job", () => {
    expect(isSameAttempt(running("v", 2), { url: "u", claim: 2 })).toBe(false);
  });
  it("refuses a row another runner claimed again (no URL either way)", () => {
    expect(isSameAttempt(claimed("t2"), { url: undefined, claim: "t1" })).toBe(false);
  });
  it("refuses a row already settled", () => {
    expect(isSameAttempt({ state: "failed", url: "u", claim: 2 }, { url: "u", claim: 2 })).toBe(
      false,
    );
    expect(isSameAttempt({ state: undefined, url: "u", claim: 2 }, { url: "u", claim: 2 })).toBe(
      false,
    );
  });
});

describe("unrecordedClaimAction", () => {
  const exportPolicy = { waitMs: 600_000, then: "fail" as const };
  it("waits while a kick-off may still be answering", () => {
    expect(unrecordedClaimAction(599_999, exportPolicy)).toBe("wait");
  });
  it("after the wait, does what the kind declared", () => {
    expect(unrecordedClaimAction(600_000, exportPolicy)).toBe("fail");
    expect(unrecordedClaimAction(0, { waitMs: 0, then: "retry" })).toBe("retry");
  });
});

describe("isTimedOut", () => {
  it("is strictly past the time-out", () => {
    expect(isTimedOut(1000, 1000)).toBe(false);
    expect(isTimedOut(1001, 1000)).toBe(true);
  });
});

describe("kickOffAction", () => {
  const policy = { transient: "retry" as const, unknown: "rethrow" as const };
  it("fails the attempt on the server's refusal, whatever the kind", () => {
    expect(kickOffAction("operation", policy)).toBe("fail");
  });
  it("follows the kind's policy for the rest", () => {
    expect(kickOffAction("transient", policy)).toBe("retry");
    expect(kickOffAction("unknown", policy)).toBe("rethrow");
  });
});

describe("pollFailureAction", () => {
  it("judges the server's answer as the job's failure, and retries anything else", () => {
    expect(pollFailureAction("operation")).toBe("jobFailed");
    expect(pollFailureAction("transient")).toBe("rethrow");
    expect(pollFailureAction("unknown")).toBe("rethrow");
  });
});

describe("jobAgeMs", () => {
  it("measures from the start time, and a job with none is new", () => {
    expect(jobAgeMs(Date.parse("2026-01-01T00:01:00Z"), "2026-01-01T00:00:00Z")).toBe(60_000);
    expect(jobAgeMs(5, undefined)).toBe(0);
  });
});
