import { describe, expect, it } from "vitest";
import {
  describeFutureBoundRefusal,
  futureStartProblem,
  isFutureBoundRefusal,
  windowClock,
} from "../../../src/core/sourceClock";

const NOW = Date.parse("2026-01-01T12:00:00.000Z");
const LAG = 60_000;

describe("windowClock", () => {
  it("caps at the app's clock minus the lag when the source's clock is unknown", () => {
    expect(
      windowClock({
        appNowMs: NOW,
        sourceOffsetMs: undefined,
        safetyLagMs: LAG,
        endDate: undefined,
      }),
    ).toEqual({ capMs: NOW - LAG, skewWarning: undefined, skewExceedsLag: false });
  });

  it("reports no skew within the Date header's whole-second truncation", () => {
    const clock = windowClock({
      appNowMs: NOW,
      sourceOffsetMs: -900,
      safetyLagMs: LAG,
      endDate: undefined,
    });
    expect(clock.skewWarning).toBeUndefined();
    expect(clock.capMs).toBe(NOW - 900 - LAG);
  });

  it("caps at the source's clock when it is behind, and says when the skew exceeds the lag", () => {
    const clock = windowClock({
      appNowMs: NOW,
      sourceOffsetMs: -120_000,
      safetyLagMs: LAG,
      endDate: undefined,
    });
    expect(clock.capMs).toBe(NOW - 120_000 - LAG);
    expect(clock.skewExceedsLag).toBe(true);
    expect(clock.skewWarning).toBe(
      "Clock skew: the source's clock is 120 s behind this app's (source 2026-01-01T11:58:00.000Z, app 2026-01-01T12:00:00.000Z); windows end at the source's clock minus AZURE_SafetyLagSeconds (60 s). The skew is larger than AZURE_SafetyLagSeconds (60 s): correct the clocks (NTP) or raise AZURE_SafetyLagSeconds above the skew.",
    );
  });

  it("keeps the app's cap when the source is ahead, and names the skew", () => {
    const clock = windowClock({
      appNowMs: NOW,
      sourceOffsetMs: 30_000,
      safetyLagMs: LAG,
      endDate: undefined,
    });
    expect(clock.capMs).toBe(NOW - LAG);
    expect(clock.skewWarning).toMatch(
      /^Clock skew: the source's clock is 30 s ahead of this app's/,
    );
  });

  it("still honours AZURE_EndDate", () => {
    const clock = windowClock({
      appNowMs: NOW,
      sourceOffsetMs: 0,
      safetyLagMs: LAG,
      endDate: "2025-06-01T00:00:00.000Z",
    });
    expect(clock.capMs).toBe(Date.parse("2025-06-01T00:00:00.000Z"));
  });
});

describe("futureStartProblem", () => {
  it("names a start date after both clocks and the setting", () => {
    expect(futureStartProblem("2027-01-01T00:00:00Z", NOW, 0)).toMatch(
      /^AZURE_StartDate \(2027-01-01T00:00:00Z\) is in the future \(now: 2026-01-01T12:00:00.000Z\)/,
    );
  });

  it("accepts a start date in the past, or none", () => {
    expect(futureStartProblem("2025-01-01T00:00:00Z", NOW, 0)).toBeUndefined();
    expect(futureStartProblem(undefined, NOW, 0)).toBeUndefined();
  });

  it("uses the later clock: a start date the source has reached is not in the future", () => {
    expect(futureStartProblem("2026-01-01T12:00:30Z", NOW, 60_000)).toBeUndefined();
  });
});

describe("the source's future-bound refusal", () => {
  it("is recognised from the server's message, typo included", () => {
    expect(isFutureBoundRefusal("Parameter _before cannot a be a value in the future.")).toBe(true);
    expect(isFutureBoundRefusal("The count must be greater than zero.")).toBe(false);
  });

  it("is described with the skew and the setting", () => {
    expect(
      describeFutureBoundRefusal(LAG, "Parameter _before cannot a be a value in the future."),
    ).toMatch(/^Clock skew: .*behind this app's by more than AZURE_SafetyLagSeconds \(60 s\)/);
  });
});
