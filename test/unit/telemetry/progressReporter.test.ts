import { describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../../src/core/progress";
import { telemetryProgressReporter } from "../../../src/telemetry/progressReporter";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";

function pass(overrides: Partial<ProgressEvent & { kind: "pass" }> = {}): ProgressEvent {
  return {
    kind: "pass",
    at: Date.parse("2024-01-01T02:00:00Z"),
    watermark: "2024-01-01T01:58:00.000Z",
    startedAt: "2024-01-01T01:00:00.000Z",
    windows: { planned: 2, exported: 1, imported: 0 },
    resources: { imported: 600, failed: 0, remaining: 0 },
    exportsInFlight: 1,
    importsInFlight: 1,
    jobsInFlight: 3,
    estimateSeconds: undefined,
    ...overrides,
  };
}

describe("telemetryProgressReporter", () => {
  it("sends a pass as the dashboard's three metrics", () => {
    const telemetry = new InMemoryTelemetry();
    telemetryProgressReporter(telemetry).emit(pass());
    expect(telemetry.metrics).toEqual([
      { name: "JobsInFlight", value: 3 },
      { name: "LagBehindSourceSeconds", value: 120 },
      { name: "ResourcesMovedPerMinute", value: 10 },
    ]);
  });

  it("sends no lag before there is a watermark and no rate before the migration started", () => {
    const telemetry = new InMemoryTelemetry();
    telemetryProgressReporter(telemetry).emit(pass({ watermark: undefined, startedAt: undefined }));
    expect(telemetry.metrics).toEqual([{ name: "JobsInFlight", value: 3 }]);
  });

  it("sends nothing for a phase", () => {
    const telemetry = new InMemoryTelemetry();
    telemetryProgressReporter(telemetry).emit({ kind: "phase", phase: "caught-up", pass: 2 });
    expect(telemetry.metrics).toEqual([]);
  });
});
