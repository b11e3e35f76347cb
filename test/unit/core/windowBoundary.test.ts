import { describe, expect, it } from "vitest";
import { cleanBoundary, MAX_BOUNDARY_PROBES } from "../../../src/core/windowBoundary";

/** Versions stamped at these milliseconds; records the milliseconds asked about. */
function stamps(...at: number[]) {
  const asked: number[] = [];
  const versionsAt = async (ms: number) => {
    asked.push(ms);
    return at.filter((t) => t === ms).length;
  };
  return { versionsAt, asked };
}

describe("cleanBoundary", () => {
  it("keeps an end whose millisecond holds no version, with one probe", async () => {
    const { versionsAt, asked } = stamps(999, 1001);
    await expect(cleanBoundary(1000, 0, 5000, versionsAt)).resolves.toEqual({
      tillMs: 1000,
      versionsAtTill: 0,
      probes: 1,
    });
    expect(asked).toEqual([1000]);
  });

  it("moves an end that holds a version to the nearest free millisecond, earlier first", async () => {
    const { versionsAt, asked } = stamps(1000, 1000, 999);
    await expect(cleanBoundary(1000, 0, 5000, versionsAt)).resolves.toEqual({
      tillMs: 1001,
      versionsAtTill: 0,
      probes: 3,
    });
    expect(asked).toEqual([1000, 999, 1001]);
  });

  it("never ends after the cap", async () => {
    const { versionsAt, asked } = stamps(5000, 4999);
    await expect(cleanBoundary(5000, 0, 5000, versionsAt)).resolves.toMatchObject({
      tillMs: 4998,
    });
    expect(asked.every((t) => t <= 5000)).toBe(true);
  });

  it("never ends at or before the window's start", async () => {
    const { versionsAt, asked } = stamps(101, 102);
    await expect(cleanBoundary(101, 100, 102, versionsAt)).resolves.toEqual({
      tillMs: 101,
      versionsAtTill: 1,
      probes: 2,
    });
    expect(asked).toEqual([101, 102]);
  });

  it("keeps the end and reports its versions when no nearby end is free", async () => {
    const busy = Array.from({ length: 100 }, (_, i) => 950 + i);
    const { versionsAt, asked } = stamps(...busy, 1000);
    await expect(cleanBoundary(1000, 0, 5000, versionsAt)).resolves.toEqual({
      tillMs: 1000,
      versionsAtTill: 2,
      probes: MAX_BOUNDARY_PROBES,
    });
    expect(asked).toHaveLength(MAX_BOUNDARY_PROBES);
  });
});
