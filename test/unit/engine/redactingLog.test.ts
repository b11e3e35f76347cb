import { describe, expect, it } from "vitest";
import { redactingLog } from "../../../src/engine/createDeps";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";

describe("log lines and telemetry are redacted where they enter", () => {
  it("a log line loses its credentials before it is written", () => {
    const lines: string[] = [];
    redactingLog((m) => lines.push(m))("failure 1: GET https://h/x?sig=SECRET: 403");
    expect(lines).toEqual(["failure 1: GET https://h/x?sig=REDACTED: 403"]);
  });

  it("an event's string properties are redacted, numbers kept as numbers", () => {
    const telemetry = new InMemoryTelemetry();
    telemetry.trackEvent("ExportRetries", {
      Status: "MaxRetriesReached",
      MaxExportRetries: 3,
      ConfiguredLimit: 3,
      FailureReason: "client_secret=shh rejected",
      ActionRequired: "x",
    });
    expect(telemetry.events[0]?.properties).toMatchObject({
      MaxExportRetries: 3,
      FailureReason: "client_secret=REDACTED rejected",
    });
  });
});
