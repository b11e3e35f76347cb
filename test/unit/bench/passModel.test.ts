import { describe, expect, it } from "vitest";
import { benchSettings } from "../../../bench/catchUp";
import { PassModel } from "../../../bench/passModel";
import { LATENCY_PROFILES, ZERO_LATENCY } from "../../../bench/requestLatency";
import { FixedServers, fixedLatencyOf } from "../../../bench/serverModel";
import { SortedVersions } from "../../../bench/versionSource";

const START = Date.parse("2025-06-02T00:00:00Z");
const DAY = 86_400_000;

/** 3,000 versions a day apart, ending a day before the start. */
function source(): SortedVersions {
  return new SortedVersions(
    Array.from({ length: 3000 }, (_, i) => ({
      atMs: START - DAY - i * 3_600_000,
      type: "Patient",
    })),
  );
}

function run(latency = ZERO_LATENCY) {
  const fixed = fixedLatencyOf({ exportPerSecond: 100, importPerSecond: 100 }, 1, 0);
  return new PassModel({
    settings: benchSettings({ AZURE_ChunkTargetResources: "1000" }),
    source: source(),
    servers: new FixedServers(fixed, 500, 5000),
    latency,
    startMs: START,
    bytesPerVersion: 500,
  }).run();
}

describe("PassModel", () => {
  it("plans windows that hold every version once and runs each through an export and an import", async () => {
    const r = await run();
    expect(r.windowVersions.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(r.exportJobs + r.selfStaged).toBe(r.windows);
    expect(r.importJobs).toBe(r.windows);
    expect(r.windows).toBeGreaterThan(1);
  });

  it("prices every request: the same plan takes longer when requests cost time", async () => {
    const free = await run();
    const slow = await run(LATENCY_PROFILES.slow);
    expect(slow.windows).toBe(free.windows);
    // At least the two message hops of each activity call come on top.
    const calls = Object.values(slow.activities).reduce((n, a) => n + a.calls, 0);
    expect(slow.catchUpMs).toBeGreaterThan(free.catchUpMs);
    expect(slow.requests.hop).toBe(2 * calls);
    expect(slow.requests.table).toBeGreaterThan(0);
    expect(slow.planningRequests).toBeGreaterThanOrEqual(2 * slow.windows);
  });
});
