import { describe, expect, it } from "vitest";
import { runFullCheckAtScale } from "../../../bench/fullCheckScale";

describe("the full check's orchestration", () => {
  it("writes one summary row per wave, the last one final, with no progress row just before it", async () => {
    // 8 units of 1,000 versions at concurrency 8: one wave.
    const run = await runFullCheckAtScale(8_000, 8, 1_000);
    expect(run.units).toBe(8);
    expect(run.wavePages).toHaveLength(1);
    expect(run.lastSummary).toMatchObject({ kind: "full", finished: true });
  });

  it("still writes a progress row after every wave but the last", async () => {
    const run = await runFullCheckAtScale(24_000, 8, 1_000);
    expect(run.units).toBeGreaterThan(16);
    expect(run.wavePages).toHaveLength(Math.ceil(run.units / 8));
  });
});
