/**
 * The real SDK's exporter against an unreachable endpoint: it tries the network and gives up, which
 * takes seconds of real time; what is sent is checked in test/unit/telemetry/appInsights.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AppInsightsTelemetry } from "../../../src/telemetry/appInsights";

/** Points at a closed local port: nothing leaves the machine and nothing is listening. */
const OFFLINE =
  "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

describe("AppInsightsTelemetry", () => {
  const created: AppInsightsTelemetry[] = [];
  const make = () => {
    const telemetry = new AppInsightsTelemetry(OFFLINE);
    created.push(telemetry);
    return telemetry;
  };

  afterEach(async () => {
    await Promise.all(created.splice(0).map((t) => t.shutdown()));
  });

  it("tracks events, metrics and exceptions and flushes with the endpoint unreachable", async () => {
    const telemetry = make();
    telemetry.trackEvent("Export", { ChunkId: "c1", TotalResources: 10, DurationSeconds: 1.5 });
    telemetry.trackMetric("JobsInFlight", 3);
    telemetry.trackException(new Error("boom"), { ChunkId: "c1" });
    await expect(telemetry.flush()).resolves.toBeUndefined();
  });
});
