import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../../src/config/catalog";
import { settingsSchema } from "../../../src/config/schema";
import type { JsonObject } from "./infra-checks";
import { ROOT, asObject, readJson } from "./infra-checks";

const template = readJson("infra/main.json");
const resources = template.resources as JsonObject[];
const appSettingsResource = resources.find(
  (r) => r.type === "Microsoft.Web/sites/config" && String(r.name).includes("/appsettings"),
);
const variableSettings = asObject(
  asObject(template.variables, "variables").appSettings,
  "variables.appSettings",
);
const RUNTIME = [
  "FUNCTIONS_EXTENSION_VERSION",
  "FUNCTIONS_WORKER_RUNTIME",
  "AzureWebJobsStorage__credential",
  "WEBSITE_RUN_FROM_PACKAGE",
];
const deployDoc = readFileSync(join(ROOT, "docs", "deploy.md"), "utf8");

/** App setting names the site gets: the appSettings variable plus names added with createObject. */
function siteSettingNames(): string[] {
  const expression = String(appSettingsResource?.properties);
  const added = [...expression.matchAll(/createObject\('([^']+)'/g)].map((m) => m[1]!);
  return [...Object.keys(variableSettings), ...added];
}

/** The deploy.md table row that lists an optional setting with its default. */
function documentedAsOptional(name: string, defaultValue: string): boolean {
  const shown = defaultValue === "" ? "(empty)" : `\`${defaultValue}\``;
  return deployDoc
    .split("\n")
    .some((line) => line.startsWith("|") && line.includes(`\`${name}\``) && line.includes(shown));
}

describe("app settings in infra/main.json", () => {
  it("are written by one appsettings resource from the appSettings variable", () => {
    expect(appSettingsResource).toBeDefined();
    expect(String(appSettingsResource?.properties)).toContain("variables('appSettings')");
  });

  it("set every catalog setting under its name, or deploy.md lists it as optional with its default", () => {
    const names = new Set(siteSettingNames());
    const missing = SETTINGS.filter((s) => s.ignoredBecause === undefined)
      .filter((s) => !names.has(s.name))
      .filter((s) => !documentedAsOptional(s.name, s.default ?? ""))
      .map((s) => s.name);
    expect(missing).toEqual([]);
  });

  it("use only catalog names (no misspelled or alias names) besides the Functions runtime's", () => {
    const canonical = new Set(SETTINGS.map((s) => s.name));
    const unknown = siteSettingNames().filter((n) => !canonical.has(n) && !RUNTIME.includes(n));
    expect(unknown).toEqual([]);
  });

  it("write catalog defaults verbatim where no parameter applies, and each passes validation", () => {
    for (const [name, value] of Object.entries(variableSettings)) {
      if (RUNTIME.includes(name) || String(value).startsWith("[")) continue;
      const spec = SETTINGS.find((s) => s.name === name);
      expect(value, name).toBe(spec?.default);
      expect(settingsSchema.shape[name]!.safeParse(value).success, name).toBe(true);
    }
  });

  it("set the de-identified export flag under the name the code reads (W20)", () => {
    expect(variableSettings.AZURE_IsExportDeidentified).toBe(
      "[if(parameters('exportDeidentified'), 'true', 'false')]",
    );
    expect(siteSettingNames()).not.toContain("AZURE_ExportDeidentified");
  });

  it("point the client secret at Key Vault, never at the secret itself", () => {
    expect(variableSettings.AZURE_ClientSecret).toBe(
      "[if(parameters('useClientCredentials'), variables('clientSecretReference'), '')]",
    );
    expect(asObject(template.variables, "v").clientSecretReference).toMatch(
      /^\[format\('@Microsoft\.KeyVault\(SecretUri=https:\/\/\{0\}\{1\}\/secrets\/\{2\}\/\)'/,
    );
  });

  it("use identity-based host storage and run from the package URL, without an Azure Files share", () => {
    expect(variableSettings).toMatchObject({
      FUNCTIONS_EXTENSION_VERSION: "~4",
      FUNCTIONS_WORKER_RUNTIME: "node",
      AzureWebJobsStorage__accountName: "[variables('storageAccountName')]",
      AzureWebJobsStorage__credential: "managedidentity",
      WEBSITE_RUN_FROM_PACKAGE: "[parameters('packageUri')]",
    });
    const names = siteSettingNames();
    expect(names).not.toContain("AzureWebJobsStorage");
    expect(names).not.toContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING");
    expect(names).not.toContain("WEBSITE_CONTENTSHARE");
  });

  it("set the Application Insights connection string from the component", () => {
    expect(String(appSettingsResource?.properties)).toContain(
      "createObject('APPLICATIONINSIGHTS_CONNECTION_STRING', reference(resourceId('Microsoft.Insights/components', variables('appInsightsName')), '2020-02-02').ConnectionString)",
    );
  });

  it("are applied after every role assignment, so the app starts with its permissions", () => {
    const dependsOn = (appSettingsResource?.dependsOn as string[]).join("\n");
    for (const suffix of ["app-storage", "key-vault", "staging", "source", "destination"]) {
      expect(dependsOn).toContain(`-roles-${suffix}'`);
    }
  });
});
