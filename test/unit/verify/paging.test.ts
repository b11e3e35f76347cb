import { describe, expect, it } from "vitest";
import type { Bundle, FhirClient } from "../../../src/fhir/types";
import { entryId, nextPath, resourceEntries } from "../../../src/verify/paging";

const client = (baseUrl: string) => ({ baseUrl }) as FhirClient;
const page = (next?: string): Bundle => ({
  resourceType: "Bundle",
  type: "searchset",
  link: next === undefined ? [] : [{ relation: "next", url: next }],
});

describe("nextPath", () => {
  it("turns the next link into a path relative to the base URL", () => {
    expect(
      nextPath(
        client("https://ws-fhir.fhir.azurehealthcareapis.com"),
        page("https://ws-fhir.fhir.azurehealthcareapis.com/Patient?_count=1000&ct=abc%3D"),
      ),
    ).toBe("Patient?_count=1000&ct=abc%3D");
  });

  it("keeps a base path and ignores the host's letter case", () => {
    expect(
      nextPath(
        client("https://Host.example/fhir"),
        page("https://host.example/fhir/Patient/_history?ct=1"),
      ),
    ).toBe("Patient/_history?ct=1");
  });

  it("is null on the last page", () => {
    expect(nextPath(client("https://host.example"), page())).toBeNull();
  });

  it("refuses a link to another server", () => {
    expect(() =>
      nextPath(client("https://host.example"), page("https://elsewhere.example/Patient?ct=1")),
    ).toThrow(/not under its base URL/);
  });
});

describe("entryId", () => {
  it("reads the id of a resource of the type", () => {
    expect(entryId({ resource: { resourceType: "Patient", id: "p1" } }, "Patient")).toBe("p1");
  });

  it("ignores resources of other types (the OperationOutcome of a search)", () => {
    expect(
      entryId({ resource: { resourceType: "OperationOutcome", id: "x" } }, "Patient"),
    ).toBeUndefined();
  });

  it("reads the id of a history delete without a body from its URL", () => {
    expect(entryId({ request: { method: "DELETE", url: "Patient/p2" } }, "Patient")).toBe("p2");
    expect(entryId({ fullUrl: "https://h/Patient/p3/_history/4" }, "Patient")).toBe("p3");
  });
});

describe("resourceEntries", () => {
  it("leaves out the search's outcome entry", () => {
    const bundle: Bundle = {
      resourceType: "Bundle",
      type: "searchset",
      entry: [
        { resource: { resourceType: "OperationOutcome" }, search: { mode: "outcome" } },
        { resource: { resourceType: "Patient", id: "p1" }, search: { mode: "match" } },
      ],
    };
    expect(resourceEntries(bundle).map((e) => e.resource?.id)).toEqual(["p1"]);
  });
});
