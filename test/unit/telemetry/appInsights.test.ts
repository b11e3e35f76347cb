import { TelemetryClient } from "applicationinsights";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stringifyProperties } from "../../../src/telemetry/appInsights";
import { offlineTelemetry } from "../../support/offlineTelemetry";

describe("AppInsightsTelemetry", () => {
  const make = offlineTelemetry();

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sends event properties as strings", () => {
    const trackEvent = vi
      .spyOn(TelemetryClient.prototype, "trackEvent")
      .mockImplementation(() => {});
    make().trackEvent("Import", { PayloadId: "p1", TotalImportResources: 42, Attempt: 2 });
    expect(trackEvent).toHaveBeenCalledWith({
      name: "Import",
      properties: { PayloadId: "p1", TotalImportResources: "42", Attempt: "2" },
    });
  });

  it("sends the metric name and value", () => {
    const trackMetric = vi
      .spyOn(TelemetryClient.prototype, "trackMetric")
      .mockImplementation(() => {});
    make().trackMetric("LagBehindSourceSeconds", 120);
    expect(trackMetric).toHaveBeenCalledWith({ name: "LagBehindSourceSeconds", value: 120 });
  });

  it("sends the exception", () => {
    const trackException = vi
      .spyOn(TelemetryClient.prototype, "trackException")
      .mockImplementation(() => {});
    const error = new Error("import failed");
    make().trackException(error);
    expect(trackException).toHaveBeenCalledWith({
      exception: expect.objectContaining({ name: "Error", message: "import failed" }),
    });
  });

  it("redacts credentials in the exception before sending", () => {
    const trackException = vi
      .spyOn(TelemetryClient.prototype, "trackException")
      .mockImplementation(() => {});
    make().trackException(new Error("GET https://h/x?sig=SECRET failed"));
    const sent =
      JSON.stringify(trackException.mock.calls[0]![0]) +
      String((trackException.mock.calls[0]![0] as { exception: Error }).exception.stack);
    expect(sent).not.toMatch(/SECRET/);
  });
});

describe("stringifyProperties", () => {
  it("redacts credential-like values where they enter telemetry", () => {
    expect(
      stringifyProperties({ FailureReason: "AccountKey=abc==; read https://a/b?sig=s failed" }),
    ).toEqual({ FailureReason: "AccountKey=REDACTED; read https://a/b?sig=REDACTED failed" });
  });

  it("turns numbers and booleans into strings and leaves out undefined", () => {
    expect(stringifyProperties({ a: "x", b: 0, c: false, d: undefined })).toEqual({
      a: "x",
      b: "0",
      c: "false",
    });
  });
});
