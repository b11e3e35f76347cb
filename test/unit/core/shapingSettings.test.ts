import { describe, expect, it } from "vitest";
import {
  describeShapingConflict,
  shapingDifferences,
  shapingFingerprint,
  shapingValues,
} from "../../../src/core/shapingSettings";
import { parseSettings } from "../../../src/config/settings";

const base = {
  AZURE_SourceUri: "http://127.0.0.1:1001",
  AZURE_DestinationUri: "http://127.0.0.1:1002",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

describe("shaping settings", () => {
  it("ignores the resource type list in system-level mode, where it has no effect", () => {
    const a = shapingValues(parseSettings({ ...base, AZURE_IsParallel: "true" }));
    const b = shapingValues(
      parseSettings({ ...base, AZURE_IsParallel: "true", AZURE_ResourceTypes: "Patient" }),
    );
    expect(shapingFingerprint(a)).toBe(shapingFingerprint(b));
  });

  it("names each differing setting with the recorded and the current value", () => {
    const recorded = shapingValues(parseSettings({ ...base, AZURE_IsParallel: "true" }));
    const current = shapingValues(
      parseSettings({ ...base, AZURE_IsParallel: "false", AZURE_ResourceTypes: "Patient" }),
    );
    expect(shapingFingerprint(recorded)).not.toBe(shapingFingerprint(current));
    const differences = shapingDifferences(recorded, current);
    expect(differences).toEqual([
      { name: "AZURE_IsParallel", recorded: "true", current: "false" },
      { name: "AZURE_ResourceTypes", recorded: "(all)", current: "Patient" },
    ]);
    expect(describeShapingConflict(differences)).toContain(
      "AZURE_IsParallel: the tables record true, this runner has false",
    );
  });

  it("treats the same type list in another order as the same", () => {
    const a = shapingValues(
      parseSettings({
        ...base,
        AZURE_IsParallel: "false",
        AZURE_ResourceTypes: "Patient,Observation",
      }),
    );
    const b = shapingValues(
      parseSettings({
        ...base,
        AZURE_IsParallel: "false",
        AZURE_ResourceTypes: "Observation,Patient",
      }),
    );
    expect(shapingDifferences(a, b)).toEqual([]);
  });

  it("notices a different source server", () => {
    const a = shapingValues(parseSettings(base));
    const b = shapingValues(parseSettings({ ...base, AZURE_SourceUri: "http://127.0.0.1:1003" }));
    expect(shapingDifferences(a, b).map((d) => d.name)).toEqual(["AZURE_SourceUri"]);
  });
});
