import { describe, expect, it } from "vitest";
import { estimateSecondsToCatchUp } from "../../../src/core/eta";

const now = Date.parse("2025-01-01T01:00:00Z");

describe("estimateSecondsToCatchUp", () => {
  it("is undefined before the migration started", () => {
    expect(
      estimateSecondsToCatchUp(
        { watermark: undefined, startWatermark: undefined, startedAt: undefined },
        now,
        0,
      ),
    ).toBeUndefined();
  });

  it("is zero once the watermark reached now minus the lag", () => {
    const c = {
      watermark: "2025-01-01T00:59:00Z",
      startWatermark: "2020-01-01T00:00:00Z",
      startedAt: "2025-01-01T00:00:00Z",
    };
    expect(estimateSecondsToCatchUp(c, now, 60_000)).toBe(0);
  });

  it("extrapolates the pace so far, allowing for the source moving on", () => {
    // One hour of wall time covered 4 years; 1 year remains.
    const c = {
      watermark: "2024-01-01T01:00:00Z",
      startWatermark: "2020-01-01T01:00:00Z",
      startedAt: "2025-01-01T00:00:00Z",
    };
    const seconds = estimateSecondsToCatchUp(c, now, 0)!;
    expect(seconds).toBeGreaterThan(850);
    expect(seconds).toBeLessThan(950);
  });
});
