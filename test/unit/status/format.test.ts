import { describe, expect, it } from "vitest";
import { compactCount, niceCeiling } from "../../../src/status/charts";
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatTimelinePace,
  formatWindowBounds,
  timeLeft,
} from "../../../src/status/format";
import { redactText } from "../../../src/fhir/redact";
import { jobIdOf, reportText } from "../../../src/status/redactText";

describe("status text forms", () => {
  it.each([
    [0, "under 1 s"],
    [45, "45 s"],
    [12 * 60 + 59, "12 min"],
    [3 * 3600 + 12 * 60 + 59, "3 h 12 min"],
    [3 * 3600, "3 h"],
    [2 * 86_400 + 4 * 3600 + 59 * 60, "2 d 4 h"],
  ])("formatDuration(%d) is %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("shows a window shorter than an hour to the second, without repeating its date", () => {
    expect(formatWindowBounds("2026-12-07T10:54:05.120Z", "2026-12-07T10:54:41.000Z")).toEqual([
      "2026-12-07 10:54:05",
      "10:54:41",
    ]);
  });

  it("shows a longer window to the minute", () => {
    expect(formatWindowBounds("2025-06-08T08:01:34Z", "2025-12-05T17:30:00Z")).toEqual([
      "2025-06-08 08:01",
      "2025-12-05 17:30",
    ]);
  });

  it.each([
    [0.5, "30 min"],
    [6, "6 h"],
    [84, "4 days"],
    [24 * 150, "5 months"],
    [913_389, "104 years"],
    [24 * 365.25 * 2.4, "2.4 years"],
  ])("formatTimelinePace(%d) is %s", (hoursPerHour, text) => {
    expect(formatTimelinePace(hoursPerHour)).toBe(text);
  });

  it("says less than a second is left rather than about under 1 s", () => {
    expect([timeLeft(0.4), timeLeft(90)]).toEqual(["less than a second", "about 1 min"]);
  });

  it("groups thousands whatever the locale", () => {
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });

  it("never rounds a percentage up to 100 before it is complete", () => {
    expect([formatPercent(0.999), formatPercent(1)]).toEqual(["99%", "100%"]);
  });

  it("shortens axis labels", () => {
    expect([
      compactCount(950),
      compactCount(1234),
      compactCount(25_000),
      compactCount(3_400_000),
    ]).toEqual(["950", "1.2k", "25k", "3.4M"]);
  });

  it("rounds an axis maximum up to 1, 2 or 5 times a power of ten", () => {
    expect([
      niceCeiling(0),
      niceCeiling(529),
      niceCeiling(1000),
      niceCeiling(1001),
      niceCeiling(3100),
    ]).toEqual([1, 1000, 1000, 2000, 5000]);
  });

  it.each([
    ["https://src.azurehealthcareapis.com/_operations/export/4721", "4721"],
    ["https://ws-dest.fhir.azurehealthcareapis.com/_operations/import/ab12?x=1", "ab12"],
    ["https://host/", null],
    [undefined, null],
  ])("jobIdOf(%s) is %s", (url, id) => {
    expect(jobIdOf(url)).toBe(id);
  });

  it("shows free text redacted by the one redaction module", () => {
    const text =
      "GET https://acct.blob.core.windows.net/c/b.ndjson?sv=1&sig=abc failed; AccountKey=k1; Bearer abcdefghijkl";
    expect(reportText(text)).toBe(redactText(text));
    expect(reportText(text)).not.toMatch(/abc\b|k1|abcdefghijkl/);
  });

  it("drops a stack trace and cuts long text", () => {
    expect(reportText("boom\n    at f (file.js:1:1)")).toBe("boom");
    expect(reportText("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
