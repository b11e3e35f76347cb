import { describe, expect, it } from "vitest";
import { parseWith, issueFor, issuesWith } from "./settingsTestEnv";

describe("boolean settings", () => {
  it.each(["true", "TRUE", "True", " true "])("accept %j as true", (value) => {
    expect(parseWith({ AZURE_PauseDm: value }).pause.enabled).toBe(true);
  });

  it.each(["false", "FALSE", "False"])("accept %j as false", (value) => {
    expect(parseWith({ AZURE_IsParallel: value }).export.isParallel).toBe(false);
  });

  it.each(["yes", "1", "on", "tru"])("reject %j, naming the accepted values", (value) => {
    expect(issueFor({ AZURE_PauseDm: value }, "AZURE_PauseDm").expected).toBe("true or false");
  });
});

describe("integer settings", () => {
  it.each([
    ["AZURE_StartTime", "0"],
    ["AZURE_StartTime", "23"],
    ["AZURE_EndTime", "0"],
    ["AZURE_EndTime", "23"],
    ["AZURE_MaxCountValue", "1"],
    ["AZURE_MaxCountValue", "10000"],
    ["AZURE_FileCount", "1"],
    ["AZURE_FileCount", "10000"],
    ["AZURE_PayloadCount", "1"],
    ["AZURE_PayloadCount", "5"],
  ])("accept %s=%s (inside the range)", (name, value) => {
    expect(() => parseWith({ [name]: value })).not.toThrow();
  });

  it.each([
    ["AZURE_StartTime", "24", "a whole number from 0 to 23"],
    ["AZURE_StartTime", "-1", "a whole number from 0 to 23"],
    ["AZURE_EndTime", "24", "a whole number from 0 to 23"],
    ["AZURE_MaxCountValue", "0", "a whole number from 1 to 10000"],
    ["AZURE_MaxCountValue", "10001", "a whole number from 1 to 10000"],
    ["AZURE_FileCount", "0", "a whole number from 1 to 10000"],
    ["AZURE_FileCount", "10001", "a whole number from 1 to 10000"],
    ["AZURE_PayloadCount", "0", "a whole number from 1 to 5"],
    ["AZURE_PayloadCount", "6", "a whole number from 1 to 5"],
  ])("reject %s=%s, naming the range", (name, value, expected) => {
    expect(issueFor({ [name]: value }, name).expected).toBe(expected);
  });

  it.each(["1.5", "five", "5x", "0x5", "1e1"])("reject the non-integer %j", (value) => {
    expect(issueFor({ AZURE_PayloadCount: value }, "AZURE_PayloadCount").received).toBe(
      JSON.stringify(value),
    );
  });

  it("trims surrounding spaces", () => {
    expect(parseWith({ AZURE_PayloadCount: " 3 " }).import.payloadCount).toBe(3);
  });

  it("uses the pause hours as given", () => {
    const settings = parseWith({ AZURE_StartTime: "22", AZURE_EndTime: "6" });
    expect([settings.pause.startHour, settings.pause.endHour]).toEqual([22, 6]);
  });
});

describe("decimal number settings", () => {
  it("accept fractions of a minute for AZURE_ScheduleInterval", () => {
    expect(parseWith({ AZURE_ScheduleInterval: "0.25" }).schedule.pollIntervalMs).toBe(15_000);
  });

  it.each(["0x10", "1e1", "Infinity", "1,5"])("reject %j (only plain decimals)", (value) => {
    expect(issueFor({ AZURE_WaitForRetry: value }, "AZURE_WaitForRetry").expected).toBe(
      "a number from 0.01 to 300",
    );
  });

  it("reject a value below the minimum", () => {
    expect(issuesWith({ AZURE_ScheduleInterval: "0" }).map((i) => i.setting)).toEqual([
      "AZURE_ScheduleInterval",
    ]);
  });
});

describe("enum AZURE_ExportChunkDuration", () => {
  it.each([
    ["days", "Days"],
    ["HOURS", "Hours"],
    ["minutes", "Minutes"],
  ])("accepts %j in any letter case as %s", (value, unit) => {
    expect(parseWith({ AZURE_ExportChunkDuration: value }).chunking.unit).toBe(unit);
  });

  it("rejects an unknown unit, listing the accepted ones", () => {
    expect(
      issueFor({ AZURE_ExportChunkDuration: "Weeks" }, "AZURE_ExportChunkDuration").expected,
    ).toBe("one of Days, Hours, Minutes (any letter case)");
  });

  it("accepts a value typed with quotes, as the original documentation showed it", () => {
    expect(parseWith({ AZURE_ExportChunkDuration: '"Hours"' }).chunking.unit).toBe("Hours");
  });

  it("accepts a quoted whole number and boolean the same way", () => {
    const settings = parseWith({ AZURE_ExportChunkTime: '"30"', AZURE_MaxCount: '"true"' });
    expect([settings.chunking.parallelChunkLength, settings.export.maxCount]).toEqual([30, 10000]);
  });

  it("keeps the quotes of a text setting, where they may be part of the value", () => {
    expect(parseWith({ AZURE_UserAgent: '"agent"' }).http.userAgent).toBe('"agent"');
  });

  it("rejects a value with an unbalanced quote", () => {
    expect(issuesWith({ AZURE_ExportChunkDuration: '"Days' }).map((i) => i.setting)).toEqual([
      "AZURE_ExportChunkDuration",
    ]);
  });
});

