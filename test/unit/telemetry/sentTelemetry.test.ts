import { describe, expect, it } from "vitest";
import { TELEMETRY_EVENTS } from "../../../src/telemetry/events";
import { analyzeSentTelemetry, sentPropertyNames, sentPropertyValues } from "./sentTelemetry";

const sent = analyzeSentTelemetry();

describe("the telemetry the code sends", () => {
  it("is read from every trackEvent call (none is built where the reader cannot follow it)", () => {
    expect(sent.problems).toEqual([]);
  });

  it("is exactly what src/telemetry/events.ts declares, event by event", () => {
    const declared = Object.fromEntries(
      Object.entries(TELEMETRY_EVENTS).map(([event, props]) => [event, [...props].sort()]),
    );
    const actual = Object.fromEntries(
      Object.entries(sentPropertyNames(sent)).map(([event, props]) => [event, props.sort()]),
    );
    expect(actual).toEqual(declared);
  });

  it("gives the export and import status values the activities send", () => {
    const values = sentPropertyValues(sent);
    expect(
      [values.Export?.ExportStatus, values.Import?.ImportStatus].map((v) =>
        v === "any" ? v : [...(v ?? [])].sort(),
      ),
    ).toEqual([
      ["Completed", "Failed", "Started"],
      ["Completed", "Failed", "Started"],
    ]);
  });
});
