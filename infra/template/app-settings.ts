import type { SettingSpec } from "../../src/config/catalog";
import { SETTINGS } from "../../src/config/catalog";
import { boolSetting, expr, intSetting, param, variable } from "./arm";

/**
 * Catalog settings whose value comes from a template parameter or a computed variable.
 * Every other catalog setting is written with its catalog default, so it is visible (and editable)
 * in the portal's environment variables.
 */
export const SETTING_VALUES: Readonly<Record<string, string>> = {
  AZURE_SourceUri: expr(variable("sourceUri")),
  AZURE_DestinationUri: expr(variable("destinationUri")),
  AZURE_ClientCredential: boolSetting("useClientCredentials"),
  AZURE_TenantId: expr(param("tenantId")),
  AZURE_ClientId: expr(param("clientId")),
  AZURE_ClientSecret: expr(
    `if(${param("useClientCredentials")}, ${variable("clientSecretReference")}, '')`,
  ),
  AzureWebJobsStorage__accountName: expr(variable("storageAccountName")),
  AZURE_StagingStorageUri: expr(variable("tableEndpoint")),
  AZURE_BlobStorageUri: expr(variable("blobEndpoint")),
  AZURE_stagingStorageAccountName: expr(variable("stagingAccountName")),
  AZURE_ChunkTableName: expr(param("chunkTableName")),
  AZURE_ExportTableName: expr(param("exportTableName")),
  AZURE_StartDate: expr(param("startDate")),
  AZURE_EndDate: expr(param("endDate")),
  AZURE_SpecificRun: boolSetting("specificRun"),
  AZURE_IsParallel: boolSetting("isParallel"),
  AZURE_ExportWithHistory: boolSetting("exportWithHistory"),
  AZURE_ExportWithDelete: boolSetting("exportWithDelete"),
  // The original template wrote AZURE_ExportDeidentified, which its code never read (W20).
  AZURE_IsExportDeidentified: boolSetting("exportDeidentified"),
  AZURE_ConfigFile: expr(param("configFile")),
  AZURE_PauseDm: boolSetting("pauseDuringBusinessHours"),
  AZURE_StartTime: intSetting("pauseStartHour"),
  AZURE_EndTime: intSetting("pauseEndHour"),
};

/**
 * Catalog settings the template does not write, with why. docs/deploy.md lists them with their
 * defaults (a test checks it). Compatibility settings are left out as well: they have no effect.
 */
export const SETTINGS_NOT_WRITTEN: Readonly<Record<string, string>> = {
  AzureWebJobsStorage:
    "a connection string needs shared keys, which the storage account disables; the app uses identity-based AzureWebJobsStorage__accountName",
  AZURE_StagingStorageConnectionString:
    "for local runs against Azurite only; in Azure the managed identity reads the staging account",
};

/** Set apart because its value needs reference(), which ARM does not allow in variables. */
export const SETTINGS_FROM_REFERENCES = ["APPLICATIONINSIGHTS_CONNECTION_STRING"] as const;

/** Functions runtime settings (not part of the catalog). */
export const RUNTIME_SETTINGS: Readonly<Record<string, string>> = {
  FUNCTIONS_EXTENSION_VERSION: "~4",
  FUNCTIONS_WORKER_RUNTIME: "node",
  // System-assigned identity for the host's storage; shared keys are disabled on the account.
  AzureWebJobsStorage__credential: "managedidentity",
  // Linux Consumption only supports a package URL. No WEBSITE_CONTENTAZUREFILECONNECTIONSTRING or
  // WEBSITE_CONTENTSHARE: an app that runs from a package URL needs no Azure Files content share,
  // and that share would need an account key.
  WEBSITE_RUN_FROM_PACKAGE: expr(param("packageUri")),
};

function isWritten(spec: SettingSpec): boolean {
  return (
    spec.ignoredBecause === undefined &&
    SETTINGS_NOT_WRITTEN[spec.name] === undefined &&
    !(SETTINGS_FROM_REFERENCES as readonly string[]).includes(spec.name)
  );
}

/** The `appSettings` variable: runtime settings, then every written catalog setting by name. */
export function buildAppSettings(): Record<string, string> {
  const settings: Record<string, string> = { ...RUNTIME_SETTINGS };
  for (const spec of SETTINGS) {
    if (!isWritten(spec)) continue;
    const value = SETTING_VALUES[spec.name] ?? spec.default;
    if (value === undefined) {
      throw new Error(
        `${spec.name} has no default and no template value: map it in SETTING_VALUES (infra/template/app-settings.ts).`,
      );
    }
    settings[spec.name] = value;
  }
  for (const name of Object.keys(SETTING_VALUES)) {
    if (!SETTINGS.some((s) => s.name === name)) {
      throw new Error(`${name} is mapped in SETTING_VALUES but is not in src/config/catalog.ts.`);
    }
  }
  return settings;
}
