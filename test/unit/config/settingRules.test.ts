import { describe, expect, it } from "vitest";
import { IMPORT_MODE_REASON } from "../../../src/config/catalog";
import { parseSettings } from "../../../src/config/settings";
import { BASE_ENV, configurationErrorOf, issueFor, issuesWith, parseWith } from "./settingsTestEnv";

describe("AZURE_ImportMode", () => {
  it("rejects InitialLoad with the reason", () => {
    expect(issueFor({ AZURE_ImportMode: "InitialLoad" }, "AZURE_ImportMode").expected).toBe(
      IMPORT_MODE_REASON,
    );
  });

  it("explains in the error message why InitialLoad is refused", () => {
    expect(() => parseWith({ AZURE_ImportMode: "InitialLoad" })).toThrow(
      /AZURE_ImportMode: received "InitialLoad"; expected IncrementalLoad \(InitialLoad replaces versionId/,
    );
  });

  it("accepts IncrementalLoad in any letter case", () => {
    expect(parseWith({ AZURE_ImportMode: "incrementalload" }).import.mode).toBe("IncrementalLoad");
  });
});

describe("de-identified export", () => {
  const deidentified = { AZURE_IsExportDeidentified: "true", AZURE_ConfigFile: "DemoTruncate" };

  it("needs AZURE_IsParallel=true", () => {
    expect(
      issueFor({ ...deidentified, AZURE_IsParallel: "false" }, "AZURE_IsParallel").expected,
    ).toMatch(/system-level only/);
  });

  it("needs AZURE_ConfigFile", () => {
    expect(issueFor({ AZURE_IsExportDeidentified: "true" }, "AZURE_ConfigFile").expected).toMatch(
      /AZURE_IsExportDeidentified=true needs it/,
    );
  });

  it("adds .json to the config name when it is missing", () => {
    expect(parseWith(deidentified).export.anonymizationConfig).toBe("DemoTruncate.json");
  });

  it("keeps a config name that already ends in .json", () => {
    const settings = parseWith({ ...deidentified, AZURE_ConfigFile: "Demo.JSON" });
    expect(settings.export.anonymizationConfig).toBe("Demo.JSON");
  });

  it("ignores AZURE_ConfigFile when de-identified export is off", () => {
    expect(parseWith({ AZURE_ConfigFile: "Demo.json" }).export.anonymizationConfig).toBeUndefined();
  });
});

describe("client credentials for the source", () => {
  it("need tenant, client id and secret", () => {
    const names = issuesWith({ AZURE_ClientCredential: "true" }).map((i) => i.setting);
    expect(names).toEqual(["AZURE_TenantId", "AZURE_ClientId", "AZURE_ClientSecret"]);
  });

  it("report a bad tenant once, by its own check", () => {
    const issues = issuesWith({
      AZURE_ClientCredential: "true",
      AZURE_TenantId: "bad tenant!",
      AZURE_ClientId: "client",
      AZURE_ClientSecret: "a-client-secret",
    });
    expect(issues).toEqual([
      {
        setting: "AZURE_TenantId",
        received: '"bad tenant!"',
        expected: "a tenant GUID or domain",
      },
    ]);
  });

  it("authenticate the source with the client secret", () => {
    const settings = parseWith({
      AZURE_ClientCredential: "true",
      AZURE_TenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      AZURE_ClientId: "11111111-2222-3333-4444-555555555555",
      AZURE_ClientSecret: "a-client-secret",
    });
    expect(settings.source.auth).toEqual({
      kind: "clientSecret",
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      clientId: "11111111-2222-3333-4444-555555555555",
      clientSecret: "a-client-secret",
    });
  });

  it("leave the destination on the managed identity", () => {
    const settings = parseWith({
      AZURE_ClientCredential: "true",
      AZURE_TenantId: "contoso.onmicrosoft.com",
      AZURE_ClientId: "client",
      AZURE_ClientSecret: "a-client-secret",
    });
    expect(settings.destination.auth).toEqual({ kind: "managedIdentity" });
  });

  it("are not used when AZURE_ClientCredential is off", () => {
    expect(parseWith({ AZURE_ClientSecret: "unused" }).source.auth).toEqual({
      kind: "managedIdentity",
    });
  });

  it("use no authentication for a loopback emulator", () => {
    expect(parseWith({ AZURE_SourceUri: "http://127.0.0.1:4000" }).source.auth).toEqual({
      kind: "none",
    });
  });
});

describe("AZURE_SpecificRun", () => {
  it("needs both dates", () => {
    const names = issuesWith({ AZURE_SpecificRun: "true" }).map((i) => i.setting);
    expect(names).toEqual(["AZURE_StartDate", "AZURE_EndDate"]);
  });

  it("names the missing end date when only the start is set", () => {
    const issues = issuesWith({ AZURE_SpecificRun: "true", AZURE_StartDate: "2024-01-01" });
    expect(issues.map((i) => i.setting)).toEqual(["AZURE_EndDate"]);
  });

  it("runs the given range when both dates are set", () => {
    const settings = parseWith({
      AZURE_SpecificRun: "true",
      AZURE_StartDate: "2024-01-01",
      AZURE_EndDate: "2024-02-01",
    });
    expect(settings.chunking).toMatchObject({
      specificRun: true,
      startDate: "2024-01-01T00:00:00.000Z",
      endDate: "2024-02-01T00:00:00.000Z",
    });
  });
});

describe("AZURE_ChunkLimit", () => {
  it("is bound from the app setting (the original tool ignored it, W19)", () => {
    expect(parseWith({ AZURE_ChunkLimit: "250000" }).chunking.chunkLimit).toBe(250_000);
  });

  it("defaults to 100,000,000", () => {
    expect(parseWith({}).chunking.chunkLimit).toBe(100_000_000);
  });
});

describe("AZURE_MaxCount", () => {
  it("sends no _maxCount when off", () => {
    expect(parseWith({ AZURE_MaxCountValue: "500" }).export.maxCount).toBeUndefined();
  });

  it("sends AZURE_MaxCountValue when on", () => {
    expect(parseWith({ AZURE_MaxCount: "true", AZURE_MaxCountValue: "500" }).export.maxCount).toBe(
      500,
    );
  });
});

describe("storage target resolution", () => {
  const { AzureWebJobsStorage: _unused, ...noStorage } = BASE_ENV;

  it("uses the AzureWebJobsStorage connection string for tables and blobs", () => {
    expect(parseWith({}).storage).toMatchObject({
      tables: { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
      blobs: { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
    });
  });

  it("derives identity endpoints from AzureWebJobsStorage__accountName", () => {
    const storage = parseWith({
      ...noStorage,
      AzureWebJobsStorage__accountName: "migstor",
    }).storage;
    expect([storage.tables, storage.blobs]).toEqual([
      { kind: "identity", endpoint: "https://migstor.table.core.windows.net" },
      { kind: "identity", endpoint: "https://migstor.blob.core.windows.net" },
    ]);
  });

  it("prefers AZURE_StagingStorageUri and AZURE_BlobStorageUri over the app's own account", () => {
    const storage = parseWith({
      AzureWebJobsStorage__accountName: "migstor",
      AZURE_StagingStorageUri: "https://other.table.core.windows.net/",
      AZURE_BlobStorageUri: "https://other.blob.core.windows.net",
    }).storage;
    expect([storage.tables, storage.blobs]).toEqual([
      { kind: "identity", endpoint: "https://other.table.core.windows.net" },
      { kind: "identity", endpoint: "https://other.blob.core.windows.net" },
    ]);
  });

  it("rejects an environment with no storage at all, naming the accepted settings", () => {
    const error = configurationErrorOf(noStorage);
    expect(error.issues.map((i) => i.setting)).toEqual(["AzureWebJobsStorage"]);
  });

  it("rejects a table endpoint without any blob storage", () => {
    const error = configurationErrorOf({
      ...noStorage,
      AZURE_StagingStorageUri: "https://other.table.core.windows.net",
    });
    expect(error.issues[0]?.expected).toMatch(/AZURE_StagingStorageUri and AZURE_BlobStorageUri/);
  });
});

describe("Key Vault references", () => {
  it("an unresolved reference in AZURE_ClientSecret is reported, without echoing it", () => {
    const reference =
      "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/source-secret/)";
    expect(() =>
      parseSettings({
        AZURE_SourceUri: "https://src.azurehealthcareapis.com",
        AZURE_DestinationUri: "https://ws-dst.fhir.azurehealthcareapis.com",
        AzureWebJobsStorage: "UseDevelopmentStorage=true",
        AZURE_ClientCredential: "true",
        AZURE_TenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        AZURE_ClientId: "00000000-0000-0000-0000-000000000001",
        AZURE_ClientSecret: reference,
      }),
    ).toThrow(
      /AZURE_ClientSecret: received \*\*\* \(set, hidden\); expected the secret itself: this Key Vault reference was not resolved/,
    );
  });
});

describe("AZURE_ExportContainer", () => {
  it("is the _container of every export when set", () => {
    expect(parseWith({ AZURE_ExportContainer: "fhir-export" }).export.container).toBe(
      "fhir-export",
    );
  });

  it("is refused with a '..' segment, also percent-encoded, as the server refuses it", () => {
    expect(
      issueFor({ AZURE_ExportContainer: "..%2Fother" }, "AZURE_ExportContainer").expected,
    ).toMatch(/without a "\.\." path segment/);
  });

  it("is refused when Azure Storage would refuse the container name", () => {
    expect(
      issueFor({ AZURE_ExportContainer: "Fhir_Export" }, "AZURE_ExportContainer").expected,
    ).toMatch(/^a blob container name: 3-63 lowercase letters/);
  });
});
