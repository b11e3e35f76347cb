import { buildAppSettings } from "./app-settings";
import { API_VERSIONS, referenceOf } from "./api-versions";
import type { Json } from "./arm";
import { expr, fitted, idOf, lit, param, variable } from "./arm";
import { buildDashboard } from "./dashboard";
import { PARAMETERS } from "./parameters";
import { NAME_RULES } from "./name-rules";
import { ALERT_QUERIES } from "./queries";
import { PRINCIPAL_ID, roleDeployment, roleDeploymentName } from "./role-assignments";

/**
 * The Node.js LTS the app runs on. Node.js 20 reached end of life on 2026-04-30; 22 is the LTS
 * Azure Functions v4 supports on Linux (docs/deploy.md, "Runtime and hosting plan"). The code
 * itself still runs on Node.js 20 (package.json engines), for local runs and tests.
 */
export const NODE_RUNTIME = "Node|22";

export const VNET_ON_CONSUMPTION =
  "vnetIntegrationSubnetId needs hostingPlan=ElasticPremium: a Consumption plan has no VNet integration";

const SITE_ID = idOf("Microsoft.Web/sites", "functionAppName");
const PLAN_ID = idOf("Microsoft.Web/serverfarms", "planName");
const STORAGE_ID = idOf("Microsoft.Storage/storageAccounts", "storageAccountName");
const APP_INSIGHTS_ID = idOf("Microsoft.Insights/components", "appInsightsName");
const WORKSPACE_ID = idOf("Microsoft.OperationalInsights/workspaces", "workspaceName");
const KEY_VAULT_ID = idOf("Microsoft.KeyVault/vaults", "keyVaultName");
const ACTION_GROUP_ID = idOf("Microsoft.Insights/actionGroups", "actionGroupName");

const unique = "uniqueString(resourceGroup().id, parameters('prefix'))";

const VARIABLES: Record<string, Json> = {
  prefix: expr(`toLower(${param("prefix")})`),
  // Storage account names: 3-24 lowercase letters and digits, globally unique.
  storageAccountName: expr(`concat(variables('prefix'), 'stor', ${unique})`),
  functionAppName: expr(
    `if(empty(${param("appName")}), concat(variables('prefix'), '-fhir-migrate-', take(${unique}, 6)), ${param("appName")})`,
  ),
  // Names derived from the app's fit their types' limits for any app name (up to 60 characters).
  planName: expr(
    fitted(variable("functionAppName"), "-plan", NAME_RULES["Microsoft.Web/serverfarms"].maxLength),
  ),
  appInsightsName: expr("concat(variables('functionAppName'), '-ai')"),
  workspaceName: expr(
    fitted(
      variable("functionAppName"),
      "-logs",
      NAME_RULES["Microsoft.OperationalInsights/workspaces"].maxLength,
    ),
  ),
  dashboardName: expr(
    `if(empty(${param("dashboardName")}), concat(variables('functionAppName'), '-dashboard'), ${param("dashboardName")})`,
  ),
  actionGroupName: expr("concat(variables('functionAppName'), '-alerts')"),
  // Key Vault names: 3-24 characters, starting with a letter.
  keyVaultName: expr(`concat('kv', variables('prefix'), take(${unique}, 13))`),
  clientSecretName: "source-client-secret",
  // Versionless: a secret rotated in Key Vault is picked up without redeploying.
  clientSecretReference: expr(
    "format('@Microsoft.KeyVault(SecretUri=https://{0}{1}/secrets/{2}/)', variables('keyVaultName'), environment().suffixes.keyvaultDns, variables('clientSecretName'))",
  ),
  isElasticPremium: expr(`equals(${param("hostingPlan")}, 'ElasticPremium')`),
  sourceIsApiForFhir: expr(`equals(${param("migrationType")}, 'ApiForFhirToFhirService')`),
  sourceSegments: expr(`split(${param("sourceResourceId")}, '/')`),
  destinationSegments: expr(`split(${param("destinationResourceId")}, '/')`),
  stagingSegments: expr(`split(${param("stagingStorageAccountResourceId")}, '/')`),
  // The FHIR host names of the public cloud: environment() has no suffix for Health Data Services,
  // so other clouds pass AZURE_SourceUri / AZURE_DestinationUri in additionalAppSettings
  // (docs/deploy.md, "Clouds").
  fhirHostSuffix: "azurehealthcareapis.com",
  // .../providers/Microsoft.HealthcareApis/services/{name}
  // .../providers/Microsoft.HealthcareApis/workspaces/{ws}/fhirservices/{svc}
  sourceUri: expr(
    "if(variables('sourceIsApiForFhir'), format('https://{0}.{1}', variables('sourceSegments')[8], variables('fhirHostSuffix')), format('https://{0}-{1}.fhir.{2}', variables('sourceSegments')[8], variables('sourceSegments')[10], variables('fhirHostSuffix')))",
  ),
  destinationUri: expr(
    "format('https://{0}-{1}.fhir.{2}', variables('destinationSegments')[8], variables('destinationSegments')[10], variables('fhirHostSuffix'))",
  ),
  stagingAccountName: expr("last(variables('stagingSegments'))"),
  tableEndpoint: expr(
    "format('https://{0}.table.{1}', variables('storageAccountName'), environment().suffixes.storage)",
  ),
  blobEndpoint: expr(
    "format('https://{0}.blob.{1}', variables('storageAccountName'), environment().suffixes.storage)",
  ),
  appSettings: buildAppSettings(),
};

