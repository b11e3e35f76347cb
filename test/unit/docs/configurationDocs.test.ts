import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../../src/config/catalog";
import { parseSettings } from "../../../src/config/settings";
import { ConfigurationError } from "../../../src/errors";
import {
  CONFIGURATION_DOC_PATH,
  SAMPLE_SETTINGS_PATH,
  renderConfigurationDoc,
  renderSampleSettings,
} from "../../../scripts/configDocs";

const ROOT = resolve(__dirname, "../../..");
const doc = readFileSync(resolve(ROOT, CONFIGURATION_DOC_PATH), "utf8");
const sampleText = readFileSync(resolve(ROOT, SAMPLE_SETTINGS_PATH), "utf8");
const sample = JSON.parse(sampleText) as { IsEncrypted: unknown; Values: Record<string, string> };

/** The Markdown table row that documents a setting (its name in backticks in the first cell). */
function rowOf(name: string): string | undefined {
  return doc.split("\n").find((line) => line.startsWith(`| \`${name}\``));
}

const REGENERATE = "out of date: run npm run docs:config";

describe("docs/configuration.md", () => {
  it.each(SETTINGS.map((s) => [s.name, s]))("documents %s in a table row", (name) => {
    expect(rowOf(name)).toBeDefined();
  });

  it.each(SETTINGS.map((s) => [s.name, s]))("shows the default of %s", (_name, spec) => {
    const expected =
      spec.required === true ? "required" : spec.default === "" ? "(empty)" : `\`${spec.default}\``;
    expect(rowOf(spec.name)?.split(" | ")[1]).toBe(expected);
  });

  it.each(SETTINGS.flatMap((s) => (s.aliases ?? []).map((a) => [a, s.name])))(
    "names the alias %s of %s",
    (alias, name) => {
      expect(rowOf(name)).toContain(`alias \`${alias}\``);
    },
  );

  it.each(SETTINGS.filter((s) => s.ignoredBecause !== undefined).map((s) => [s.name, s]))(
    "says why %s has no effect",
    (_name, spec) => {
      expect(rowOf(spec.name)).toContain(spec.ignoredBecause);
    },
  );

  it.each(SETTINGS.filter((s) => s.added === true).map((s) => [s.name]))(
    "lists %s as new in this project",
    (name) => {
      const section = doc.slice(doc.indexOf("## New in this project"), doc.indexOf("## Changed"));
      expect(section).toContain(`- \`${name}\``);
    },
  );

  it.each(SETTINGS.filter((s) => s.secret === true).map((s) => [s.name]))(
    "lists %s as a secret",
    (name) => {
      const section = doc.slice(doc.indexOf("## Secrets"), doc.indexOf("## New in this project"));
      expect(section).toContain(`- \`${name}\``);
    },
  );

  it("explains Key Vault references for secrets", () => {
    expect(doc).toContain("@Microsoft.KeyVault(SecretUri=");
  });

  it("is what the catalog renders (regenerate it after changing the catalog)", () => {
    expect(doc === renderConfigurationDoc(), REGENERATE).toBe(true);
  });
});

describe("local.settings.sample.json", () => {
  const catalogNames = SETTINGS.map((s) => s.name);

  it("is in the local.settings.json format", () => {
    expect(sample.IsEncrypted).toBe(false);
  });

  it("holds exactly the catalog's settings plus FUNCTIONS_WORKER_RUNTIME, in catalog order", () => {
    expect(Object.keys(sample.Values)).toEqual(["FUNCTIONS_WORKER_RUNTIME", ...catalogNames]);
  });

  it("runs the Node.js worker against the local storage emulator", () => {
    expect([sample.Values.FUNCTIONS_WORKER_RUNTIME, sample.Values.AzureWebJobsStorage]).toEqual([
      "node",
      "UseDevelopmentStorage=true",
    ]);
  });

  it.each(
    SETTINGS.filter((s) => s.required !== true && s.name !== "AzureWebJobsStorage").map((s) => [
      s.name,
      s.default ?? "",
    ]),
  )("sets %s to its default %j", (name, value) => {
    expect(sample.Values[name]).toBe(value);
  });

  it.each(SETTINGS.filter((s) => s.required === true).map((s) => [s.name]))(
    "gives the required %s an example value",
    (name) => {
      expect(sample.Values[name]).not.toBe("");
    },
  );

  it.each(
    SETTINGS.filter((s) => s.secret === true && s.name !== "AzureWebJobsStorage").map((s) => [
      s.name,
    ]),
  )("leaves the secret %s empty", (name) => {
    expect(sample.Values[name]).toBe("");
  });

  it("is refused only for its placeholder servers, until they are replaced", () => {
    expect(() => parseSettings(sample.Values)).toThrow(ConfigurationError);
    try {
      parseSettings(sample.Values);
    } catch (error) {
      expect((error as ConfigurationError).issues.map((i) => i.setting)).toEqual([
        "AZURE_SourceUri",
        "AZURE_DestinationUri",
      ]);
      expect((error as ConfigurationError).warnings).toEqual([]);
    }
  });

  it("is valid, without warnings, once its servers are real ones", () => {
    const real = {
      ...sample.Values,
      AZURE_SourceUri: "https://contoso-gen1.azurehealthcareapis.com",
      AZURE_DestinationUri: "https://contoso-ws-fhir.fhir.azurehealthcareapis.com",
    };
    expect(parseSettings(real).warnings).toEqual([]);
  });

  it("is what the catalog renders (regenerate it after changing the catalog)", () => {
    expect(sampleText === renderSampleSettings(), REGENERATE).toBe(true);
  });
});
