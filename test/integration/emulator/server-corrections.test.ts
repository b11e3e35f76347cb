/**
 * Conformance of behaviours a second reading of microsoft/fhir-server corrected; each case cites
 * the server code (and its E2E or unit test where one exists).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions, FhirEmulator } from "../../../emulator";
import {
  call,
  diagnostics,
  IMPORT_HEADERS,
  importBody,
  kickOffExport,
  manualClock,
  ndjsonLines,
  readBlobUrl,
  startEmulator,
  uniqueName,
  uploadNdjson,
} from "./helpers";

let emu: FhirEmulator;
afterEach(async () => {
  await emu.close();
});

async function start(options: Partial<EmulatorOptions> = {}): Promise<FhirEmulator> {
  emu = await startEmulator({
    clock: manualClock(Date.parse("2024-06-01T00:00:00.000Z")),
    ...options,
  });
  return emu;
}

/** src/Microsoft.Health.Fhir.Tests.Common/TestFiles/Normative/PatientWithUnknownElements.json */
const PATIENT_WITH_UNKNOWN_ELEMENTS = {
  resourceType: "Patient",
  id: "unknown-elements",
  identifier: [{ system: "http:/example.org/fhir/ids", value: "234234" }],
  active: true,
  name1: [{ use1: "official", family: "Chalmers", given: ["Peter", "James"] }],
  gender: "male",
  birthDate: "1974-12-25",
};

/** src/Microsoft.Health.Fhir.Tests.Common/TestFiles/Normative/ObservationWithInvalidStatus.json */
const OBSERVATION_WITH_INVALID_STATUS = {
  resourceType: "Observation",
  id: "2c46f396-61d2-471f-ba07-15fcb6ae80de",
  meta: { versionId: "1", lastUpdated: "2017-09-08T17:17:56.566+00:00" },
  status: "this_is_invalid",
};

async function importErrors(lines: string[], type: string): Promise<string[]> {
  const url = await uploadNdjson(uniqueName("corr"), `${type}.ndjson`, lines);
  const kick = await call(emu, "POST", "/$import", {
    headers: IMPORT_HEADERS,
    body: importBody([{ type, url }]),
  });
  const r = await call(
    emu,
    "GET",
    (kick.headers.get("content-location") ?? "").slice(emu.baseUrl.length),
  );
  expect(r.status).toBe(200);
  const out: string[] = [];
  for (const e of r.json.error)
    out.push(...ndjsonLines(await readBlobUrl(e.url)).map((l) => l.issue[0].details.text));
  return out;
}

