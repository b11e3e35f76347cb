import { describe, expect, it } from "vitest";
import { parseInstantText } from "../../../src/core/instant";

const INSTANT = { dateOnly: false, fractionDigits: 3 };

describe("parseInstantText", () => {
  it("reads an instant with Z or an offset", () => {
    expect(parseInstantText("2026-12-03T10:30:00Z", INSTANT)).toBe(
      Date.parse("2026-12-03T10:30:00Z"),
    );
    expect(parseInstantText("2026-12-03T11:30:00.5+01:00", INSTANT)).toBe(
      Date.parse("2026-12-03T10:30:00.500Z"),
    );
  });

  it("reads a plain date as midnight UTC only when the form allows it", () => {
    expect(parseInstantText("2024-01-31", { dateOnly: true, fractionDigits: 3 })).toBe(
      Date.parse("2024-01-31T00:00:00Z"),
    );
    expect(parseInstantText("2024-01-31", INSTANT)).toBeUndefined();
  });

  it.each([
    "2026-02-30T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-12-00T00:00:00Z",
    "2026-12-03T24:00:00Z",
    "2026-12-03T10:60:00Z",
    "2026-12-03T10:00:60Z",
    "2026-12-03T10:00:00+24:00",
    "2026-12-03T10:00:00+01:60",
    "2026-12-03T10:00:00",
    "2026-12-03T10:00:00.1234Z",
  ])("refuses %s instead of rolling it over", (text) => {
    expect(parseInstantText(text, INSTANT)).toBeUndefined();
  });

  it("accepts a leap day and keeps years below 100 as written", () => {
    expect(parseInstantText("2028-02-29T00:00:00Z", INSTANT)).toBe(
      Date.parse("2028-02-29T00:00:00Z"),
    );
    expect(new Date(parseInstantText("0050-01-01T00:00:00Z", INSTANT)!).toISOString()).toBe(
      "0050-01-01T00:00:00.000Z",
    );
  });
});
