import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/errors";
import { AppInsightsTelemetry } from "../../../src/telemetry/appInsights";
import { NullTelemetry, createTelemetry } from "../../../src/telemetry/createTelemetry";
import type { Telemetry } from "../../../src/telemetry/telemetry";

const OFFLINE =
  "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

describe("createTelemetry", () => {
  const created: Telemetry[] = [];
  afterEach(async () => {
    for (const t of created.splice(0)) {
      if (t instanceof AppInsightsTelemetry) await t.shutdown();
    }
  });

  it("uses Application Insights when a connection string is set", () => {
    const telemetry = createTelemetry({ connectionString: OFFLINE, debug: false });
    created.push(telemetry);
    expect(telemetry).toBeInstanceOf(AppInsightsTelemetry);
  });

  it("uses NullTelemetry when no connection string is set", () => {
    expect(createTelemetry({ connectionString: undefined, debug: false })).toBeInstanceOf(
      NullTelemetry,
    );
  });

  it("uses NullTelemetry when the connection string is blank", () => {
    expect(createTelemetry({ connectionString: "  ", debug: false })).toBeInstanceOf(NullTelemetry);
  });

  it("rejects a connection string without an instrumentation key, naming the setting", () => {
    expect(() =>
      createTelemetry({ connectionString: "IngestionEndpoint=https://x/", debug: false }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createTelemetry({ connectionString: "IngestionEndpoint=https://x/", debug: false }),
    ).toThrow(/APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });

  it("does not echo a rejected connection string", () => {
    expect(() =>
      createTelemetry({ connectionString: "IngestionEndpoint=https://secret-host/", debug: false }),
    ).not.toThrow(/secret-host/);
  });
});

describe("NullTelemetry", () => {
  it("prints events to the debug logger with string properties", () => {
    const lines: string[] = [];
    const telemetry = createTelemetry(
      { connectionString: undefined, debug: true },
      { debugLog: (line) => lines.push(line) },
    );
    telemetry.trackEvent("Watermark", { Till: "2024-01-01T00:00:00Z", ChunksCompleted: 3 });
    expect(lines).toEqual([
      'telemetry event Watermark {"Till":"2024-01-01T00:00:00Z","ChunksCompleted":"3"}',
    ]);
  });

  it("prints metrics and exceptions to the debug logger", () => {
    const lines: string[] = [];
    const telemetry = new NullTelemetry((line) => lines.push(line));
    telemetry.trackMetric("JobsInFlight", 2);
    telemetry.trackException(new TypeError("bad"));
    expect(lines).toEqual([
      "telemetry metric JobsInFlight = 2",
      "telemetry exception TypeError: bad",
    ]);
  });

  it("does nothing without a logger", async () => {
    const telemetry = new NullTelemetry();
    telemetry.trackEvent("Export", { ChunkId: "c1" });
    await expect(telemetry.flush()).resolves.toBeUndefined();
  });
});
