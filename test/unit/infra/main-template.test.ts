import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderMainTemplate } from "../../../infra/template/generate";
import { version } from "../../../package.json";
import type { JsonObject } from "./infra-checks";
import { ROOT, asObject, objects, readJson, strings, unresolvedReferences } from "./infra-checks";

const template = readJson("infra/main.json");
const resources = template.resources as JsonObject[];
const byType = (type: string): JsonObject[] => resources.filter((r) => r.type === type);
const one = (type: string): JsonObject => {
  const found = byType(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
};

describe("infra/main.json", () => {
  it("is exactly what infra/template generates (run: npx tsx infra/template/generate.ts)", () => {
    const committed = readFileSync(join(ROOT, "infra", "main.json"), "utf8");
    expect(committed).toBe(renderMainTemplate());
  });

  it("uses the 2019-04-01 deployment template schema", () => {
    expect(template.$schema).toBe(
      "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    );
  });

  it("declares every parameter and variable it references, in nested templates too", () => {
    expect(unresolvedReferences(template)).toEqual([]);
  });

  it("reports a reference to an undeclared parameter", () => {
    const broken: JsonObject = {
      parameters: { a: { type: "string" } },
      variables: {},
      resources: [{ name: "[parameters('b')]" }],
    };
    expect(unresolvedReferences(broken)).toEqual([
      "$.resources[0].name: parameters('b') is not declared",
    ]);
  });

  it("reports a nested template parameter the caller does not pass", () => {
    const broken: JsonObject = {
      parameters: {},
      resources: [
        {
          type: "Microsoft.Resources/deployments",
          properties: {
            expressionEvaluationOptions: { scope: "inner" },
            parameters: {},
            template: { parameters: { principalId: { type: "string" } }, resources: [] },
          },
        },
      ],
    };
    expect(unresolvedReferences(broken)).toEqual([
      "$.resources[0]: does not pass required inner parameter principalId",
    ]);
  });

  it("creates a StorageV2 account that accepts only TLS 1.2+, HTTPS and Entra ID", () => {
    const storage = one("Microsoft.Storage/storageAccounts");
    expect(storage.kind).toBe("StorageV2");
    expect(storage.properties).toMatchObject({
      minimumTlsVersion: "TLS1_2",
      supportsHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
    });
  });

  it("creates the chunk and export tables named by parameters", () => {
    const tables = byType("Microsoft.Storage/storageAccounts/tableServices/tables").map(
      (t) => t.name,
    );
    expect(tables).toEqual([
      "[format('{0}/default/{1}', variables('storageAccountName'), parameters('chunkTableName'))]",
      "[format('{0}/default/{1}', variables('storageAccountName'), parameters('exportTableName'))]",
    ]);
    const params = asObject(template.parameters, "parameters");
    expect(asObject(params.chunkTableName, "chunk").defaultValue).toBe("chunk");
    expect(asObject(params.exportTableName, "export").defaultValue).toBe("export");
  });

  it("runs a Linux Node 22 function app with a system-assigned identity, HTTPS only, no FTP", () => {
    const site = one("Microsoft.Web/sites");
    expect(site.kind).toBe("functionapp,linux");
    expect(site.identity).toEqual({ type: "SystemAssigned" });
    const props = asObject(site.properties, "site properties");
    expect(props.httpsOnly).toBe(true);
    expect(props.reserved).toBe(true);
    expect(asObject(props.siteConfig, "siteConfig")).toMatchObject({
      linuxFxVersion: "Node|22",
      ftpsState: "Disabled",
      minTlsVersion: "1.2",
    });
  });

  it("disables basic-auth publishing credentials for FTP and SCM", () => {
    const policies = byType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    expect(policies.map((p) => p.name)).toEqual([
      "[format('{0}/ftp', variables('functionAppName'))]",
      "[format('{0}/scm', variables('functionAppName'))]",
    ]);
    for (const p of policies) expect(p.properties).toEqual({ allow: false });
  });

  it("hosts on Linux Consumption (Y1) by default and Elastic Premium (EP1) on request", () => {
    const plan = one("Microsoft.Web/serverfarms");
    expect(plan.sku).toBe(
      "[if(variables('isElasticPremium'), createObject('name', 'EP1', 'tier', 'ElasticPremium', 'family', 'EP'), createObject('name', 'Y1', 'tier', 'Dynamic'))]",
    );
    expect(asObject(plan.properties, "plan").reserved).toBe(true);
    const hosting = asObject(asObject(template.parameters, "p").hostingPlan, "hostingPlan");
    expect(hosting.defaultValue).toBe("Consumption");
    expect(hosting.allowedValues).toEqual(["Consumption", "ElasticPremium"]);
  });

  it("sends telemetry to workspace-based Application Insights", () => {
    const ai = one("Microsoft.Insights/components");
    expect(asObject(ai.properties, "ai").WorkspaceResourceId).toBe(
      "[resourceId('Microsoft.OperationalInsights/workspaces', variables('workspaceName'))]",
    );
    expect(byType("Microsoft.OperationalInsights/workspaces")).toHaveLength(1);
  });

  it("creates the Key Vault (RBAC) with client credentials, and the secret only when one is given", () => {
    const vault = one("Microsoft.KeyVault/vaults");
    const secret = one("Microsoft.KeyVault/vaults/secrets");
    expect(vault.condition).toBe("[parameters('useClientCredentials')]");
    expect(secret.condition).toBe(
      "[and(parameters('useClientCredentials'), not(empty(parameters('clientSecret'))))]",
    );
    expect(asObject(vault.properties, "vault").enableRbacAuthorization).toBe(true);
    expect(asObject(secret.properties, "secret").value).toBe("[parameters('clientSecret')]");
  });

  it("pins the package to this template's release (package.json's version), never latest", () => {
    const packageUri = asObject(asObject(template.parameters, "p").packageUri, "packageUri");
    expect(packageUri.defaultValue).toBe(
      `https://github.com/fhir-migrate/fhir-migrate/releases/download/v${version}/fhir-migrate.zip`,
    );
  });

  it("alerts on a halt (ExportRetries) and on no Watermark for noProgressAlertHours", () => {
    const rules = byType("Microsoft.Insights/scheduledQueryRules").map((r) =>
      asObject(r.properties, "rule"),
    );
    const queries = rules.map((r) => JSON.stringify(r.criteria));
    expect(queries.some((q) => q.includes('name == \\"ExportRetries\\"'))).toBe(true);
    const noProgress = rules.find((r) => JSON.stringify(r.criteria).includes("Watermark"));
    expect(noProgress?.windowSize).toBe("[format('PT{0}H', parameters('noProgressAlertHours'))]");
    const hours = asObject(asObject(template.parameters, "p").noProgressAlertHours, "hours");
    expect(hours).toMatchObject({ type: "int", defaultValue: 6 });
  });

  it("sends alerts to the e-mail action group only when an address is given", () => {
    const group = one("Microsoft.Insights/actionGroups");
    expect(group.condition).toBe("[not(empty(parameters('alertEmail')))]");
    expect(asObject(asObject(template.parameters, "p").alertEmail, "e").defaultValue).toBe("");
  });

  it("writes no literal string that ARM would misread as an expression", () => {
    const suspicious = [...strings(template)].filter(
      ([s]) => s.startsWith("[") && !s.endsWith("]"),
    );
    expect(suspicious).toEqual([]);
  });

  it("gives every nested deployment an inner expression scope", () => {
    for (const [obj, path] of objects(template)) {
      if (obj.type !== "Microsoft.Resources/deployments") continue;
      expect(
        asObject(asObject(obj.properties, path).expressionEvaluationOptions, path).scope,
        path,
      ).toBe("Inner");
    }
  });
});