describe("URL settings", () => {
  it("accept https and drop a trailing slash", () => {
    expect(parseWith({ AZURE_SourceUri: "https://src.example.com/" }).source.baseUrl).toBe(
      "https://src.example.com",
    );
  });

  it("keep a base path", () => {
    expect(parseWith({ AZURE_SourceUri: "https://gw.example.com/fhir/" }).source.baseUrl).toBe(
      "https://gw.example.com/fhir",
    );
  });

  it.each(["http://localhost:8080", "http://127.0.0.1:9000", "http://[::1]:7000"])(
    "accept loopback http %s",
    (url) => {
      expect(parseWith({ AZURE_DestinationUri: url }).destination.baseUrl).toBe(url);
    },
  );

  it.each([
    "http://fhir.example.com",
    "ftp://fhir.example.com",
    "fhir.example.com",
    "not a url",
    "https://fhir.example.com/?token=abc",
    "https://user:pw@fhir.example.com",
  ])("reject %j, naming what is accepted", (url) => {
    expect(issueFor({ AZURE_SourceUri: url }, "AZURE_SourceUri").expected).toMatch(
      /^an absolute https URL/,
    );
  });

  it("reject a missing required URL, saying it is required", () => {
    expect(issueFor({ AZURE_DestinationUri: "" }, "AZURE_DestinationUri").expected).toMatch(
      /\(required\)$/,
    );
  });
});

describe("date settings", () => {
  it("read a date without a time as midnight UTC", () => {
    expect(parseWith({ AZURE_StartDate: "2024-01-31" }).chunking.startDate).toBe(
      "2024-01-31T00:00:00.000Z",
    );
  });

  it("normalise an instant with an offset to UTC", () => {
    expect(parseWith({ AZURE_StartDate: "2024-01-31T02:00:00+02:00" }).chunking.startDate).toBe(
      "2024-01-31T00:00:00.000Z",
    );
  });

  it.each([
    "2024-01-31T10:00:00",
    "31/01/2024",
    "2024-02-30",
    "2023-02-29T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2024-01-31T24:00:00Z",
    "2024-01-31T23:59:60Z",
    "2024-01-31T10:00:00+25:00",
    "2024-13-01",
    "yesterday",
  ])("reject %j", (value) => {
    expect(issueFor({ AZURE_StartDate: value }, "AZURE_StartDate").expected).toMatch(
      /^an ISO 8601 date or UTC instant/,
    );
  });

  it("accept a leap day", () => {
    expect(parseWith({ AZURE_StartDate: "2024-02-29" }).chunking.startDate).toBe(
      "2024-02-29T00:00:00.000Z",
    );
  });

  it("reject AZURE_EndDate equal to AZURE_StartDate", () => {
    const env = { AZURE_StartDate: "2024-01-01", AZURE_EndDate: "2024-01-01T00:00:00Z" };
    expect(issueFor(env, "AZURE_EndDate").expected).toBe(
      "an instant after AZURE_StartDate (2024-01-01T00:00:00.000Z)",
    );
  });

  it("reject AZURE_EndDate before AZURE_StartDate", () => {
    const env = { AZURE_StartDate: "2024-06-01", AZURE_EndDate: "2024-01-01" };
    expect(issuesWith(env).map((i) => i.setting)).toEqual(["AZURE_EndDate"]);
  });

  it("accept AZURE_StartDate before AZURE_EndDate", () => {
    const settings = parseWith({ AZURE_StartDate: "2024-01-01", AZURE_EndDate: "2024-06-01" });
    expect(settings.chunking.endDate).toBe("2024-06-01T00:00:00.000Z");
  });
});

describe("cron setting MigrationStarterCron", () => {
  it("accepts six fields", () => {
    expect(parseWith({ MigrationStarterCron: "0 */15 * * * *" }).schedule.cron).toBe(
      "0 */15 * * * *",
    );
  });

  it("rejects five fields (the Unix form without seconds)", () => {
    expect(issueFor({ MigrationStarterCron: "*/5 * * * *" }, "MigrationStarterCron").expected).toBe(
      "a six-field NCRONTAB expression, e.g. 0 */5 * * * *",
    );
  });

  it("rejects seven fields", () => {
    expect(issuesWith({ MigrationStarterCron: "0 0 */5 * * * *" }).map((i) => i.setting)).toEqual([
      "MigrationStarterCron",
    ]);
  });
});

describe("list settings", () => {
  it("split a comma-separated list and trim the items", () => {
    expect(
      parseWith({ AZURE_ResourceTypes: "Patient, Observation ,Encounter" }).export.resourceTypes,
    ).toEqual(["Patient", "Observation", "Encounter"]);
  });

  it("reject an item that is not a resource type name", () => {
    expect(
      issueFor(
        { AZURE_SurfaceCheckResources: "Patient,observation" },
        "AZURE_SurfaceCheckResources",
      ).expected,
    ).toBe("a comma-separated list of FHIR resource type names");
  });

  it("reject SearchParameter in AZURE_ResourceTypes with the reason", () => {
    expect(
      issueFor({ AZURE_ResourceTypes: "Patient,SearchParameter" }, "AZURE_ResourceTypes").expected,
    ).toMatch(/\$import rejects it/);
  });

  it("read an empty list as every type", () => {
    expect(parseWith({}).export.resourceTypes).toEqual([]);
  });
});

describe("string settings with a pattern", () => {
  it("reject a table name that Azure Table Storage would refuse", () => {
    expect(issueFor({ AZURE_ChunkTableName: "chunk-table" }, "AZURE_ChunkTableName").expected).toBe(
      "3-63 letters or digits, starting with a letter",
    );
  });

  it("reject a partition key with a character Table Storage forbids in keys", () => {
    expect(issuesWith({ AZURE_PartitionKey: "a/b" }).map((i) => i.setting)).toEqual([
      "AZURE_PartitionKey",
    ]);
  });
});
