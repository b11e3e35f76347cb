import { describe, expect, it } from "vitest";
import {
  describePauseWindow,
  isPaused,
  nextPauseStart,
  pauseEndsAt,
} from "../../../src/core/pauseWindow";

const at = (iso: string): Date => new Date(iso);

describe("isPaused", () => {
  describe("start 8, end 17 (same day)", () => {
    it.each([
      ["2024-03-05T07:59:59.999Z", false],
      ["2024-03-05T08:00:00.000Z", true],
      ["2024-03-05T12:30:00.000Z", true],
      ["2024-03-05T16:59:59.999Z", true],
      ["2024-03-05T17:00:00.000Z", false],
      ["2024-03-05T17:29:59.999Z", false],
      ["2024-03-05T07:00:00.000Z", false],
      ["2024-03-05T00:00:00.000Z", false],
      ["2024-03-05T23:59:59.999Z", false],
    ])("%s -> %s", (iso, expected) => {
      expect(isPaused(at(iso), 8, 17)).toBe(expected);
    });
  });

  describe("start 22, end 6 (wraps past midnight)", () => {
    it.each([
      ["2024-03-05T21:59:59.999Z", false],
      ["2024-03-05T22:00:00.000Z", true],
      ["2024-03-05T23:59:59.999Z", true],
      ["2024-03-06T00:00:00.000Z", true],
      ["2024-03-06T05:59:59.999Z", true],
      ["2024-03-06T06:00:00.000Z", false],
      ["2024-03-06T12:00:00.000Z", false],
    ])("%s -> %s", (iso, expected) => {
      expect(isPaused(at(iso), 22, 6)).toBe(expected);
    });
  });

  describe("start 0, end 1 and start 23, end 0 (edge hours)", () => {
    it.each([
      [0, 1, "2024-03-05T23:59:59.999Z", false],
      [0, 1, "2024-03-05T00:00:00.000Z", true],
      [0, 1, "2024-03-05T00:59:59.999Z", true],
      [0, 1, "2024-03-05T01:00:00.000Z", false],
      [23, 0, "2024-03-05T22:59:59.999Z", false],
      [23, 0, "2024-03-05T23:00:00.000Z", true],
      [23, 0, "2024-03-05T23:59:59.999Z", true],
      [23, 0, "2024-03-06T00:00:00.000Z", false],
    ])("start %i end %i at %s -> %s", (start, end, iso, expected) => {
      expect(isPaused(at(iso), start, end)).toBe(expected);
    });
  });

  it.each([0, 8, 23])("never pauses when start and end are both %i", (hour) => {
    for (let h = 0; h < 24; h += 1) {
      const instant = new Date(Date.UTC(2024, 2, 5, h, 0, 0, 0));
      expect(isPaused(instant, hour, hour)).toBe(false);
      expect(isPaused(new Date(instant.getTime() - 1), hour, hour)).toBe(false);
    }
  });

  it("reads the UTC hour, not the local one (the offset in the input is irrelevant)", () => {
    expect(isPaused(at("2024-03-05T09:00:00.000+02:00"), 8, 17)).toBe(false);
    expect(isPaused(at("2024-03-05T10:00:00.000+02:00"), 8, 17)).toBe(true);
  });

  it.each([
    [-1, 17, "AZURE_StartTime: received -1"],
    [24, 17, "AZURE_StartTime: received 24"],
    [8.5, 17, "AZURE_StartTime: received 8.5"],
    [8, 24, "AZURE_EndTime: received 24"],
    [8, Number.NaN, "AZURE_EndTime: received NaN"],
  ])("rejects start %s end %s", (start, end, message) => {
    expect(() => isPaused(at("2024-03-05T08:00:00.000Z"), start, end)).toThrow(message);
  });

  it("rejects an invalid Date", () => {
    expect(() => isPaused(new Date("not a date"), 8, 17)).toThrow("invalid Date");
  });
});

describe("pauseEndsAt", () => {
  it.each([
    [8, 17, "2024-03-05T08:00:00.000Z", "2024-03-05T17:00:00.000Z"],
    [8, 17, "2024-03-05T16:59:59.999Z", "2024-03-05T17:00:00.000Z"],
    [22, 6, "2024-03-05T22:00:00.000Z", "2024-03-06T06:00:00.000Z"],
    [22, 6, "2024-03-05T23:59:59.999Z", "2024-03-06T06:00:00.000Z"],
    [22, 6, "2024-03-06T00:00:00.000Z", "2024-03-06T06:00:00.000Z"],
    [22, 6, "2024-03-06T05:59:59.999Z", "2024-03-06T06:00:00.000Z"],
    [23, 0, "2024-12-31T23:30:00.000Z", "2025-01-01T00:00:00.000Z"],
    [8, 17, "2024-02-29T10:00:00.000Z", "2024-02-29T17:00:00.000Z"],
  ])("start %i end %i at %s -> %s", (start, end, iso, expected) => {
    expect(pauseEndsAt(at(iso), start, end)?.toISOString()).toBe(expected);
  });

  it.each([
    [8, 17, "2024-03-05T07:59:59.999Z"],
    [8, 17, "2024-03-05T17:00:00.000Z"],
    [22, 6, "2024-03-06T06:00:00.000Z"],
    [22, 6, "2024-03-05T21:59:59.999Z"],
    [8, 8, "2024-03-05T08:00:00.000Z"],
  ])("start %i end %i at %s -> undefined (not paused)", (start, end, iso) => {
    expect(pauseEndsAt(at(iso), start, end)).toBeUndefined();
  });
});

describe("nextPauseStart", () => {
  it.each([
    [8, 17, "2024-03-05T07:59:59.999Z", "2024-03-05T08:00:00.000Z"],
    [8, 17, "2024-03-05T00:00:00.000Z", "2024-03-05T08:00:00.000Z"],
    [8, 17, "2024-03-05T17:00:00.000Z", "2024-03-06T08:00:00.000Z"],
    // While paused, the next pause is tomorrow's, not the one in progress.
    [8, 17, "2024-03-05T08:00:00.000Z", "2024-03-06T08:00:00.000Z"],
    [22, 6, "2024-03-05T21:59:59.999Z", "2024-03-05T22:00:00.000Z"],
    [22, 6, "2024-03-06T06:00:00.000Z", "2024-03-06T22:00:00.000Z"],
    [22, 6, "2024-03-06T02:00:00.000Z", "2024-03-06T22:00:00.000Z"],
    [0, 6, "2024-12-31T12:00:00.000Z", "2025-01-01T00:00:00.000Z"],
  ])("start %i end %i at %s -> %s", (start, end, iso, expected) => {
    expect(nextPauseStart(at(iso), start, end)?.toISOString()).toBe(expected);
  });

  it("is undefined when start equals end (never paused)", () => {
    expect(nextPauseStart(at("2024-03-05T07:59:59.999Z"), 8, 8)).toBeUndefined();
  });

  it("rejects an hour outside 0-23", () => {
    expect(() => nextPauseStart(at("2024-03-05T07:00:00.000Z"), 8, 25)).toThrow(
      "AZURE_EndTime: received 25; expected a whole UTC hour from 0 to 23",
    );
  });
});

describe("describePauseWindow", () => {
  it.each([
    [8, 17, "08:00-17:00 UTC"],
    [22, 6, "22:00-06:00 UTC (wraps past midnight)"],
    [5, 5, "never (start hour equals end hour)"],
  ])("start %i end %i -> %s", (start, end, expected) => {
    expect(describePauseWindow(start, end)).toBe(expected);
  });
});
