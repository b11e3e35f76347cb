import type { Json } from "./arm";
import { API_VERSIONS, referenceOf } from "./api-versions";
import { expr, fitted, variable } from "./arm";
import { NAME_RULES } from "./name-rules";
import type { RoleKey } from "./roles";
import { ROLES } from "./roles";

/**
 * Role assignments go through nested deployments with inner expression scope, for two reasons:
 * - an assignment's name must be known when the deployment starts, but the app's principal id is
 *   only known after the site exists; passed in as a parameter, it can be part of the name
 *   (guid(scope, principalId, roleDefinitionId)), so redeploying never collides (W25);
 * - the source, destination and staging account may live in other subscriptions or resource
 *   groups of the same tenant, and a nested deployment can target them.
 */
const INNER_TEMPLATE: Json = {
  $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  contentVersion: "1.0.0.0",
  parameters: {
    principalId: { type: "string" },
    scopeResourceId: { type: "string" },
    roleDefinitionIds: { type: "array" },
  },
  resources: [
    {
      type: "Microsoft.Authorization/roleAssignments",
      apiVersion: API_VERSIONS["Microsoft.Authorization/roleAssignments"],
      copy: { name: "roleAssignments", count: "[length(parameters('roleDefinitionIds'))]" },
      name: "[guid(parameters('scopeResourceId'), parameters('principalId'), parameters('roleDefinitionIds')[copyIndex()])]",
      // Extension-resource scope relative to this deployment's resource group,
      // e.g. Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhir.
      scope: "[split(parameters('scopeResourceId'), '/providers/')[1]]",
      properties: {
        roleDefinitionId:
          "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('roleDefinitionIds')[copyIndex()])]",
        principalId: "[parameters('principalId')]",
        // Skips the directory lookup that fails while a new identity is still replicating.
        principalType: "ServicePrincipal",
      },
    },
  ],
};

export const PRINCIPAL_ID = `${referenceOf("Microsoft.Web/sites", variable("functionAppName"), true)}.identity.principalId`;

interface RoleDeployment {
  /** Deployment name suffix. */
  name: string;
  /** Expression (without brackets) for the full resource id of the scope. */
  scopeId: string;
  roles: RoleKey[];
  /** Expression (without brackets) of the target subscription id; omitted = this one. */
  subscriptionId?: string;
  resourceGroup?: string;
  condition?: string;
  dependsOn: string[];
}

/** `<app>-roles-<suffix>`, shortened (see fitted) where a long app name would pass 64 characters. */
export function roleDeploymentName(suffix: string): string {
  return fitted(
    variable("functionAppName"),
    `-roles-${suffix}`,
    NAME_RULES["Microsoft.Resources/deployments"].maxLength,
  );
}

export function roleDeployment(d: RoleDeployment): Record<string, Json> {
  const resource: Record<string, Json> = {
    type: "Microsoft.Resources/deployments",
    apiVersion: API_VERSIONS["Microsoft.Resources/deployments"],
    name: expr(roleDeploymentName(d.name)),
  };
  if (d.condition !== undefined) resource.condition = expr(d.condition);
  if (d.subscriptionId !== undefined) resource.subscriptionId = expr(d.subscriptionId);
  if (d.resourceGroup !== undefined) resource.resourceGroup = expr(d.resourceGroup);
  resource.dependsOn = d.dependsOn;
  resource.properties = {
    mode: "Incremental",
    // "Inner" as the deployments schema spells it (ARM compares it case-insensitively).
    expressionEvaluationOptions: { scope: "Inner" },
    parameters: {
      principalId: { value: expr(PRINCIPAL_ID) },
      scopeResourceId: { value: expr(d.scopeId) },
      roleDefinitionIds: { value: d.roles.map((r) => ROLES[r].id) },
    },
    template: INNER_TEMPLATE,
  };
  return resource;
}
