import { version } from "../../package.json";
import type { Json } from "./arm";

/** The release this template belongs to: package.json's version, tagged v{version} on release. */
export const RELEASE_VERSION = version;

/**
 * The package of the same release, never a moving `latest`: a release published mid-migration must
 * not reach a running app (two orchestrator versions on one task hub). docs/upgrade.md is the only
 * way the version changes. Forks change the owner in this URL (docs/deploy.md).
 */
export const DEFAULT_PACKAGE_URI = `https://github.com/fhir-migrate/fhir-migrate/releases/download/v${RELEASE_VERSION}/fhir-migrate.zip`;

export const MIGRATION_TYPES = ["ApiForFhirToFhirService", "FhirServiceToFhirService"] as const;
export const HOSTING_PLANS = ["Consumption", "ElasticPremium"] as const;

interface ParameterSpec {
  type: "string" | "securestring" | "bool" | "int" | "object";
  defaultValue?: Json;
  allowedValues?: Json[];
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
  description: string;
}

const p = ({ description, ...rest }: ParameterSpec): Record<string, Json> => {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) out[key] = value;
  }
  out.metadata = { description };
  return out;
};

/** Template parameters. The wizard (uiDefForm.json) outputs a subset under the same names and types. */
export const PARAMETERS: Record<string, Record<string, Json>> = {
  prefix: p({
    type: "string",
    minLength: 1,
    maxLength: 6,
    description:
      "1-6 letters or digits that start the name of every resource this deployment creates. Redeploy with the same prefix to the same resource group to update in place.",
  }),
  appName: p({
    type: "string",
    defaultValue: "",
    maxLength: 60,
    description:
      "Optional: name of the function app (globally unique, 2-60 letters, digits and hyphens; the original tool's appName). Empty: <prefix>-fhir-migrate-<6 characters>. Its plan, Application Insights, workspace and alert names derive from it.",
  }),
  dashboardName: p({
    type: "string",
    defaultValue: "",
    maxLength: 160,
    description:
      "Optional: name of the shared dashboard (the original tool's dashboardName): 3-160 letters, digits and hyphens. Empty: <function app name>-dashboard.",
  }),
  location: p({
    type: "string",
    defaultValue: "[resourceGroup().location]",
    description: "Region of the function app, its storage, monitoring and Key Vault.",
  }),
  migrationType: p({
    type: "string",
    defaultValue: "ApiForFhirToFhirService",
    allowedValues: [...MIGRATION_TYPES],
    description:
      "Kind of source: ApiForFhirToFhirService (Azure API for FHIR, Microsoft.HealthcareApis/services) or FhirServiceToFhirService (an AHDS FHIR service, Microsoft.HealthcareApis/workspaces/fhirservices). The destination is always an AHDS FHIR service.",
  }),
  sourceResourceId: p({
    type: "string",
    description:
      "Resource id of the source FHIR server (any subscription and resource group of the same tenant).",
  }),
  destinationResourceId: p({
    type: "string",
    description:
      "Resource id of the destination AHDS FHIR service (Microsoft.HealthcareApis/workspaces/fhirservices).",
  }),
  stagingStorageAccountResourceId: p({
    type: "string",
    description:
      "Resource id of the staging storage account: the export destination of the source AND the import source of the destination (the same account).",
  }),
  exportWithHistory: p({
    type: "bool",
    defaultValue: true,
    description: "Export older versions too (AZURE_ExportWithHistory).",
  }),
  exportWithDelete: p({
    type: "bool",
    defaultValue: true,
    description: "Export soft-deleted versions (AZURE_ExportWithDelete).",
  }),
  isParallel: p({
    type: "bool",
    defaultValue: true,
    description:
      "One system-level `$export?_isParallel=true` per window; false exports one resource type at a time (AZURE_IsParallel).",
  }),
  exportDeidentified: p({
    type: "bool",
    defaultValue: false,
    description:
      "Export through an anonymization config; needs isParallel=true and configFile (AZURE_IsExportDeidentified).",
  }),
  configFile: p({
    type: "string",
    defaultValue: "",
    description:
      "Blob name of the anonymization config in the staging account's `anonymization` container (AZURE_ConfigFile).",
  }),
  pauseDuringBusinessHours: p({
    type: "bool",
    defaultValue: false,
    description:
      "No new export starts between pauseStartHour and pauseEndHour, UTC (AZURE_PauseDm).",
  }),
  pauseStartHour: p({
    type: "int",
    defaultValue: 8,
    minValue: 0,
    maxValue: 23,
    description: "First paused hour, UTC, 0-23 (AZURE_StartTime).",
  }),
  pauseEndHour: p({
    type: "int",
    defaultValue: 17,
    minValue: 0,
    maxValue: 23,
    description:
      "Hour the pause ends, UTC, 0-23; smaller than pauseStartHour wraps past midnight (AZURE_EndTime).",
  }),
  specificRun: p({
    type: "bool",
    defaultValue: false,
    description: "Migrate only [startDate, endDate), then stop (AZURE_SpecificRun).",
  }),
  startDate: p({
    type: "string",
    defaultValue: "",
    description:
      "YYYY-MM-DDTHH:MM:SSZ. Where the first window starts; empty = at the oldest resource on the source (AZURE_StartDate).",
  }),
  endDate: p({
    type: "string",
    defaultValue: "",
    description:
      "YYYY-MM-DDTHH:MM:SSZ. With specificRun: where the migration stops (AZURE_EndDate).",
  }),
  useClientCredentials: p({
    type: "bool",
    defaultValue: false,
    description:
      "Authenticate to the source with an app registration's client secret (a source in another tenant or with local RBAC) instead of the managed identity (AZURE_ClientCredential).",
  }),
  tenantId: p({
    type: "string",
    defaultValue: "",
    description: "Tenant of the app registration (AZURE_TenantId).",
  }),
  clientId: p({
    type: "string",
    defaultValue: "",
    description: "Application (client) id of the app registration (AZURE_ClientId).",
  }),
  clientSecret: p({
    type: "securestring",
    defaultValue: "",
    description:
      "Client secret. Stored only in the Key Vault this template creates; the app setting AZURE_ClientSecret is a Key Vault reference.",
  }),
  hostingPlan: p({
    type: "string",
    defaultValue: "Consumption",
    allowedValues: [...HOSTING_PLANS],
    description:
      "Consumption (Linux Y1, pay per execution; Microsoft retires it on 2028-09-30) or ElasticPremium (EP1, needed for VNet integration and private endpoints). docs/deploy.md explains the choice.",
  }),
  vnetIntegrationSubnetId: p({
    type: "string",
    defaultValue: "",
    description:
      "Optional, ElasticPremium only (the deployment fails with a Consumption plan, which has no VNet integration): resource id of a subnet delegated to Microsoft.Web/serverFarms for outbound VNet integration (docs/private-link.md).",
  }),
  packageUri: p({
    type: "string",
    defaultValue: DEFAULT_PACKAGE_URI,
    description: `URL of the fhir-migrate.zip package the app runs from (WEBSITE_RUN_FROM_PACKAGE). The default is the package of this template's release, v${RELEASE_VERSION}; change it only by the procedure in docs/upgrade.md. Forks publish their own.`,
  }),
  keyVaultCreateMode: p({
    type: "string",
    defaultValue: "default",
    allowedValues: ["default", "recover"],
    description:
      "With useClientCredentials: 'recover' brings back this deployment's Key Vault when it is soft-deleted (the resource group or vault was deleted less than 7 days ago; a new vault of that name would fail with a conflict). The wizard sets it when it finds that vault among the subscription's deleted vaults. docs/deploy.md, Client credentials.",
  }),
  storageAccountSku: p({
    type: "string",
    defaultValue: "Standard_LRS",
    allowedValues: ["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS"],
    description: "Redundancy of the app's own storage account (state, task hub, payload bodies).",
  }),
  chunkTableName: p({
    type: "string",
    defaultValue: "chunk",
    minLength: 3,
    maxLength: 63,
    description: "Table holding the cursor row (AZURE_ChunkTableName).",
  }),
  exportTableName: p({
    type: "string",
    defaultValue: "export",
    minLength: 3,
    maxLength: 63,
    description:
      "Table holding one row per chunk, payload and check result (AZURE_ExportTableName).",
  }),
  logRetentionDays: p({
    type: "int",
    defaultValue: 90,
    minValue: 30,
    maxValue: 730,
    description:
      "Days the Log Analytics workspace keeps telemetry; the dashboard covers at most this long.",
  }),
  noProgressAlertHours: p({
    type: "int",
    defaultValue: 6,
    minValue: 1,
    maxValue: 48,
    description:
      "The 'no progress' alert fires when no Watermark event arrived for this many hours. Set it above the business-hours pause and above the longest expected chunk.",
  }),
  alertEmail: p({
    type: "string",
    defaultValue: "",
    description:
      "Optional: e-mail address notified by the alerts. Empty: the alert rules are created without an action group.",
  }),
  additionalAppSettings: p({
    type: "object",
    defaultValue: {},
    description:
      "Optional: more app settings (name → text value) applied last, so they override the template's values. Use it to keep tuned settings across redeployments. No secrets here: they would be stored in the deployment history.",
  }),
};
