import { describe, expect, it } from "vitest";
import { issuesWith, parseWith } from "./settingsTestEnv";

describe("aliases", () => {
  it("read AZURE_StopDm as AZURE_PauseDm", () => {
    expect(parseWith({ AZURE_StopDm: "True" }).pause.enabled).toBe(true);
  });

  it("read AZURE_ExportDeidentified as AZURE_IsExportDeidentified", () => {
    const settings = parseWith({ AZURE_ExportDeidentified: "true", AZURE_ConfigFile: "Demo" });
    expect(settings.export.anonymizationConfig).toBe("Demo.json");
  });

  it("read AZURE_AppInsightConnectionstring as APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
    const settings = parseWith({
      AZURE_AppInsightConnectionstring: "InstrumentationKey=00000000-0000-0000-0000-000000000001",
    });
    expect(settings.telemetry.connectionString).toBe(
      "InstrumentationKey=00000000-0000-0000-0000-000000000001",
    );
  });

  it("accept both names when they agree", () => {
    expect(parseWith({ AZURE_PauseDm: "true", AZURE_StopDm: "true" }).pause.enabled).toBe(true);
  });

  it("treat boolean values that differ only in letter case as agreeing", () => {
    expect(parseWith({ AZURE_PauseDm: "true", AZURE_StopDm: "TRUE" }).pause.enabled).toBe(true);
  });

  it.each([
    [{ AZURE_PauseDm: "false", AZURE_StopDm: "True" }, "AZURE_PauseDm / AZURE_StopDm"],
    [{ AZURE_PauseDm: "true", AZURE_StopDm: "False" }, "AZURE_PauseDm / AZURE_StopDm"],
    [
      { AZURE_PayloadCount: "5", AZURE_PAYLOADCOUNT: "1" },
      "AZURE_PayloadCount / AZURE_PAYLOADCOUNT",
    ],
    [
      { AZURE_IsExportDeidentified: "false", AZURE_ExportDeidentified: "true" },
      "AZURE_IsExportDeidentified / AZURE_ExportDeidentified",
    ],
  ])("reject two names of one setting with different values (%j)", (env, setting) => {
    const issues = issuesWith({ AZURE_ConfigFile: "Demo.json", ...env });
    expect(issues).toEqual([expect.objectContaining({ setting })]);
    expect(issues[0]!.expected).toMatch(/^one value: these names set the same setting; set it as /);
  });

  it("name a connection string set under two names without showing either", () => {
    const issues = issuesWith({
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        "InstrumentationKey=00000000-0000-0000-0000-000000000001",
      AZURE_AppInsightConnectionstring: "InstrumentationKey=00000000-0000-0000-0000-000000000002",
    });
    expect(issues.map((i) => i.setting)).toEqual([
      "APPLICATIONINSIGHTS_CONNECTION_STRING / AZURE_AppInsightConnectionstring",
    ]);
    expect(JSON.stringify(issues)).not.toContain("InstrumentationKey=0");
  });

  it("reject two added names that disagree with each other", () => {
    expect(
      issuesWith({ AZURE_PauseDm: "false", AZURE_StopDm: "true", AZURE_STOPDM: "false" }),
    ).toEqual([
      {
        setting: "AZURE_PauseDm / AZURE_StopDm / AZURE_STOPDM",
        received: 'AZURE_PauseDm="false", AZURE_StopDm="true", AZURE_STOPDM="false"',
        expected:
          "one value: these names set the same setting; set it as AZURE_PauseDm (the name the deployment template writes) and remove the others",
      },
    ]);
  });

  it("ignore an alias set to only spaces", () => {
    expect(parseWith({ AZURE_PauseDm: "true", AZURE_StopDm: "  " }).pause.enabled).toBe(true);
  });
});

