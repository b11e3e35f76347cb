import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { API_VERSIONS } from "../../../infra/template/api-versions";
import { ROLES } from "../../../infra/template/roles";
import type { JsonObject } from "./infra-checks";
import { ROOT, asObject, objects, readJson, strings } from "./infra-checks";

const template = readJson("infra/main.json");
const text = readFileSync(join(ROOT, "infra", "main.json"), "utf8");
const parameters = asObject(template.parameters, "parameters");

const FORBIDDEN_ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  // A common misspelling of the Contributor id; never valid, never wanted.
  "Contributor (misspelled)": "b24988ac-6180-42e0-ab88-20f7382dd24c",
  "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
};

const roleDeployments = (template.resources as JsonObject[]).filter(
  (r) => r.type === "Microsoft.Resources/deployments",
);

/** Role definition ids a nested role deployment assigns, keyed by its name suffix. */
function assignedRoles(): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const d of roleDeployments) {
    const suffix = /-roles-([a-z-]+)'/.exec(String(d.name))?.[1] ?? String(d.name);
    const params = asObject(asObject(d.properties, "properties").parameters, "parameters");
    result[suffix] = asObject(params.roleDefinitionIds, "roleDefinitionIds").value as string[];
  }
  return result;
}

describe("security of infra/main.json", () => {
  it("declares secrets as securestring with an empty default", () => {
    const secretLike = Object.entries(parameters).filter(([name]) =>
      /secret|password|key$/i.test(name),
    );
    expect(secretLike.map(([n]) => n)).toEqual(["clientSecret"]);
    for (const [, spec] of secretLike) {
      expect(asObject(spec, "spec")).toMatchObject({ type: "securestring", defaultValue: "" });
    }
  });

  it("uses the client secret only in the Key Vault secret resource", () => {
    const resources = template.resources as JsonObject[];
    const secretIndex = resources.findIndex((r) => r.type === "Microsoft.KeyVault/vaults/secrets");
    const uses = [...strings(template)].filter(([s]) => s.includes("parameters('clientSecret')"));
    expect(uses.map(([, path]) => path).sort()).toEqual([
      `$.resources[${secretIndex}].condition`,
      `$.resources[${secretIndex}].properties.value`,
    ]);
  });

  it("never grants Owner, Contributor or Storage Account Contributor", () => {
    for (const [role, id] of Object.entries(FORBIDDEN_ROLES)) {
      expect(text.toLowerCase(), role).not.toContain(id);
    }
  });

  it("grants exactly the least-privilege roles on each scope", () => {
    expect(assignedRoles()).toEqual({
      "app-storage": [
        ROLES.storageBlobDataOwner.id,
        ROLES.storageQueueDataContributor.id,
        ROLES.storageTableDataContributor.id,
      ],
      "key-vault": [ROLES.keyVaultSecretsUser.id],
      staging: [ROLES.storageBlobDataContributor.id],
      source: [ROLES.fhirDataExporter.id, ROLES.fhirDataReader.id],
      destination: [ROLES.fhirDataImporter.id, ROLES.fhirDataWriter.id],
    });
  });

  it("targets the subscription and resource group of each external scope", () => {
    const scoped = roleDeployments.filter((d) => d.subscriptionId !== undefined);
    expect(scoped.map((d) => [d.subscriptionId, d.resourceGroup])).toEqual([
      ["[variables('stagingSegments')[2]]", "[variables('stagingSegments')[4]]"],
      ["[variables('sourceSegments')[2]]", "[variables('sourceSegments')[4]]"],
      ["[variables('destinationSegments')[2]]", "[variables('destinationSegments')[4]]"],
    ]);
  });

  it("names every role assignment guid(scope, principalId, roleDefinitionId)", () => {
    const assignments = [...objects(template)].filter(
      ([o]) => o.type === "Microsoft.Authorization/roleAssignments",
    );
    expect(assignments.length).toBeGreaterThan(0);
    for (const [assignment, path] of assignments) {
      expect(assignment.name, path).toBe(
        "[guid(parameters('scopeResourceId'), parameters('principalId'), parameters('roleDefinitionIds')[copyIndex()])]",
      );
      expect(asObject(assignment.properties, path).principalType, path).toBe("ServicePrincipal");
    }
  });

  it("passes the function app's own principal to every role deployment", () => {
    for (const d of roleDeployments) {
      const params = asObject(asObject(d.properties, "properties").parameters, "parameters");
      expect(asObject(params.principalId, "principalId").value).toBe(
        `[reference(resourceId('Microsoft.Web/sites', variables('functionAppName')), '${API_VERSIONS["Microsoft.Web/sites"]}', 'full').identity.principalId]`,
      );
    }
  });

  it("outputs names and the principal id, never keys, secrets or connection strings", () => {
    const outputs = asObject(template.outputs, "outputs");
    expect(Object.keys(outputs).sort()).toEqual([
      "applicationInsightsName",
      "dashboardName",
      "functionAppName",
      "functionAppPrincipalId",
      "packageUri",
      "storageAccountName",
      "syncTriggersCommand",
    ]);
    for (const [name, output] of Object.entries(outputs)) {
      const value = JSON.stringify(output);
      expect(value, name).not.toMatch(/\blist[A-Za-z]*\(/);
      expect(value, name).not.toMatch(/ConnectionString|InstrumentationKey|secret|keys/i);
    }
  });

  it("calls no list*() function anywhere (no keys read at deployment time)", () => {
    expect(text).not.toMatch(/\blist[A-Z][A-Za-z]*\(/);
  });
});
