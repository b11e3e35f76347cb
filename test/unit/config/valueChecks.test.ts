import { describe, expect, it } from "vitest";
import {
  appInsightsConnectionStringProblem,
  closestResourceType,
  cronProblem,
  storageConnectionStringProblem,
} from "../../../src/config/valueChecks";
import { issueFor, parseWith } from "./settingsTestEnv";

const KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const AI = "InstrumentationKey=00000000-0000-0000-0000-000000000000";

describe("AZURE_UserAgent", () => {
  it("refuses a line break, which would split the User-Agent header", () => {
    expect(issueFor({ AZURE_UserAgent: "tool\r\nX-Evil: 1" }, "AZURE_UserAgent").expected).toMatch(
      /no carriage return or line feed/,
    );
  });

  it("refuses non-ASCII, which Node's HTTP client refuses in a header", () => {
    expect(issueFor({ AZURE_UserAgent: "migración" }, "AZURE_UserAgent").expected).toMatch(
      /printable ASCII/,
    );
  });

  it("accepts printable ASCII", () => {
    expect(parseWith({ AZURE_UserAgent: "contoso-migrate/1.0 (ops)" }).http.userAgent).toBe(
      "contoso-migrate/1.0 (ops)",
    );
  });
});

describe("AZURE_PartitionKey and AZURE_RowKey", () => {
  it.each(["AZURE_PartitionKey", "AZURE_RowKey"])("%s refuses a control character", (setting) => {
    expect(issueFor({ [setting]: "a\u0001b" }, setting).expected).toMatch(/control characters/);
  });

  it.each(["AZURE_PartitionKey", "AZURE_RowKey"])("%s refuses / \\ # ?", (setting) => {
    expect(issueFor({ [setting]: "a/b" }, setting).expected).toMatch(/without \/ \\ # \?/);
  });
});

describe("resource type names", () => {
  it.each(["AZURE_ResourceTypes", "AZURE_SurfaceCheckResources"])(
    "%s refuses a name that is not an R4 type, with a did-you-mean",
    (setting) => {
      expect(
        issueFor({ [setting]: "Patient,Patiens", AZURE_IsParallel: "false" }, setting).expected,
      ).toMatch(/not R4 types: Patiens \(did you mean Patient\?\)/);
    },
  );

  it("suggests by letter case and by spelling, and nothing for a name far from any type", () => {
    expect([
      closestResourceType("PATIENT"),
      closestResourceType("Obsrvation"),
      closestResourceType("Zzzzzzzz"),
    ]).toEqual(["Patient", "Observation", undefined]);
  });
});

describe("storage connection strings", () => {
  it.each([
    ["UseDevelopmentStorage=true"],
    [
      `DefaultEndpointsProtocol=https;AccountName=acct01;AccountKey=${KEY};EndpointSuffix=core.windows.net`,
    ],
    [
      `BlobEndpoint=http://127.0.0.1:10000/a;TableEndpoint=http://127.0.0.1:10002/a;AccountName=devstoreaccount1;AccountKey=${KEY}`,
    ],
    [
      "BlobEndpoint=https://a.blob.core.windows.net;TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=1&sig=x",
    ],
  ])("accepts %s", (value) => {
    expect(storageConnectionStringProblem(value)).toBeUndefined();
  });

  it.each([
    ["not a connection string", /no "Key="/],
    [`AccountName=acct01;AcountKey=${KEY}`, /unknown key acountkey/],
    [`AccountName=Acct_01;AccountKey=${KEY}`, /AccountName: 3 to 24 lowercase/],
    ["AccountName=acct01", /AccountKey=\.\.\. or SharedAccessSignature/],
    ["AccountName=acct01;AccountKey=not base64!", /AccountKey as base64/],
    [`AccountKey=${KEY}`, /AccountName=\.\.\., or both BlobEndpoint/],
    [`AccountName=acct01;AccountKey=${KEY};BlobEndpoint=blob`, /BlobEndpoint as an http\(s\) URL/],
  ])("refuses %s", (value, message) => {
    expect(storageConnectionStringProblem(value)).toMatch(message);
  });

  it("names the setting in the error and never echoes the key", () => {
    const issue = issueFor(
      { AzureWebJobsStorage: `AccountName=acct01;AccountKey=${KEY};x` },
      "AzureWebJobsStorage",
    );
    expect(JSON.stringify(issue)).not.toContain(KEY);
  });

  it("checks AZURE_StagingStorageConnectionString too", () => {
    expect(
      issueFor(
        { AZURE_StagingStorageConnectionString: "AccountName=a" },
        "AZURE_StagingStorageConnectionString",
      ).expected,
    ).toMatch(/storage connection string/);
  });
});

describe("APPLICATIONINSIGHTS_CONNECTION_STRING", () => {
  it("accepts the portal's form", () => {
    expect(
      appInsightsConnectionStringProblem(
        `${AI};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;ApplicationId=x`,
      ),
    ).toBeUndefined();
  });

  it.each([
    ["InstrumentationKey=abc", /InstrumentationKey=<GUID>/],
    [`${AI};IngestionEndpoint=westeurope`, /Endpoint as an http\(s\) URL/],
    ["just text", /no "Key="/],
  ])("refuses %s", (value, message) => {
    expect(appInsightsConnectionStringProblem(value)).toMatch(message);
  });

  it("is checked at start-up, not first when telemetry is created", () => {
    expect(
      issueFor(
        { APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=abc" },
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
      ).expected,
    ).toMatch(/Overview page/);
  });
});

describe("storage account names", () => {
  it.each(["AzureWebJobsStorage__accountName", "AZURE_stagingStorageAccountName"])(
    "%s must be 3-24 lowercase letters and digits",
    (setting) => {
      expect(issueFor({ [setting]: "My-Account" }, setting).expected).toMatch(/3 to 24 lowercase/);
    },
  );
});

describe("MigrationStarterCron (six-field NCRONTAB)", () => {
  it.each(["0 */5 * * * *", "0 0 8-17 * * MON-FRI", "30 15 2 1,15 JAN *", "0 0 0 * * 0"])(
    "accepts %s",
    (value) => {
      expect(cronProblem(value)).toBeUndefined();
    },
  );

  it.each([
    ["*/5 * * * *", /received 5 fields/],
    ["0 61 * * * *", /minute 0-59/],
    ["0 0 24 * * *", /hour 0-23/],
    ["0 0 0 0 * *", /day of month 1-31/],
    ["0 0 0 * 13 *", /month 1-12/],
    ["0 0 0 * * 7", /day of week 0-6/],
    ["0 */0 * * * *", /minute/],
    ["0 10-5 * * * *", /minute/],
    ["0 0 0 ? * *", /day of month/],
  ])("refuses %s", (value, message) => {
    expect(cronProblem(value)).toMatch(message);
  });

  it("is refused by name at start-up", () => {
    expect(
      issueFor({ MigrationStarterCron: "0 0 25 * * *" }, "MigrationStarterCron").expected,
    ).toMatch(/NCRONTAB/);
  });
});

describe("source and destination", () => {
  it("refuses the same server as both (an error, not a warning)", () => {
    expect(
      issueFor(
        {
          AZURE_SourceUri: "https://ws-dest.fhir.azurehealthcareapis.com",
          AZURE_DestinationUri: "https://WS-DEST.fhir.azurehealthcareapis.com/",
        },
        "AZURE_DestinationUri",
      ).expected,
    ).toMatch(/different server from AZURE_SourceUri/);
  });
});

describe("warnings for settings without effect or contradicting each other", () => {
  const warned = (env: Record<string, string>, pattern: RegExp) =>
    expect(parseWith(env).warnings.filter((w) => pattern.test(w))).toHaveLength(1);

  it("AZURE_EndDate without AZURE_SpecificRun", () => {
    warned(
      { AZURE_EndDate: "2025-01-01" },
      /^AZURE_EndDate has no effect without AZURE_SpecificRun/,
    );
  });

  it("a pause window of zero length", () => {
    warned(
      { AZURE_PauseDm: "true", AZURE_StartTime: "9", AZURE_EndTime: "9" },
      /pause window of zero length/,
    );
  });

  it("AZURE_ClientSecret without AZURE_ClientCredential", () => {
    warned({ AZURE_ClientSecret: "s" }, /^AZURE_ClientSecret has no effect/);
  });

  it("AZURE_MaxCountValue without AZURE_MaxCount", () => {
    warned({ AZURE_MaxCountValue: "1000" }, /^AZURE_MaxCountValue has no effect/);
  });

  it("AZURE_ResourceTypes with AZURE_IsParallel=true", () => {
    warned(
      { AZURE_ResourceTypes: "Patient", AZURE_IsParallel: "true" },
      /^AZURE_ResourceTypes has no effect/,
    );
  });

  it("a retry budget below the request timeout", () => {
    warned(
      { AZURE_RetryMaxSeconds: "60", AZURE_HttpTimeoutSeconds: "100" },
      /below AZURE_HttpTimeoutSeconds/,
    );
  });

  it("none for the defaults", () => {
    expect(parseWith({}).warnings).toEqual([]);
  });
});