describe("letter case of setting names", () => {
  it("match a name typed in another letter case, as the original tool did", () => {
    expect(parseWith({ azure_payloadcount: "2" }).import.payloadCount).toBe(2);
  });

  it("match the original ARM template's AzureWebJobsStorage__accountname", () => {
    const settings = parseWith({
      AzureWebJobsStorage: "",
      AzureWebJobsStorage__accountname: "st1",
    });
    expect(settings.storage.tables).toEqual({
      kind: "identity",
      endpoint: "https://st1.table.core.windows.net",
    });
  });

  it("reject another spelling beside the exact canonical name when they disagree", () => {
    const issues = issuesWith({ AZURE_PayloadCount: "2", Azure_PayloadCount: "3" });
    expect(issues.map((i) => i.setting)).toEqual(["AZURE_PayloadCount / Azure_PayloadCount"]);
  });

  it("reject two other spellings of one name with different values", () => {
    const issues = issuesWith({ azure_payloadcount: "2", Azure_PayloadCount: "3" });
    expect(issues.map((i) => i.setting)).toEqual(["azure_payloadcount / Azure_PayloadCount"]);
  });
});

describe("list form AZURE_ResourceTypes__0..n", () => {
  it("reads the indexed entries in index order", () => {
    const settings = parseWith({
      AZURE_ResourceTypes__1: "Observation",
      AZURE_ResourceTypes__0: "Patient",
      AZURE_ResourceTypes__2: "Encounter",
    });
    expect(settings.export.resourceTypes).toEqual(["Patient", "Observation", "Encounter"]);
  });

  it("orders indexes numerically (10 after 9)", () => {
    const env: Record<string, string> = {};
    const types = ["Patient", "Observation", "Encounter", "Condition", "Procedure", "Claim"];
    const more = ["Device", "Location", "Practitioner", "Organization", "Coverage"];
    [...types, ...more].forEach((t, i) => (env[`AZURE_ResourceTypes__${i}`] = t));
    expect(parseWith(env).export.resourceTypes).toEqual([...types, ...more]);
  });

  it("validates each indexed entry", () => {
    const issues = issuesWith({ AZURE_ResourceTypes__0: "Patient", AZURE_ResourceTypes__1: "obs" });
    expect(issues.map((i) => i.setting)).toEqual(["AZURE_ResourceTypes"]);
  });

  it("rejects the comma form and the indexed form together", () => {
    const issues = issuesWith({
      AZURE_ResourceTypes: "Patient",
      AZURE_ResourceTypes__0: "Observation",
    });
    expect(issues[0]?.expected).toBe(
      "either AZURE_ResourceTypes (comma-separated) or AZURE_ResourceTypes__0, __1, …, not both",
    );
  });

  it("applies to AZURE_SurfaceCheckResources too", () => {
    const settings = parseWith({ AZURE_SurfaceCheckResources__0: "Patient" });
    expect(settings.verification.resourceTypes).toEqual(["Patient"]);
  });
});

describe("warnings", () => {
  it("are empty for an environment of known settings", () => {
    expect(parseWith({ AZURE_PayloadCount: "3", AZURE_StopDm: "false" }).warnings).toEqual([]);
  });

  it("say that a compatibility setting has no effect, and why", () => {
    expect(parseWith({ AZURE_QueryDeep: "Patient?_count=" }).warnings).toEqual([
      "AZURE_QueryDeep has no effect: the deep check samples every type, sized by AZURE_DeepCheckCount.",
    ]);
  });

  it("cover compatibility settings given in the original tool's __0 list form", () => {
    expect(parseWith({ AZURE_QuerySurface__0: "?_summary=Count" }).warnings).toEqual([
      expect.stringMatching(/^AZURE_QuerySurface has no effect: /),
    ]);
  });

  it("name an AZURE_ setting this tool does not know (usually a typo)", () => {
    expect(parseWith({ AZURE_ChunkLimt: "5" }).warnings).toEqual([
      "AZURE_ChunkLimt is not a setting of this tool and is ignored (check its spelling against docs/configuration.md).",
    ]);
  });

  it("leave the Azure SDK's all-capital AZURE_ variables alone", () => {
    expect(
      parseWith({ AZURE_CLIENT_ID: "x", AZURE_FUNCTIONS_ENVIRONMENT: "Development" }).warnings,
    ).toEqual([]);
  });
});
