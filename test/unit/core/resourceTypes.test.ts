import { describe, expect, it } from "vitest";
import {
  DEFAULT_MIGRATION_TYPES,
  R4_RESOURCE_TYPES,
  SEARCH_PARAMETER_TYPE,
  isR4ResourceType,
} from "../../../src/core/resourceTypes";

describe("R4_RESOURCE_TYPES", () => {
  it("lists the 146 concrete resource types of FHIR R4 4.0.1", () => {
    expect(R4_RESOURCE_TYPES).toHaveLength(146);
  });

  it("has no duplicates", () => {
    expect(new Set(R4_RESOURCE_TYPES).size).toBe(R4_RESOURCE_TYPES.length);
  });

  it("is sorted, so diffs against the specification's list stay readable", () => {
    expect([...R4_RESOURCE_TYPES].sort()).toEqual(R4_RESOURCE_TYPES);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(R4_RESOURCE_TYPES)).toBe(true);
  });

  it("keeps SearchParameter, Bundle and Parameters in the full list", () => {
    expect(R4_RESOURCE_TYPES).toEqual(
      expect.arrayContaining(["SearchParameter", "Bundle", "Parameters"]),
    );
  });
});

describe("isR4ResourceType", () => {
  it.each([
    "Patient",
    "Observation",
    "MedicationRequest",
    "SubstanceSpecification",
    "VisionPrescription",
  ])("accepts %s", (name) => {
    expect(isR4ResourceType(name)).toBe(true);
  });

  it.each([
    ["lower case", "patient"],
    ["abstract type", "DomainResource"],
    ["R5-only type", "SubscriptionTopic"],
    ["empty name", ""],
    ["padded name", " Patient"],
  ])("rejects a %s (%j)", (_label, name) => {
    expect(isR4ResourceType(name)).toBe(false);
  });
});

describe("DEFAULT_MIGRATION_TYPES", () => {
  it("excludes SearchParameter", () => {
    expect(DEFAULT_MIGRATION_TYPES).not.toContain(SEARCH_PARAMETER_TYPE);
  });

  it("holds every other R4 type, in the same order", () => {
    expect(DEFAULT_MIGRATION_TYPES).toEqual(
      R4_RESOURCE_TYPES.filter((name) => name !== "SearchParameter"),
    );
    expect(DEFAULT_MIGRATION_TYPES).toHaveLength(145);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(DEFAULT_MIGRATION_TYPES)).toBe(true);
  });
});
