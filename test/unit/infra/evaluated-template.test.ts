/**
 * infra/main.json evaluated for given parameters (test/unit/infra/armEvaluate.ts): what a
 * deployment would create, not only the expression text.
 */
import { describe, expect, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { ArmEvaluator } from "./armEvaluate";
import type { JsonObject, JsonValue } from "./infra-checks";
import { readJson } from "./infra-checks";

const template = readJson("infra/main.json");

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups";
const REQUIRED = {
  prefix: "mig",
  sourceResourceId: `${SUB}/rg-src/providers/Microsoft.HealthcareApis/services/gen1api`,
  destinationResourceId: `${SUB}/rg-dst/providers/Microsoft.HealthcareApis/workspaces/prodws/fhirservices/fhirdest`,
  stagingStorageAccountResourceId: `${SUB}/rg-stg/providers/Microsoft.Storage/storageAccounts/staging01`,
};

const deploy = (parameters: Record<string, JsonValue> = {}) =>
  new ArmEvaluator(template, { parameters: { ...REQUIRED, ...parameters } });

const one = (arm: ArmEvaluator, type: string): JsonObject => {
  const found = arm.resources(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
};

/** The app settings the deployment writes (the appsettings resource's evaluated properties). */
const appSettings = (arm: ArmEvaluator): Record<string, string> =>
  one(arm, "Microsoft.Web/sites/config").properties as Record<string, string>;

describe("infra/main.json, evaluated", () => {
  it("derives the app and dashboard names from the prefix by default", () => {
    const arm = deploy();
    expect({
      app: arm.variable("functionAppName"),
      dashboard: one(arm, "Microsoft.Portal/dashboards").name,
    }).toEqual({
      app: expect.stringMatching(/^mig-fhir-migrate-[0-9a-f]{6}$/),
      dashboard: `${String(arm.variable("functionAppName"))}-dashboard`,
    });
  });

  it("names the app and the dashboard after appName and dashboardName when given (the original tool's parameters)", () => {
    const arm = deploy({ appName: "MyMigrationApp", dashboardName: "MigrationToolDashboard" });
    expect([
      one(arm, "Microsoft.Web/sites").name,
      one(arm, "Microsoft.Web/serverfarms").name,
      one(arm, "Microsoft.Portal/dashboards").name,
    ]).toEqual(["MyMigrationApp", "MyMigrationApp-plan", "MigrationToolDashboard"]);
  });

  it("writes settings that the app accepts; the original guide's AZURE_StopDm=True added beside them is refused", () => {
    expect(parseSettings(appSettings(deploy())).pause.enabled).toBe(false);
    expect(() => parseSettings({ ...appSettings(deploy()), AZURE_StopDm: "True" })).toThrow(
      /AZURE_PauseDm \/ AZURE_StopDm: received AZURE_PauseDm="false", AZURE_StopDm="True"; expected one value: these names set the same setting; set it as AZURE_PauseDm/,
    );
    expect(parseSettings({ ...appSettings(deploy()), AZURE_PauseDm: "true" }).pause.enabled).toBe(
      true,
    );
  });

  it("refuses every other name added later with a value other than the template's, naming both", () => {
    let message = "";
    try {
      parseSettings({
        ...appSettings(deploy()),
        AZURE_ExportDeidentified: "true",
        AZURE_ConfigFile: "DemoTruncate.json",
        AZURE_AppInsightConnectionstring: "InstrumentationKey=00000000-0000-0000-0000-0000000000ff",
        AZURE_StagingStorageAccountName: "otherstaging",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("AZURE_IsExportDeidentified / AZURE_ExportDeidentified");
    expect(message).toContain(
      "APPLICATIONINSIGHTS_CONNECTION_STRING / AZURE_AppInsightConnectionstring",
    );
    expect(message).toMatch(/AZURE_stagingStorageAccountName \/ AZURE_StagingStorageAccountName/);
    expect(message).not.toContain("00000000-0000-0000-0000-0000000000ff");
  });

  it("creates the Key Vault only with client credentials, in the create mode asked for", () => {
    expect(deploy().resources("Microsoft.KeyVault/vaults")).toEqual([]);
    const modes = ["default", "recover"].map((mode) => {
      const vault = one(
        deploy({ useClientCredentials: true, keyVaultCreateMode: mode }),
        "Microsoft.KeyVault/vaults",
      );
      return (vault.properties as JsonObject).createMode;
    });
    expect(modes).toEqual(["default", "recover"]);
  });

  it("keeps the vault name of a redeployment, so keyVaultCreateMode=recover brings back the soft-deleted one", () => {
    const first = one(deploy({ useClientCredentials: true }), "Microsoft.KeyVault/vaults").name;
    const again = one(
      deploy({ useClientCredentials: true, keyVaultCreateMode: "recover" }),
      "Microsoft.KeyVault/vaults",
    ).name;
    expect({ same: again === first, valid: /^[a-z][a-z0-9-]{2,23}$/.test(String(first)) }).toEqual({
      same: true,
      valid: true,
    });
  });

  it("refuses another Key Vault create mode", () => {
    expect(() => deploy({ keyVaultCreateMode: "purge" })).toThrow(/keyVaultCreateMode/);
  });

  it("refuses a VNet integration subnet on a Consumption plan, naming the reason", () => {
    const subnet = `${SUB}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps`;
    expect(() =>
      deploy({ vnetIntegrationSubnetId: subnet }).resources("Microsoft.Web/sites"),
    ).toThrow(/vnetIntegrationSubnetId needs hostingPlan=ElasticPremium/);
  });

  it("integrates the subnet on Elastic Premium", () => {
    const subnet = `${SUB}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apps`;
    const site = one(
      deploy({ hostingPlan: "ElasticPremium", vnetIntegrationSubnetId: subnet }),
      "Microsoft.Web/sites",
    );
    expect((site.properties as JsonObject).virtualNetworkSubnetId).toBe(subnet);
  });

  it("runs the package of its own release, and says how to sync the triggers", () => {
    const arm = deploy();
    const outputs = arm.value(template.outputs as JsonObject) as Record<string, JsonObject>;
    expect({
      package: appSettings(arm).WEBSITE_RUN_FROM_PACKAGE,
      sync: outputs.syncTriggersCommand?.value,
    }).toEqual({
      package: expect.stringMatching(/\/releases\/download\/v\d+\.\d+\.\d+\/fhir-migrate\.zip$/),
      sync: expect.stringMatching(
        /^az resource invoke-action --action syncfunctiontriggers --ids \/subscriptions\/.+\/providers\/Microsoft\.Web\/sites\/mig-fhir-migrate-[0-9a-f]{6}$/,
      ),
    });
  });

  it("builds the public-cloud FHIR URLs from the resource ids", () => {
    const settings = appSettings(deploy());
    expect([settings.AZURE_SourceUri, settings.AZURE_DestinationUri]).toEqual([
      "https://gen1api.azurehealthcareapis.com",
      "https://prodws-fhirdest.fhir.azurehealthcareapis.com",
    ]);
  });

  it("lets additionalAppSettings override the FHIR URLs (another cloud)", () => {
    const settings = appSettings(
      deploy({
        additionalAppSettings: { AZURE_SourceUri: "https://myapi.azurehealthcareapis.us" },
      }),
    );
    expect(settings.AZURE_SourceUri).toBe("https://myapi.azurehealthcareapis.us");
  });

  it("makes the dashboard look back as long as the workspace keeps data", () => {
    const text = JSON.stringify(
      one(deploy({ logRetentionDays: 180 }), "Microsoft.Portal/dashboards"),
    );
    expect([text.includes('"P180D"'), text.includes('"P90D"')]).toEqual([true, false]);
  });
});
