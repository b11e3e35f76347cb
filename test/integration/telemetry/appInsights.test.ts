/**
 * The real SDK's exporter against an unreachable endpoint: it tries the network and gives up, which
 * takes seconds of real time; what is sent is checked in test/unit/telemetry/appInsights.test.ts.
 */
import { describe, expect, it } from "vitest";
import { offlineTelemetry } from "../../support/offlineTelemetry";

describe("AppInsightsTelemetry", () => {
  const make = offlineTelemetry();

  it("tracks events, metrics and exceptions and flushes with the endpoint unreachable", async () => {
    const telemetry = make();
    telemetry.trackEvent("Export", { ChunkId: "c1", TotalResources: 10, DurationSeconds: 1.5 });
    telemetry.trackMetric("JobsInFlight", 3);
    telemetry.trackException(new Error("boom"));
    await expect(telemetry.flush()).resolves.toBeUndefined();
  });
});
