import { describe, expect, it } from "vitest";
import {
  EXPORT_CONTAINER_RULE,
  exportContainerProblem,
  hasPathTraversal,
  unescapeDataString,
} from "../../../src/core/exportContainer";

describe("exportContainerProblem", () => {
  // The server's own cases: ExportControllerTests.cs (microsoft/fhir-server).
  it.each(["mycontainer", "my-container-2", "export2026"])("accepts %s", (name) => {
    expect(exportContainerProblem(name)).toBeUndefined();
  });

  it.each(["../secret", "..\\secret", "..%2fsecret", "..%5Csecret", "a%2F..%2Fb"])(
    "refuses the path traversal in %s, percent-decoded first as the server does",
    (name) => {
      expect(exportContainerProblem(name)).toMatch(/without a "\.\." path segment/);
    },
  );

  it.each([
    "ab",
    "a".repeat(64),
    "My-Container",
    "my--container",
    "-export",
    "export-",
    "my_container",
    "my.container",
  ])("refuses %s, which Azure Storage would refuse when the job creates it", (name) => {
    expect(exportContainerProblem(name)).toBe(EXPORT_CONTAINER_RULE);
  });
});

describe("hasPathTraversal", () => {
  it("leaves a name with two dots inside a segment alone", () => {
    expect(hasPathTraversal("my..container")).toBe(false);
  });
});

describe("unescapeDataString (Uri.UnescapeDataString)", () => {
  it("decodes valid escapes and leaves invalid ones as they are", () => {
    expect(unescapeDataString("a%2Fb%zz%")).toBe("a/b%zz%");
  });

  it("keeps a byte that is not valid UTF-8 escaped, decoding the rest", () => {
    expect(unescapeDataString("%FF%2F")).toBe("%FF/");
  });
});
