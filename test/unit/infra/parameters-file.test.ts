import { describe, expect, it } from "vitest";
import { DEFAULT_PACKAGE_URI } from "../../../infra/template/parameters";
import { asObject, readJson } from "./infra-checks";

const template = readJson("infra/main.json");
const file = readJson("infra/main.parameters.json");
const declared = asObject(template.parameters, "parameters");
const given = asObject(file.parameters, "parameters");

const typeOf = (value: unknown): string =>
  typeof value === "boolean"
    ? "bool"
    : typeof value === "number"
      ? "int"
      : typeof value === "object" && value !== null
        ? "object"
        : "string";

describe("infra/main.parameters.json", () => {
  it("sets only parameters the template declares, with matching types", () => {
    const problems = Object.entries(given).flatMap(([name, entry]) => {
      const spec = declared[name];
      if (spec === undefined) return [`${name} is not a template parameter`];
      const expected = String(asObject(spec, name).type).toLowerCase();
      const actual = typeOf(asObject(entry, name).value);
      return actual === expected ? [] : [`${name}: ${actual} given, ${expected} declared`];
    });
    expect(problems).toEqual([]);
  });

  it("sets every parameter without a default", () => {
    const required = Object.entries(declared)
      .filter(([, spec]) => asObject(spec, "spec").defaultValue === undefined)
      .map(([name]) => name);
    expect(required.filter((n) => given[n] === undefined)).toEqual([]);
  });

  it("holds no secret (pass clientSecret on the command line)", () => {
    const secureNames = Object.entries(declared)
      .filter(([, spec]) => asObject(spec, "spec").type === "securestring")
      .map(([name]) => name);
    expect(secureNames.filter((n) => given[n] !== undefined)).toEqual([]);
  });

  it("leaves the package to the template, which pins its own release (docs/upgrade.md)", () => {
    // A packageUri here would override the pinned default for everyone deploying with this file.
    const packageUri = given.packageUri === undefined ? undefined : asObject(given.packageUri, "p");
    expect(packageUri === undefined || packageUri.value === DEFAULT_PACKAGE_URI).toBe(true);
    expect(JSON.stringify(file)).not.toMatch(/releases\/latest/);
  });
});
