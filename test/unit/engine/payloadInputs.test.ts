import { describe, expect, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { exportWindowOf, inputsBlobName } from "../../../src/engine/payloadInputs";

function deps(source: string, extra: Record<string, string> = {}) {
  return {
    settings: parseSettings({
      AZURE_SourceUri: source,
      AZURE_DestinationUri: "https://dest.fhir.azurehealthcareapis.com",
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      ...extra,
    }),
  };
}

const chunk = (resourceType?: string) =>
  ({
    seq: 1,
    since: "2024-01-01T00:00:00.000Z",
    till: "2024-01-02T00:00:00.000Z",
    resourceType,
  }) as ChunkRecord;

describe("exportWindowOf", () => {
  it("makes _till exclusive only for a system-level export from an AHDS FHIR service (SQL parallel)", () => {
    expect(
      exportWindowOf(deps("https://ws-fhir.fhir.azurehealthcareapis.com"), chunk()).tillInclusive,
    ).toBe(false);
  });

  it("keeps _till inclusive on Azure API for FHIR (Cosmos)", () => {
    expect(
      exportWindowOf(deps("https://apiforfhir.azurehealthcareapis.com"), chunk()).tillInclusive,
    ).toBe(true);
  });

  it("keeps _till inclusive for a per-type export (the SQL non-parallel path) and names the type", () => {
    expect(
      exportWindowOf(deps("https://ws-fhir.fhir.azurehealthcareapis.com"), chunk("Patient")),
    ).toMatchObject({
      tillInclusive: true,
      resourceType: "Patient",
    });
  });

  it("does not check lastUpdated of a de-identified export", () => {
    expect(
      exportWindowOf(
        deps("https://apiforfhir.azurehealthcareapis.com", {
          AZURE_ExportDeidentified: "true",
          AZURE_ConfigFile: "anonymization",
        }),
        chunk(),
      ).checkLastUpdated,
    ).toBe(false);
  });
});

describe("inputsBlobName", () => {
  it("sits next to the payload body", () => {
    expect(inputsBlobName("rk-00000001/import_payload_0001.json")).toBe(
      "rk-00000001/import_payload_0001.inputs.json",
    );
  });
});
