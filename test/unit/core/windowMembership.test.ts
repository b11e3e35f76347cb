import { describe, expect, it } from "vitest";
import type { ExportWindow } from "../../../src/core/windowMembership";
import { checkExportLine } from "../../../src/core/windowMembership";

const window: ExportWindow = {
  since: "2024-01-01T00:00:00.000Z",
  till: "2024-01-02T00:00:00.000Z",
  tillInclusive: true,
};

function line(lastUpdated: string | undefined, type = "Patient", id: string | null = "p1") {
  return JSON.stringify({
    resourceType: type,
    ...(id === null ? {} : { id }),
    meta: lastUpdated === undefined ? {} : { versionId: "1", lastUpdated },
  });
}

describe("checkExportLine", () => {
  it("accepts a version inside the window", () => {
    expect(checkExportLine(line("2024-01-01T12:00:00+00:00"), "Patient", window)).toEqual({
      belongs: true,
    });
  });

  it("accepts a version at since (inclusive)", () => {
    expect(checkExportLine(line("2024-01-01T00:00:00.000Z"), "Patient", window).belongs).toBe(true);
  });

  it("accepts a version stamped exactly till when till is inclusive (Cosmos, SQL non-parallel)", () => {
    expect(checkExportLine(line("2024-01-02T00:00:00.000Z"), "Patient", window).belongs).toBe(true);
  });

  it("refuses a version stamped exactly till when till is exclusive (SQL parallel)", () => {
    const check = checkExportLine(line("2024-01-02T00:00:00.000Z"), "Patient", {
      ...window,
      tillInclusive: false,
    });
    expect(check).toMatchObject({ belongs: false, id: "p1", resourceType: "Patient" });
  });

  it("refuses a version before since, naming its lastUpdated and the window", () => {
    expect(checkExportLine(line("2023-12-31T23:59:59.999Z"), "Patient", window)).toEqual({
      belongs: false,
      resourceType: "Patient",
      id: "p1",
      reason:
        "Version lastUpdated 2023-12-31T23:59:59.999Z is outside the exported window [2024-01-01T00:00:00.000Z, 2024-01-02T00:00:00.000Z]",
    });
  });

  it("refuses a line whose type differs from the file's declared type", () => {
    expect(
      checkExportLine(line("2024-01-01T12:00:00Z", "Observation"), "Patient", window),
    ).toMatchObject({
      belongs: false,
      reason: expect.stringMatching(/type Observation in a file declared as Patient/) as unknown,
    });
  });

  it("refuses a type other than the chunk's in per-type mode", () => {
    expect(
      checkExportLine(line("2024-01-01T12:00:00Z", "Observation"), "Observation", {
        ...window,
        resourceType: "Patient",
      }),
    ).toMatchObject({
      belongs: false,
      reason: expect.stringMatching(/exported for Patient only/) as unknown,
    });
  });

  it("refuses a line without id or lastUpdated", () => {
    expect(
      checkExportLine(line("2024-01-01T12:00:00Z", "Patient", null), "Patient", window),
    ).toMatchObject({ belongs: false, reason: "Export line has no id" });
    expect(checkExportLine(line(undefined), "Patient", window)).toMatchObject({
      belongs: false,
      reason: "Export line has no valid meta.lastUpdated",
    });
  });

  it("checks only type and id of a de-identified export, whose dates may be shifted", () => {
    const deidentified = { ...window, checkLastUpdated: false };
    expect(checkExportLine(line("2001-01-01T00:00:00Z"), "Patient", deidentified).belongs).toBe(
      true,
    );
    expect(
      checkExportLine(line("2001-01-01T00:00:00Z", "Patient", null), "Patient", deidentified)
        .belongs,
    ).toBe(false);
  });

  it("refuses a line that is not JSON", () => {
    expect(checkExportLine("{not json", "Patient", window)).toMatchObject({
      belongs: false,
      id: "(unknown)",
    });
  });
});