const tableResource = (parameterName: string): Record<string, Json> => ({
  type: "Microsoft.Storage/storageAccounts/tableServices/tables",
  apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts/tableServices/tables"],
  name: expr(`format('{0}/default/{1}', variables('storageAccountName'), ${param(parameterName)})`),
  dependsOn: [STORAGE_ID],
});

const crossScopeDeploymentId = (suffix: string, segments: string): string =>
  expr(
    `resourceId(variables('${segments}')[2], variables('${segments}')[4], 'Microsoft.Resources/deployments', ${roleDeploymentName(suffix)})`,
  );

const RESOURCES: Json[] = [
  {
    type: "Microsoft.Storage/storageAccounts",
    apiVersion: API_VERSIONS["Microsoft.Storage/storageAccounts"],
    name: expr(variable("storageAccountName")),
    location: expr(param("location")),
    kind: "StorageV2",
    sku: { name: expr(param("storageAccountSku")) },
    properties: {
      minimumTlsVersion: "TLS1_2",
      supportsHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      // Identity only: no account keys, no SAS signed with them.
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      accessTier: "Hot",
    },
  },
  tableResource("chunkTableName"),
  tableResource("exportTableName"),
  {
    type: "Microsoft.OperationalInsights/workspaces",
    apiVersion: API_VERSIONS["Microsoft.OperationalInsights/workspaces"],
    name: expr(variable("workspaceName")),
    location: expr(param("location")),
    properties: {
      sku: { name: "PerGB2018" },
      retentionInDays: expr(param("logRetentionDays")),
      features: { enableLogAccessUsingOnlyResourcePermissions: true },
    },
  },
  {
    type: "Microsoft.Insights/components",
    apiVersion: API_VERSIONS["Microsoft.Insights/components"],
    name: expr(variable("appInsightsName")),
    location: expr(param("location")),
    kind: "web",
    dependsOn: [WORKSPACE_ID],
    properties: {
      Application_Type: "web",
      WorkspaceResourceId: WORKSPACE_ID,
      IngestionMode: "LogAnalytics",
    },
  },
  {
    type: "Microsoft.Web/serverfarms",
    apiVersion: API_VERSIONS["Microsoft.Web/serverfarms"],
    name: expr(variable("planName")),
    location: expr(param("location")),
    kind: expr("if(variables('isElasticPremium'), 'elastic', 'linux')"),
    sku: expr(
      "if(variables('isElasticPremium'), createObject('name', 'EP1', 'tier', 'ElasticPremium', 'family', 'EP'), createObject('name', 'Y1', 'tier', 'Dynamic'))",
    ),
    properties: {
      // Linux.
      reserved: true,
      maximumElasticWorkerCount: expr("if(variables('isElasticPremium'), 20, json('null'))"),
    },
  },
  {
    type: "Microsoft.Web/sites",
    apiVersion: API_VERSIONS["Microsoft.Web/sites"],
    name: expr(variable("functionAppName")),
    location: expr(param("location")),
    kind: "functionapp,linux",
    identity: { type: "SystemAssigned" },
    dependsOn: [PLAN_ID],
    properties: {
      serverFarmId: PLAN_ID,
      reserved: true,
      httpsOnly: true,
      clientAffinityEnabled: false,
      // A Consumption plan has no VNet integration: refuse the subnet rather than ignore it (ARM
      // evaluates only the branch if() takes, so int() of the text fails only then, naming it).
      virtualNetworkSubnetId: expr(
        `if(empty(parameters('vnetIntegrationSubnetId')), json('null'), if(variables('isElasticPremium'), parameters('vnetIntegrationSubnetId'), int(${lit(VNET_ON_CONSUMPTION)})))`,
      ),
      siteConfig: {
        linuxFxVersion: NODE_RUNTIME,
        ftpsState: "Disabled",
        minTlsVersion: "1.2",
        scmMinTlsVersion: "1.2",
        http20Enabled: true,
        vnetRouteAllEnabled: expr("not(empty(parameters('vnetIntegrationSubnetId')))"),
        // The full set is written by the appsettings resource below, once the roles exist.
        appSettings: [
          { name: "FUNCTIONS_EXTENSION_VERSION", value: "~4" },
          { name: "FUNCTIONS_WORKER_RUNTIME", value: "node" },
        ],
      },
    },
  },
  ...["ftp", "scm"].map((kind): Json => ({
    type: "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    apiVersion: API_VERSIONS["Microsoft.Web/sites/basicPublishingCredentialsPolicies"],
    name: expr(`format('{0}/${kind}', variables('functionAppName'))`),
    location: expr(param("location")),
    dependsOn: [SITE_ID],
    properties: { allow: false },
  })),
  {
    condition: expr(param("useClientCredentials")),
    type: "Microsoft.KeyVault/vaults",
    apiVersion: API_VERSIONS["Microsoft.KeyVault/vaults"],
    name: expr(variable("keyVaultName")),
    location: expr(param("location")),
    properties: {
      tenantId: expr("subscription().tenantId"),
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 7,
      enabledForDeployment: false,
      enabledForTemplateDeployment: false,
      enabledForDiskEncryption: false,
      // 'recover' when this vault's name is soft-deleted (parameter keyVaultCreateMode).
      createMode: expr(param("keyVaultCreateMode")),
    },
  },
  {
    // Only when a secret is given: redeploying without it keeps the secret already in the vault
    // instead of overwriting it with an empty value.
    condition: expr(`and(${param("useClientCredentials")}, not(empty(${param("clientSecret")})))`),
    type: "Microsoft.KeyVault/vaults/secrets",
    apiVersion: API_VERSIONS["Microsoft.KeyVault/vaults/secrets"],
    name: expr("format('{0}/{1}', variables('keyVaultName'), variables('clientSecretName'))"),
    dependsOn: [KEY_VAULT_ID],
    properties: {
      value: expr(param("clientSecret")),
      contentType: "Client secret of the app registration used for the source FHIR server",
    },
  },
  roleDeployment({
    name: "app-storage",
    scopeId: "resourceId('Microsoft.Storage/storageAccounts', variables('storageAccountName'))",
    roles: ["storageBlobDataOwner", "storageQueueDataContributor", "storageTableDataContributor"],
    dependsOn: [SITE_ID, STORAGE_ID],
  }),
  roleDeployment({
    name: "key-vault",
    condition: param("useClientCredentials"),
    scopeId: "resourceId('Microsoft.KeyVault/vaults', variables('keyVaultName'))",
    roles: ["keyVaultSecretsUser"],
    dependsOn: [SITE_ID, KEY_VAULT_ID],
  }),
  roleDeployment({
    name: "staging",
    scopeId: param("stagingStorageAccountResourceId"),
    subscriptionId: "variables('stagingSegments')[2]",
    resourceGroup: "variables('stagingSegments')[4]",
    roles: ["storageBlobDataContributor"],
    dependsOn: [SITE_ID],
  }),
  roleDeployment({
    name: "source",
    scopeId: param("sourceResourceId"),
    subscriptionId: "variables('sourceSegments')[2]",
    resourceGroup: "variables('sourceSegments')[4]",
    roles: ["fhirDataExporter", "fhirDataReader"],
    dependsOn: [SITE_ID],
  }),
  roleDeployment({
    name: "destination",
    scopeId: param("destinationResourceId"),
    subscriptionId: "variables('destinationSegments')[2]",
    resourceGroup: "variables('destinationSegments')[4]",
    roles: ["fhirDataImporter", "fhirDataWriter"],
    dependsOn: [SITE_ID],
  }),
  {
    // Written last: the app (re)starts with its full configuration only once its identity holds
    // every role, so Key Vault references resolve and the first storage calls are authorized.
    type: "Microsoft.Web/sites/config",
    apiVersion: API_VERSIONS["Microsoft.Web/sites/config"],
    name: expr("format('{0}/appsettings', variables('functionAppName'))"),
    dependsOn: [
      SITE_ID,
      APP_INSIGHTS_ID,
      expr(
        `resourceId('Microsoft.Storage/storageAccounts/tableServices/tables', variables('storageAccountName'), 'default', ${param("chunkTableName")})`,
      ),
      expr(
        `resourceId('Microsoft.Storage/storageAccounts/tableServices/tables', variables('storageAccountName'), 'default', ${param("exportTableName")})`,
      ),
      expr(
        "resourceId('Microsoft.KeyVault/vaults/secrets', variables('keyVaultName'), variables('clientSecretName'))",
      ),
      expr(`resourceId('Microsoft.Resources/deployments', ${roleDeploymentName("app-storage")})`),
      expr(`resourceId('Microsoft.Resources/deployments', ${roleDeploymentName("key-vault")})`),
      crossScopeDeploymentId("staging", "stagingSegments"),
      crossScopeDeploymentId("source", "sourceSegments"),
      crossScopeDeploymentId("destination", "destinationSegments"),
    ],
    properties: expr(
      `union(variables('appSettings'), createObject('APPLICATIONINSIGHTS_CONNECTION_STRING', ${referenceOf("Microsoft.Insights/components", variable("appInsightsName"))}.ConnectionString), parameters('additionalAppSettings'))`,
    ),
  },
  buildDashboard(),
  {
    condition: expr("not(empty(parameters('alertEmail')))"),
    type: "Microsoft.Insights/actionGroups",
    apiVersion: API_VERSIONS["Microsoft.Insights/actionGroups"],
    name: expr(variable("actionGroupName")),
    location: "Global",
    properties: {
      groupShortName: "fhirmigrate",
      enabled: true,
      emailReceivers: [
        {
          name: "migration-owner",
          emailAddress: expr(param("alertEmail")),
          useCommonAlertSchema: true,
        },
      ],
    },
  },
  alertRule({
    suffix: "halted",
    displayName: "FHIR migration halted",
    description:
      "The migration stopped after AZURE_MaxExportRetries consecutive export/import failures (ExportRetries event). Read the reason on the dashboard (Halts and resumes, Failed exports/imports), fix it, then call ClearMaxExportRetries_Http.",
    severity: 1,
    evaluationFrequency: "PT5M",
    windowSize: "PT15M",
    query: ALERT_QUERIES.halted,
    operator: "GreaterThan",
    threshold: 0,
  }),
  alertRule({
    suffix: "no-progress",
    displayName: "FHIR migration not progressing",
    description:
      "No Watermark event for noProgressAlertHours hours: the watermark has not moved. Check the dashboard (running and failed jobs), the function app state and CheckAccess_Http. Expected while paused longer than this, or after cutover (disable the rule then).",
    severity: 2,
    evaluationFrequency: "PT1H",
    windowSize: expr("format('PT{0}H', parameters('noProgressAlertHours'))"),
    query: ALERT_QUERIES.noProgress,
    operator: "LessThan",
    threshold: 1,
  }),
  alertRule({
    suffix: "ledger-unreconciled",
    displayName: "FHIR migration ledger unreconciled",
    description:
      "A ledger entry is still short on the destination after a recount and a second import (LedgerEntry event, LedgerStatus Unreconciled): versions of that stretch may be missing. The event and the status page give the range and the per-type counts; docs/operations.md says what to do.",
    severity: 1,
    evaluationFrequency: "PT15M",
    windowSize: "PT15M",
    query: ALERT_QUERIES.ledgerUnreconciled,
    operator: "GreaterThan",
    threshold: 0,
  }),
  alertRule({
    suffix: "cutover-no-go",
    displayName: "FHIR migration cutover: NO-GO",
    description:
      "The cutover's proof found the destination incomplete (Cutover event, Phase NO-GO): missing or different versions, writes after the freeze, or unreconciled ledger entries. Do not switch over. The dashboard's Cutover tile and the status page give the evidence; docs/operations.md (Cutover) says what to do, then request the cutover again.",
    severity: 1,
    evaluationFrequency: "PT5M",
    windowSize: "PT15M",
    query: ALERT_QUERIES.cutoverNoGo,
    operator: "GreaterThan",
    threshold: 0,
  }),
  alertRule({
    suffix: "cutover-go",
    displayName: "FHIR migration cutover: GO",
    description:
      "The cutover's proof passed (Cutover event, Phase GO): every version up to the freeze is on the destination and every ledger entry before it is reconciled. Switch the clients over, then stop the function app and disable the no-progress alert (docs/operations.md, Cutover).",
    severity: 3,
    evaluationFrequency: "PT5M",
    windowSize: "PT15M",
    query: ALERT_QUERIES.cutoverGo,
    operator: "GreaterThan",
    threshold: 0,
  }),
];