// FhirModule.cs registers FhirJsonParser without AcceptUnknownMembers or AllowUnrecognizedEnums;
// FhirJsonInputFormatterTests.GivenAResourceWithUnknownElements_WhenParsing_ThenFirstErrorShouldBeAddedToModelState
// and GivenAnInvalidModel_WhenParsing_ThenAnErrorShouldBeAddedToModelState; the import parses the
// same way (FirelyImportResourceParser.Parse, ImportResourceLoader.cs error line).
describe("resources the server's parser refuses", () => {
  for (const flavour of ["apiForFhir", "ahds"] as const) {
    it(`${flavour}: a REST write with an unknown element is a 400 parsing error naming it`, async () => {
      await start({ flavour });
      const r = await call(emu, "PUT", "/Patient/unknown-elements", {
        body: PATIENT_WITH_UNKNOWN_ELEMENTS,
      });
      expect(r.status).toBe(400);
      expect(diagnostics(r)).toMatch(/^Error occurred when parsing model: '.*'name1'.*'\.$/);
    });

    it(`${flavour}: a REST write with a code outside the required binding is a 400 naming it`, async () => {
      await start({ flavour });
      const r = await call(emu, "POST", "/Observation", { body: OBSERVATION_WITH_INVALID_STATUS });
      expect(r.status).toBe(400);
      expect(diagnostics(r)).toContain("'this_is_invalid'");
    });
  }

  it("an import line with an unknown element or an invalid code is an error line; the rest imports", async () => {
    await start({ flavour: "ahds" });
    const ok = {
      resourceType: "Observation",
      id: "ok",
      meta: { versionId: "1", lastUpdated: "2023-01-01T00:00:00Z" },
      status: "final",
      code: { text: "x" },
    };
    const errors = await importErrors(
      [JSON.stringify(ok), JSON.stringify(OBSERVATION_WITH_INVALID_STATUS)],
      "Observation",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("'this_is_invalid'");
    expect(emu.store.read("Observation", "ok")).toBeDefined();
    const patients = await importErrors([JSON.stringify(PATIENT_WITH_UNKNOWN_ELEMENTS)], "Patient");
    expect(patients[0]).toContain("'name1'");
  });

  it("a batch entry is parsed leniently (FhirJsonInputFormatter.cs: AcceptUnknownMembers for a bundle posted to the root)", async () => {
    await start({ flavour: "ahds" });
    const r = await call(emu, "POST", "/", {
      body: {
        resourceType: "Bundle",
        type: "batch",
        entry: [
          {
            resource: PATIENT_WITH_UNKNOWN_ELEMENTS,
            request: { method: "PUT", url: "Patient/unknown-elements" },
          },
        ],
      },
    });
    expect(r.json.entry.map((e: any) => e.response.status)).toEqual(["201"]);
  });
});

describe("lastUpdated", () => {
  // RemoveTrailingZerosFromMillisecondsForAGivenDate (SqlServerFhirDataStore.cs, CosmosFhirDataStore.cs).
  it("is written without the fraction's trailing zeros, and without a fraction on a whole second", async () => {
    await start();
    const clock = manualClock(Date.parse("2024-06-01T00:00:00.000Z"));
    await emu.close();
    emu = await startEmulator({ clock });
    const whole = emu.store.create({ resourceType: "Patient", id: "w" });
    clock.advance(120);
    const tenths = emu.store.create({ resourceType: "Patient", id: "t" });
    clock.advance(3);
    const ms = emu.store.create({ resourceType: "Patient", id: "m" });
    expect([whole.lastUpdated, tenths.lastUpdated, ms.lastUpdated]).toEqual([
      "2024-06-01T00:00:00+00:00",
      "2024-06-01T00:00:00.12+00:00",
      "2024-06-01T00:00:00.123+00:00",
    ]);
    expect((await call(emu, "GET", "/Patient/t")).json.meta.lastUpdated).toBe(
      "2024-06-01T00:00:00.12+00:00",
    );
  });

  // SqlServerFhirDataStore.MergeInternalAsync stamps from the surrogate id (80,000 to a ms);
  // ResourceWrapper.cs stamps Cosmos writes with Clock.UtcNow.
  for (const flavour of ["apiForFhir", "ahds"] as const) {
    it(`${flavour}: two API writes can share a millisecond`, async () => {
      await start({ flavour });
      await call(emu, "PUT", "/Patient/s", { body: { resourceType: "Patient", id: "s" } });
      emu.store.shareNextStamps(1);
      await call(emu, "PUT", "/Patient/s", {
        body: { resourceType: "Patient", id: "s", active: true },
      });
      const [v1, v2] = emu.store.history("Patient", "s");
      expect(v1?.lastUpdatedMs).toBe(v2?.lastUpdatedMs);
      expect([v1?.version, v2?.version]).toEqual([1, 2]);
    });
  }

  // SqlServerFhirDataStore.ImportResourcesAsync groups inputs by (type, id, lastUpdated) and keeps
  // the highest version; the others are errors with Resources.FailedToImportDuplicate.
  it("an import of two versions stamped in one millisecond keeps the higher and reports the other as a duplicate line", async () => {
    await start({ flavour: "ahds" });
    const at = "2023-01-01T00:00:00.5+00:00";
    const line = (v: string, active: boolean) =>
      JSON.stringify({
        resourceType: "Patient",
        id: "d",
        meta: { versionId: v, lastUpdated: at },
        active,
      });
    expect(await importErrors([line("1", false), line("2", true)], "Patient")).toEqual([
      "Failed to import duplicate resource, resource id: d, line: 1",
    ]);
    expect(emu.store.history("Patient", "d").map((v) => v.version)).toEqual([2]);
  });
});

describe("search and export parameters", () => {
  // ExportController.cs validates only the route's type; `_type` values are not checked at kick-off.
  it("$export?_type=NotAType is accepted at kick-off", async () => {
    await start();
    await expect(kickOffExport(emu, "/$export?_type=NotAType")).resolves.toMatch(
      /^\/_operations\/export\/\d+$/,
    );
  });

  // SearchService.SearchHistoryAsync: a positive _count is used, _summary=count only without one.
  it("_history with _summary=count and _count>0: _count wins, a page of entries and no total", async () => {
    await start();
    for (const id of ["a", "b", "c"]) emu.store.create({ resourceType: "Patient", id });
    const r = await call(emu, "GET", "/Patient/_history?_summary=count&_count=2");
    expect(r.status).toBe(200);
    expect(r.json.total).toBeUndefined();
    expect(r.json.entry).toHaveLength(2);
  });

  // SearchOptionsFactory.cs reads _elements into SearchParams.Elements; with a _summary other
  // than false it is a 400 (Core resx ElementsAndSummaryParametersAreIncompatible).
  it("_elements is supported: no not-supported warning, only the named elements (and id, meta)", async () => {
    await start();
    emu.store.create({ resourceType: "Patient", id: "e", active: true, gender: "male" });
    const r = await call(emu, "GET", "/Patient?_elements=gender");
    const entries = r.json.entry ?? [];
    expect(entries.filter((e: any) => e.search?.mode === "outcome")).toEqual([]);
    expect(Object.keys(entries[0].resource).sort()).toEqual([
      "gender",
      "id",
      "meta",
      "resourceType",
    ]);
    const both = await call(emu, "GET", "/Patient?_elements=gender&_summary=true");
    expect(both.status).toBe(400);
  });
});
