import { describe, expect, it, vi } from "vitest";
import { SETTINGS } from "../../../src/config/catalog";
import { describeEffectiveSettings, maskValue, parseSettings } from "../../../src/config/settings";
import { ConfigurationError } from "../../../src/errors";
import { BASE_ENV, configurationErrorOf, issueFor, parseWith } from "./settingsTestEnv";

describe("parseSettings", () => {
  it("accepts the minimal environment with every other setting at its default", () => {
    const settings = parseSettings(BASE_ENV);
    expect(settings).toMatchObject({
      http: { userAgent: "fhir-migrate", timeoutMs: 100_000 },
      chunking: { unit: "Days", parallelChunkLength: 30, safetyLagMs: 60_000 },
      export: { isParallel: true, withHistory: true, withDelete: true, maxInFlight: 4 },
      import: { mode: "IncrementalLoad", fileCount: 10_000, payloadCount: 5 },
      schedule: { cron: "0 */5 * * * *", pollIntervalMs: 30_000, idlePollMs: 60_000 },
      pause: { enabled: false, startHour: 8, endHour: 17 },
      failure: { haltEnabled: true, maxConsecutiveFailures: 5 },
      verification: { deepCheckCount: 100, concurrency: 8 },
      telemetry: { connectionString: undefined, debug: false },
    });
  });

  it("treats an empty value as not set", () => {
    expect(parseWith({ AZURE_PayloadCount: "" }).import.payloadCount).toBe(5);
  });

  it("returns a deeply frozen object", () => {
    const settings = parseSettings(BASE_ENV);
    expect([
      Object.isFrozen(settings),
      Object.isFrozen(settings.import),
      Object.isFrozen(settings.source.auth),
      Object.isFrozen(settings.export.resourceTypes),
      Object.isFrozen(settings.warnings),
    ]).toEqual([true, true, true, true, true]);
  });

  it("refuses changes to the result", () => {
    const settings = parseSettings(BASE_ENV);
    expect(() => {
      (settings.import as { payloadCount: number }).payloadCount = 1;
    }).toThrow(TypeError);
  });

  it("reads only the environment it is given, not process.env", () => {
    for (const [name, value] of Object.entries(BASE_ENV)) vi.stubEnv(name, value);
    try {
      expect(() => parseSettings({})).toThrow(ConfigurationError);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("the configuration error", () => {
  const bad = {
    ...BASE_ENV,
    AZURE_PayloadCount: "9",
    AZURE_ExportChunkDuration: "Weeks",
    AZURE_SourceUri: "http://source.example.com",
    MigrationStarterCron: "*/5 * * * *",
  };

  it("lists every bad setting at once", () => {
    expect(
      configurationErrorOf(bad)
        .issues.map((i) => i.setting)
        .sort(),
    ).toEqual([
      "AZURE_ExportChunkDuration",
      "AZURE_PayloadCount",
      "AZURE_SourceUri",
      "MigrationStarterCron",
    ]);
  });

  it("names each bad setting, what was received and what is accepted in its message", () => {
    const message = configurationErrorOf(bad).message;
    expect(message.split("\n")).toEqual(
      expect.arrayContaining([
        "Invalid settings (4):",
        '  - AZURE_PayloadCount: received "9"; expected a whole number from 1 to 5',
        '  - AZURE_ExportChunkDuration: received "Weeks"; expected one of Days, Hours, Minutes (any letter case)',
      ]),
    );
  });

  it("is a ConfigurationError", () => {
    expect(() => parseSettings(bad)).toThrow(ConfigurationError);
  });

  it("never shows a secret value", () => {
    const error = configurationErrorOf({
      ...BASE_ENV,
      AZURE_AppInsightConnectionstring: "InstrumentationKey=secret-one",
      APPLICATIONINSIGHTS_connection_string: "InstrumentationKey=secret-two",
    });
    expect(error.message).not.toMatch(/secret-one|secret-two/);
  });

  it("shows a masked secret instead", () => {
    const issue = issueFor(
      { AZUREWEBJOBSSTORAGE: "AccountKey=k1", azurewebjobsstorage: "AccountKey=k2" },
      "AzureWebJobsStorage / AZUREWEBJOBSSTORAGE / azurewebjobsstorage",
    );
    expect(issue.received).toBe(
      "AzureWebJobsStorage=*** (set, hidden), AZUREWEBJOBSSTORAGE=*** (set, hidden), azurewebjobsstorage=*** (set, hidden)",
    );
  });

  it("does not show a SAS token pasted into a URL setting", () => {
    const error = configurationErrorOf({
      ...BASE_ENV,
      AZURE_BlobStorageUri: "https://st.blob.core.windows.net/?sv=2022&sig=SIGNATURE",
    });
    expect(error.message).not.toContain("SIGNATURE");
  });
});

describe("maskValue", () => {
  it("hides a secret completely", () => {
    expect(maskValue("AZURE_ClientSecret", "abc")).toBe("*** (set, hidden)");
  });

  it("hides a secret set under an alias name", () => {
    expect(maskValue("AZURE_AppInsightConnectionstring", "InstrumentationKey=x")).toBe(
      "*** (set, hidden)",
    );
  });

  it("quotes a value that is not secret", () => {
    expect(maskValue("AZURE_PayloadCount", "5")).toBe('"5"');
  });

  it("shows an empty value as (empty)", () => {
    expect(maskValue("AZURE_ClientSecret", "")).toBe("(empty)");
  });

  it("redacts credential-like query values and drops user info of a URL", () => {
    expect(maskValue("AZURE_SourceUri", "https://u:p@h.example/?code=1")).toBe(
      '"https://h.example/?code=REDACTED"',
    );
  });
});

describe("describeEffectiveSettings", () => {
  const rows = (extra: Record<string, string>) =>
    describeEffectiveSettings({ ...BASE_ENV, ...extra });
  const row = (extra: Record<string, string>, name: string) =>
    rows(extra).find((r) => r.name === name);

  it("lists every catalog setting in catalog order", () => {
    expect(rows({}).map((r) => r.name)).toEqual(SETTINGS.map((s) => s.name));
  });

  it("marks a setting that is not given as default, with the default value", () => {
    expect(row({}, "AZURE_PayloadCount")).toMatchObject({
      value: '"5"',
      text: "5",
      source: "default",
    });
  });

  it("marks a given setting as set", () => {
    expect(row({ AZURE_PayloadCount: "3" }, "AZURE_PayloadCount")).toMatchObject({
      text: "3",
      source: "set",
    });
  });

  it("counts a value given under an alias as set", () => {
    expect(row({ AZURE_StopDm: "true" }, "AZURE_PauseDm")).toMatchObject({
      text: "true",
      source: "set",
    });
  });

  it("masks secrets in both the display and the plain text", () => {
    expect(row({ AZURE_ClientSecret: "hunter2" }, "AZURE_ClientSecret")).toEqual({
      name: "AZURE_ClientSecret",
      group: "Authentication",
      value: "*** (set, hidden)",
      text: "***",
      secret: true,
      source: "set",
      given: true,
      setAs: undefined,
    });
  });

  it("shows an empty secret as empty", () => {
    expect(row({}, "AZURE_ClientSecret")).toMatchObject({ value: "(empty)", text: "" });
  });
});