interface AlertSpec {
  suffix: string;
  displayName: string;
  description: string;
  severity: number;
  evaluationFrequency: string;
  windowSize: string;
  query: string;
  operator: "GreaterThan" | "LessThan";
  threshold: number;
}

function alertRule(a: AlertSpec): Json {
  return {
    type: "Microsoft.Insights/scheduledQueryRules",
    apiVersion: API_VERSIONS["Microsoft.Insights/scheduledQueryRules"],
    name: expr(`format('{0}-${a.suffix}', variables('functionAppName'))`),
    location: expr(param("location")),
    kind: "LogAlert",
    dependsOn: [APP_INSIGHTS_ID, ACTION_GROUP_ID],
    properties: {
      displayName: a.displayName,
      description: a.description,
      severity: a.severity,
      enabled: true,
      evaluationFrequency: a.evaluationFrequency,
      windowSize: a.windowSize,
      scopes: [APP_INSIGHTS_ID],
      criteria: {
        allOf: [
          {
            query: a.query,
            timeAggregation: "Count",
            operator: a.operator,
            threshold: a.threshold,
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      autoMitigate: true,
      actions: {
        actionGroups: expr(
          "if(empty(parameters('alertEmail')), createArray(), createArray(resourceId('Microsoft.Insights/actionGroups', variables('actionGroupName'))))",
        ),
      },
    },
  };
}

const OUTPUTS: Record<string, Json> = {
  functionAppName: { type: "string", value: expr(variable("functionAppName")) },
  functionAppPrincipalId: { type: "string", value: expr(PRINCIPAL_ID) },
  storageAccountName: { type: "string", value: expr(variable("storageAccountName")) },
  applicationInsightsName: { type: "string", value: expr(variable("appInsightsName")) },
  dashboardName: { type: "string", value: expr(variable("dashboardName")) },
  packageUri: { type: "string", value: expr(param("packageUri")) },
  // The app runs from a package URL, so its functions are listed only after a trigger sync
  // (docs/deploy.md, step "Sync the triggers"); the command, ready to paste.
  syncTriggersCommand: {
    type: "string",
    value: expr(
      "format('az resource invoke-action --action syncfunctiontriggers --ids {0}', resourceId('Microsoft.Web/sites', variables('functionAppName')))",
    ),
  },
};

/** The whole deployment template, as written to infra/main.json. */
export function buildMainTemplate(): Record<string, Json> {
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    metadata: {
      description:
        "fhir-migrate: continuous migration from Azure API for FHIR (or an AHDS FHIR service) to an Azure Health Data Services FHIR service. Generated by infra/template (npx tsx infra/template/generate.ts); do not edit by hand.",
    },
    parameters: PARAMETERS,
    variables: VARIABLES,
    resources: RESOURCES,
    outputs: OUTPUTS,
  };
}
