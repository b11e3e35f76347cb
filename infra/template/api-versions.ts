/**
 * The apiVersion of every resource type the template deploys, declared once: resources and the
 * reference() calls that read them both take it from here. Each is a GA version the published ARM
 * template schemas hold (Azure/azure-resource-manager-schemas, generator/resources.json), so a
 * template validator checks the resource against its schema; test/unit/infra/api-versions.test.ts
 * checks every version against the list committed from that file, with its commit.
 */
export const API_VERSIONS = {
  "Microsoft.Storage/storageAccounts": "2025-01-01",
  "Microsoft.Storage/storageAccounts/tableServices/tables": "2025-01-01",
  "Microsoft.OperationalInsights/workspaces": "2025-02-01",
  "Microsoft.Insights/components": "2020-02-02",
  "Microsoft.Insights/actionGroups": "2023-01-01",
  "Microsoft.Insights/scheduledQueryRules": "2026-03-01",
  // The newest Microsoft.Web version the schemas hold (2025-03-01 is not in them).
  "Microsoft.Web/serverfarms": "2024-11-01",
  "Microsoft.Web/sites": "2024-11-01",
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies": "2024-11-01",
  "Microsoft.Web/sites/config": "2024-11-01",
  "Microsoft.KeyVault/vaults": "2025-05-01",
  "Microsoft.KeyVault/vaults/secrets": "2025-05-01",
  "Microsoft.Resources/deployments": "2025-04-01",
  "Microsoft.Authorization/roleAssignments": "2022-04-01",
  "Microsoft.Portal/dashboards": "2026-04-01",
} as const;

export type DeployedType = keyof typeof API_VERSIONS;

/** `reference(resourceId(type, name), <type's apiVersion>[, 'full'])`, without brackets. */
export const referenceOf = (type: DeployedType, nameExpr: string, full = false): string =>
  `reference(resourceId('${type}', ${nameExpr}), '${API_VERSIONS[type]}'${full ? ", 'full'" : ""})`;
