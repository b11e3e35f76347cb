import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, diagnostics, EXPORT_HEADERS, startEmulator } from "./helpers";

describe("emulator: $export kick-off", () => {
  let emu: FhirEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ flavour: "apiForFhir" });
  });
  afterAll(async () => {
    await emu.close();
  });

  const kickOff = (query: string, headers: Record<string, string> = EXPORT_HEADERS) =>
    call(emu, "GET", `/$export${query}`, { headers });
  const rejected = async (query: string, headers?: Record<string, string>): Promise<string> => {
    const r = await kickOff(query, headers);
    expect(r.status).toBe(400);
    return diagnostics(r);
  };

  it("answers 202 with an empty body and Content-Location {base}/_operations/export/{integer}", async () => {
    const r = await kickOff("");
    expect(r.status).toBe(202);
    expect(r.text).toBe("");
    expect(r.headers.get("content-location")).toMatch(
      new RegExp(`^${emu.baseUrl}/_operations/export/\\d+$`),
    );
  });

  it("creates a new job for every identical request", async () => {
    const a = await kickOff("?_type=Patient");
    const b = await kickOff("?_type=Patient");
    expect(a.headers.get("content-location")).not.toBe(b.headers.get("content-location"));
  });

  it("requires Accept to be exactly application/fhir+json", async () => {
    expect(await rejected("", { Accept: "application/json", Prefer: "respond-async" })).toBe(
      'Value supplied, application/json,  for the "Accept" header is not supported.',
    );
  });

  it("a missing Prefer header is 400 'Missing required header; Prefer'", async () => {
    expect(await rejected("", { Accept: "application/fhir+json" })).toBe(
      "Missing required header; Prefer",
    );
  });

  it("a Prefer without respond-async is 400", async () => {
    expect(
      await rejected("", { Accept: "application/fhir+json", Prefer: "handling=lenient" }),
    ).toBe("Missing required header value; header=Prefer,value=respond-async.");
  });

  it("an unknown Prefer token is 400", async () => {
    expect(
      await rejected("", { Accept: "application/fhir+json", Prefer: "respond-async, wait=10" }),
    ).toBe('Value supplied, wait=10,  for the "Prefer" header is not supported.');
  });

  it("only GET is routed", async () => {
    expect(
      (await call(emu, "POST", "/$export", { headers: EXPORT_HEADERS, body: {} })).status,
    ).toBe(405);
  });

  it("a query parameter outside the allow-list is 400", async () => {
    expect(await rejected("?_until=2024-01-01")).toBe('The "_until" parameter is not supported.');
    expect(await rejected("?_elements=id")).toBe('The "_elements" parameter is not supported.');
  });

  it("_outputFormat accepts the three ndjson names only", async () => {
    expect((await kickOff("?_outputFormat=application/fhir%2Bndjson")).status).toBe(202);
    expect(await rejected("?_outputFormat=text/csv")).toBe(
      "The output format 'text/csv' is not supported.",
    );
  });

  it("_maxCount must be within 1..10000", async () => {
    expect((await kickOff("?_maxCount=10000")).status).toBe(202);
    expect(await rejected("?_maxCount=10001")).toBe(
      "Export operation parameter 'MaximumNumberOfResourcesPerQuery' was out of the range of valid values. Please specify a different value within a range '1' - '10000'.",
    );
  });

  it("includeAssociatedData accepts only _history and _deleted", async () => {
    expect((await kickOff("?includeAssociatedData=_history,_deleted")).status).toBe(202);
    expect(await rejected("?includeAssociatedData=LatestProvenanceResources")).toBe(
      'The export parameter "includeAssociatedData" contains an invalid value. Supported values are: LatestProvenanceResources. ',
    );
  });

  it("_typeFilter requires _type", async () => {
    expect(await rejected("?_typeFilter=Patient%3F_id%3Da")).toBe(
      "The _type parameter must be included when using the _typeFilter parameter.",
    );
  });

  it("_typeFilter cannot be combined with includeAssociatedData", async () => {
    expect(
      await rejected("?_type=Patient&_typeFilter=Patient%3F_id%3Da&includeAssociatedData=_history"),
    ).toBe(
      'The request "_typeFilter" cannot be used with an export request with historical or soft deleted resources.',
    );
  });

  it("a _typeFilter segment without '?' is unparseable", async () => {
    expect(await rejected("?_type=Patient&_typeFilter=Patient")).toBe(
      "The _typeFilter segment 'Patient' could not be parsed.",
    );
  });

  it("an unknown _typeFilter search parameter is 400 unless Prefer: handling=lenient", async () => {
    expect(await rejected("?_type=Patient&_typeFilter=Patient%3Fnickname%3Dx")).toBe(
      "1 invalid search parameter(s) found:\n[type: Patient, parameter: nickname]",
    );
    const lenient = await kickOff("?_type=Patient&_typeFilter=Patient%3Fnickname%3Dx", {
      Accept: "application/fhir+json",
      Prefer: "respond-async, handling=lenient",
    });
    expect(lenient.status).toBe(202);
  });

  it("_anonymizationConfig requires _container", async () => {
    expect(await rejected("?_anonymizationConfig=config.json")).toBe(
      "Missing '_container' for anonymized export",
    );
  });

  it("_container with a '..' segment is rejected as path traversal", async () => {
    expect(await rejected("?_container=../other")).toBe(
      "The value '../other' is not valid. Path traversal characters are not allowed.",
    );
  });

  it("_container with a percent-encoded '..' segment is rejected too (decoded again, as the server does)", async () => {
    expect(await rejected("?_container=..%252fother")).toBe(
      "The value '..%2fother' is not valid. Path traversal characters are not allowed.",
    );
  });

  it("/{type}/$export is only routed for Patient; /Group/{id}/$export for Group", async () => {
    expect((await call(emu, "GET", "/Patient/$export", { headers: EXPORT_HEADERS })).status).toBe(
      202,
    );
    expect((await call(emu, "GET", "/Group/g-1/$export", { headers: EXPORT_HEADERS })).status).toBe(
      202,
    );
    const other = await call(emu, "GET", "/Observation/$export", { headers: EXPORT_HEADERS });
    expect(other.status).toBe(400);
    expect(diagnostics(other)).toBe(
      "Requested operation does not support resource type: Observation.",
    );
  });
});
