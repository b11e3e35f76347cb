import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const host = JSON.parse(readFileSync(resolve(__dirname, "../../../host.json"), "utf8")) as {
  version?: unknown;
  functionTimeout?: unknown;
  extensionBundle?: { id?: unknown; version?: unknown };
  logging?: { logLevel?: Record<string, unknown> };
  extensions?: {
    durableTask?: {
      hubName?: unknown;
      extendedSessionsEnabled?: unknown;
      storageProvider?: { maxQueuePollingInterval?: unknown };
    };
  };
};

/** "hh:mm:ss" (the host's TimeSpan form) in seconds, or NaN for anything else. */
function seconds(value: unknown): number {
  const m = typeof value === "string" ? /^(\d{2}):([0-5]\d):([0-5]\d)$/.exec(value) : null;
  return m === null ? Number.NaN : Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

const LOG_LEVELS = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"];

describe("host.json", () => {
  it("uses the Functions host v2 schema", () => {
    expect(host.version).toBe("2.0");
  });

  it("uses extension bundle 4.x, which the durable-functions v3 package needs", () => {
    expect(host.extensionBundle).toEqual({
      id: "Microsoft.Azure.Functions.ExtensionBundle",
      version: "[4.*, 5.0.0)",
    });
  });

  it("sets functionTimeout as hh:mm:ss", () => {
    expect(seconds(host.functionTimeout)).not.toBeNaN();
  });

  it("keeps functionTimeout within the Consumption plan's 10-minute maximum", () => {
    expect(seconds(host.functionTimeout)).toBeLessThanOrEqual(600);
  });

  it("names the task hub FhirMigrate", () => {
    expect(host.extensions?.durableTask?.hubName).toBe("FhirMigrate");
  });

  it("gives the task hub a valid name (3-45 letters or digits, starting with a letter)", () => {
    expect(String(host.extensions?.durableTask?.hubName)).toMatch(/^[A-Za-z][A-Za-z0-9]{2,44}$/);
  });

  it("turns extended sessions off", () => {
    expect(host.extensions?.durableTask?.extendedSessionsEnabled).toBe(false);
  });

  it("polls the task hub queues at least every 30 seconds when idle", () => {
    const interval = seconds(
      host.extensions?.durableTask?.storageProvider?.maxQueuePollingInterval,
    );
    expect(interval > 0 && interval <= 30).toBe(true);
  });

  it("sets the log levels of the function, host results and Durable Task categories", () => {
    expect(host.logging?.logLevel).toMatchObject({
      Function: "Information",
      "Host.Results": "Error",
      "DurableTask.AzureStorage": "Warning",
      "DurableTask.Core": "Warning",
    });
  });

  it.each(Object.entries(host.logging?.logLevel ?? {}))(
    "uses a valid log level for %s",
    (_category, level) => {
      expect(LOG_LEVELS).toContain(level);
    },
  );
});
