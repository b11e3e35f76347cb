/**
 * Every app setting the tool reads, declared once. Parsing (settings.ts), `fhir-migrate check-config`,
 * docs/configuration.md, local.settings.sample.json and infra/main.json are all checked against this list.
 *
 * Names keep the spelling users know from the original tool's documentation (`AZURE_*`,
 * `MigrationStarterCron`); aliases cover the spellings its docs and ARM template used interchangeably.
 */

export type SettingKind =
  | { type: "boolean" }
  | { type: "integer"; min: number; max: number }
  | { type: "number"; min: number; max: number }
  | { type: "string"; pattern?: RegExp; patternText?: string }
  | { type: "url" }
  | { type: "enum"; values: readonly string[] }
  | { type: "date" }
  | { type: "list" }
  | { type: "cron" };

export type SettingGroup =
  | "Servers"
  | "Authentication"
  | "Storage"
  | "Chunking"
  | "Export"
  | "Import"
  | "Schedule"
  | "Pause and range"
  | "Failure handling"
  | "Verification"
  | "Telemetry"
  | "Compatibility";

export interface SettingSpec {
  name: string;
  aliases?: readonly string[];
  group: SettingGroup;
  kind: SettingKind;
  /** Default as a string exactly as it would be typed in the portal; undefined = no default. */
  default?: string;
  required?: boolean;
  secret?: boolean;
  /** One sentence: what it does. */
  meaning: string;
  example: string;
  /** Accepted for compatibility with the original tool but has no effect; says why. */
  ignoredBecause?: string;
  /** Setting introduced by this project (not in the original tool). */
  added?: boolean;
}

export const IMPORT_MODE_REASON =
  "IncrementalLoad (InitialLoad replaces versionId and lastUpdated, drops history and locks the destination with 423)";

/**
 * The catalog with every literal kept (`as const`): the setting names and value types in
 * ./settingNames.ts are derived from it, so a setting added here is typed without a second
 * declaration and a misspelt name does not compile.
 */
export const CATALOG = [
  // Servers
  {
    name: "AZURE_SourceUri",
    group: "Servers",
    kind: { type: "url" },
    required: true,
    meaning:
      "Base URL of the source FHIR server (Azure API for FHIR or an AHDS FHIR service). The token scope is `{base}/.default`.",
    example: "https://myapi.azurehealthcareapis.com",
  },
  {
    name: "AZURE_DestinationUri",
    group: "Servers",
    kind: { type: "url" },
    required: true,
    meaning: "Base URL of the destination AHDS FHIR service.",
    example: "https://ws-fhirsvc.fhir.azurehealthcareapis.com",
  },
  {
    name: "AZURE_UserAgent",
    group: "Servers",
    kind: { type: "string" },
    default: "fhir-migrate",
    meaning:
      "User-Agent header sent to both FHIR servers, so their logs can tell the tool's traffic apart.",
    example: "fhir-migrate-prod",
  },
  {
    name: "AZURE_HttpTimeoutSeconds",
    group: "Servers",
    kind: { type: "integer", min: 5, max: 600 },
    default: "100",
    added: true,
    meaning:
      "Timeout of one FHIR request. Import status polls get at least 120 s because the server may hold them for up to 60 s.",
    example: "100",
  },
  {
    name: "AZURE_RetryCount",
    group: "Servers",
    kind: { type: "integer", min: 0, max: 20 },
    default: "6",
    meaning:
      "Retries of one FHIR request after a transient failure (408, 429, 5xx, connection reset, timeout). Retry-After is honoured.",
    example: "6",
  },
  {
    name: "AZURE_WaitForRetry",
    group: "Servers",
    kind: { type: "number", min: 0.01, max: 300 },
    default: "1",
    meaning:
      "First backoff delay in seconds; it doubles with each retry (with jitter) up to 60 s, unless the server asks for longer.",
    example: "2",
  },
  {
    name: "AZURE_RetryMaxSeconds",
    group: "Servers",
    kind: { type: "integer", min: 1, max: 3600 },
    default: "300",
    added: true,
    meaning:
      "Total time one request may spend retrying before it fails with a transient error (the activity and orchestration then decide).",
    example: "300",
  },
  // Authentication
  {
    name: "AZURE_ClientCredential",
    group: "Authentication",
    kind: { type: "boolean" },
    default: "false",
    meaning:
      "Authenticate to the source with a client secret (for a source in another tenant) instead of the app's managed identity.",
    example: "true",
  },
  {
    name: "AZURE_TenantId",
    group: "Authentication",
    kind: {
      type: "string",
      pattern: /^[0-9a-fA-F-]{36}$|^[a-z0-9.-]+$/,
      patternText: "a tenant GUID or domain",
    },
    default: "",
    meaning: "Tenant of the source's app registration (with AZURE_ClientCredential).",
    example: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  },
  {
    name: "AZURE_ClientId",
    group: "Authentication",
    kind: { type: "string" },
    default: "",
    meaning: "Application (client) id used for the source (with AZURE_ClientCredential).",
    example: "00000000-0000-0000-0000-000000000000",
  },
  {
    name: "AZURE_ClientSecret",
    group: "Authentication",
    kind: { type: "string" },
    default: "",
    secret: true,
    meaning:
      "Client secret for the source (with AZURE_ClientCredential). Deployments store it in Key Vault and set a Key Vault reference here.",
    example:
      "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/source-client-secret/)",
  },
  // Storage
  {
    name: "AzureWebJobsStorage",
    group: "Storage",
    kind: { type: "string" },
    default: "",
    secret: true,
    meaning:
      "Connection string of the app's own storage (the Functions runtime setting). Used for tables and payload blobs when AZURE_StagingStorageUri / AZURE_BlobStorageUri are not set; deployments use identity-based `AzureWebJobsStorage__accountName` instead.",
    example: "UseDevelopmentStorage=true",
  },
  {
    name: "AzureWebJobsStorage__accountName",
    group: "Storage",
    kind: { type: "string" },
    default: "",
    meaning:
      "Name of the app's own storage account for identity-based access; tables and payload blobs default to it.",
    example: "migstor1a2b",
  },
  {
    name: "AZURE_StagingStorageUri",
    group: "Storage",
    kind: { type: "url" },
    default: "",
    meaning:
      "Table service endpoint holding the cursor and job tables (managed identity). Defaults to the app's own storage account.",
    example: "https://migstor1a2b.table.core.windows.net",
  },
  {
    name: "AZURE_BlobStorageUri",
    group: "Storage",
    kind: { type: "url" },
    default: "",
    meaning:
      "Blob service endpoint for import payload bodies and stored manifests (managed identity). Defaults to the app's own storage account.",
    example: "https://migstor1a2b.blob.core.windows.net",
  },
  {
    name: "AZURE_stagingStorageAccountName",
    group: "Storage",
    kind: { type: "string" },
    default: "",
    meaning:
      "Name of the export/import staging account (the one both FHIR servers are configured with). Used by CheckAccess and to read import error files.",
    example: "fhirstaging01",
  },
  {
    name: "AZURE_StagingStorageConnectionString",
    group: "Storage",
    kind: { type: "string" },
    default: "",
    secret: true,
    added: true,
    meaning:
      "Connection string of the staging account, for local runs against Azurite only; in Azure the managed identity reads it.",
    example: "UseDevelopmentStorage=true",
  },
  {
    name: "AZURE_ChunkTableName",
    group: "Storage",
    kind: {
      type: "string",
      pattern: /^[A-Za-z][A-Za-z0-9]{2,62}$/,
      patternText: "3-63 letters or digits, starting with a letter",
    },
    default: "chunk",
    meaning: "Table holding the cursor row (watermark, counters, halt state).",
    example: "chunk",
  },
  {
    name: "AZURE_ExportTableName",
    group: "Storage",
    kind: {
      type: "string",
      pattern: /^[A-Za-z][A-Za-z0-9]{2,62}$/,
      patternText: "3-63 letters or digits, starting with a letter",
    },
    default: "export",
    meaning:
      "Table holding one row per chunk, per import payload, per failed resource and per check result.",
    example: "export",
  },
  {
    name: "AZURE_PartitionKey",
    group: "Storage",
    kind: {
      type: "string",
      pattern: /^[^/\\#?]{1,200}$/,
      patternText: "1-200 characters without / \\ # ?",
    },
    default: "mypartitionkey",
    meaning:
      "Partition key of the cursor row and of every job row, so several migrations can share tables.",
    example: "mypartitionkey",
  },
  {
    name: "AZURE_RowKey",
    group: "Storage",
    kind: {
      type: "string",
      pattern: /^[^/\\#?]{1,200}$/,
      patternText: "1-200 characters without / \\ # ?",
    },
    default: "myrowkey",
    meaning: "Row key of the cursor row; also the prefix of chunk row keys.",
    example: "myrowkey",
  },
  // Chunking
  {
    name: "AZURE_StartDate",
    group: "Chunking",
    kind: { type: "date" },
    default: "",
    meaning:
      "Where the first window starts. Empty: at the oldest `_lastUpdated` on the source (history-aware when history or deletes are exported).",
    example: "2019-01-01T00:00:00Z",
  },
  {
    name: "AZURE_EndDate",
    group: "Chunking",
    kind: { type: "date" },
    default: "",
    meaning: "With AZURE_SpecificRun: the migration stops at this instant (exclusive).",
    example: "2024-12-31T00:00:00Z",
  },
  {
    name: "AZURE_ExportChunkTime",
    group: "Chunking",
    kind: { type: "integer", min: 1, max: 100000 },
    default: "30",
    meaning:
      "Length of one export window, in units of AZURE_ExportChunkDuration (system-level mode), when AZURE_ChunkTargetResources is 0; with a target (the default) windows are sized by what they hold instead.",
    example: "30",
  },
  {
    name: "AZURE_ExportChunkDuration",
    group: "Chunking",
    kind: { type: "enum", values: ["Days", "Hours", "Minutes"] },
    default: "Days",
    meaning: "Unit of the window lengths: Days, Hours or Minutes (any letter case).",
    example: "Hours",
  },
  {
    name: "AZURE_ResourceExportChunkTime",
    group: "Chunking",
    kind: { type: "integer", min: 1, max: 100000 },
    default: "30",
    meaning:
      "Length of one export window in per-type mode (AZURE_IsParallel=false), when AZURE_ChunkTargetResources is 0.",
    example: "30",
  },
  {
    name: "AZURE_ChunkLimit",
    group: "Chunking",
    kind: { type: "integer", min: 1, max: 1_000_000_000 },
    default: "100000000",
    meaning:
      "Most resource versions one export window may hold; a fuller window is split by time (history-aware count).",
    example: "1000000",
  },
  {
    name: "AZURE_ChunkTargetResources",
    group: "Chunking",
    kind: { type: "integer", min: 0, max: 1_000_000_000 },
    default: "500000",
    added: true,
    meaning:
      "Fewest versions a window holds while more are waiting (history-aware count): a window takes a sixteenth of what is left up to now, at least this many, at most AZURE_ChunkLimit and 10,000,000; near the present it holds about this many; the first windows of a migration ramp up from an eighth of it. 0: one AZURE_ExportChunkTime step per window, as in the original tool. See docs/configuration.md, How big a window is.",
    example: "500000",
  },
  {
    name: "AZURE_SafetyLagSeconds",
    group: "Chunking",
    kind: { type: "integer", min: 0, max: 86400 },
    default: "60",
    added: true,
    meaning:
      "Windows end at least this long before now, so writes still being committed on the source are not cut in half.",
    example: "60",
  },
  // Export
  {
    name: "AZURE_IsParallel",
    group: "Export",
    kind: { type: "boolean" },
    default: "true",
    meaning:
      "true: one system-level `$export?_isParallel=true` per window. false: one `$export?_type=T` per resource type that changed in the window.",
    example: "true",
  },
  {
    name: "AZURE_ExportWithHistory",
    group: "Export",
    kind: { type: "boolean" },
    default: "true",
    meaning:
      "Export older versions too (`includeAssociatedData=_history`); they arrive as history on the destination.",
    example: "true",
  },
  {
    name: "AZURE_ExportWithDelete",
    group: "Export",
    kind: { type: "boolean" },
    default: "true",
    meaning:
      "Export soft-deleted versions (`includeAssociatedData=_deleted`); they arrive as deleted versions.",
    example: "true",
  },
  {
    name: "AZURE_ResourceTypes",
    group: "Export",
    kind: { type: "list" },
    default: "",
    meaning:
      "Resource types for per-type mode, comma-separated (or `AZURE_ResourceTypes__0`, `__1`, …). Empty: every FHIR R4 type except SearchParameter.",
    example: "Patient,Observation,Encounter",
  },
  {
    name: "AZURE_MaxCount",
    group: "Export",
    kind: { type: "boolean" },
    default: "false",
    meaning:
      "Send `_maxCount` with every export (lower it when the source runs out of memory, HTTP 413).",
    example: "true",
  },
  {
    name: "AZURE_MaxCountValue",
    group: "Export",
    kind: { type: "integer", min: 1, max: 10000 },
    default: "10000",
    meaning: "The `_maxCount` value, 1-10000 (the server's own range).",
    example: "5000",
  },
  {
    name: "AZURE_IsExportDeidentified",
    aliases: ["AZURE_ExportDeidentified"],
    group: "Export",
    kind: { type: "boolean" },
    default: "false",
    meaning:
      "Export through an anonymization config (`_container=anonymization&_anonymizationConfig=…`). Needs AZURE_IsParallel=true and AZURE_ConfigFile.",
    example: "true",
  },
  {
    name: "AZURE_ConfigFile",
    group: "Export",
    kind: { type: "string" },
    default: "",
    meaning:
      "Blob name of the anonymization config in the staging account's `anonymization` container (`.json` added when missing).",
    example: "DemoTruncate.json",
  },
  {
    name: "AZURE_ExportContainer",
    group: "Export",
    kind: { type: "string" },
    default: "",
    added: true,
    meaning:
      "Blob container of the staging account the exports write to (`_container`). Empty: the server's default, a new container per export job (`anonymization` with de-identified export). 3-63 lowercase letters, digits and single hyphens; a `..` path segment is refused, also percent-encoded, as the server does.",
    example: "fhir-export",
  },
  {
    name: "AZURE_ExportTimeoutMinutes",
    group: "Export",
    kind: { type: "integer", min: 1, max: 100000 },
    default: "720",
    added: true,
    meaning:
      "Watchdog: an export still at 202 after this long is cancelled (DELETE) and its window requeued, counted as a failure.",
    example: "720",
  },
  {
    name: "AZURE_ExportConfirmations",
    group: "Export",
    kind: { type: "integer", min: 1, max: 10 },
    default: "3",
    added: true,
    meaning:
      "Guard against premature completion: a manifest that holds fewer resources than the window's count is accepted only after this many identical 200 answers.",
    example: "3",
  },
  {
    name: "AZURE_ExportConfirmDelaySeconds",
    group: "Export",
    kind: { type: "integer", min: 0, max: 3600 },
    default: "60",
    added: true,
    meaning: "Delay between the confirming status polls of AZURE_ExportConfirmations.",
    example: "60",
  },
  {
    name: "AZURE_MaxExportsInFlight",
    group: "Export",
    kind: { type: "integer", min: 1, max: 10 },
    default: "4",
    added: true,
    meaning:
      'How many windows may be exporting at once (the source never runs more exports of this migration); at most this plus four windows are unprocessed. The source runs its own jobs at most two at a time per machine, so more exports queue there rather than add load. Imports overlap with them whatever the value: with 1 the next window still exports while the previous one imports, on the other server (docs/configuration.md, "Overlap").',
    example: "4",
  },
  {
    name: "AZURE_SelfStageMaxVersions",
    group: "Export",
    kind: { type: "integer", min: 0, max: 10000 },
    default: "1000",
    added: true,
    meaning:
      "A window holding at most this many versions is staged by the tool itself: it pages the source's `_history` for the window and writes the same NDJSON `$export` would, saving one export job's fixed cost (docs/performance.md, \"Small windows without $export\"). Applies only with AZURE_ExportWithHistory and AZURE_ExportWithDelete on and without de-identified export. 0 disables it.",
    example: "1000",
  },
  {
    name: "AZURE_SelfStagePageSize",
    group: "Export",
    kind: { type: "integer", min: 10, max: 1000 },
    default: "1000",
    added: true,
    meaning:
      "`_count` of each `_history` page a self-staged window reads (the server's largest page is 1000, MaxItemCountPerSearch).",
    example: "500",
  },
  {
    name: "AZURE_SelfStageConcurrency",
    group: "Export",
    kind: { type: "integer", min: 1, max: 10 },
    default: "2",
    added: true,
    meaning: "How many windows may be self-staged at once (one pass).",
    example: "2",
  },
  {
    name: "AZURE_SelfStageRequestBudget",
    group: "Export",
    kind: { type: "integer", min: 1, max: 1000 },
    default: "20",
    added: true,
    meaning:
      "Most `_history` page requests one pass spends self-staging, shared by the windows it stages. A window that needs more falls back to `$export` (recorded in telemetry as a SelfStage event).",
    example: "20",
  },
  // Import
  {
    name: "AZURE_ImportMode",
    group: "Import",
    kind: { type: "enum", values: ["IncrementalLoad"] },
    default: "IncrementalLoad",
    meaning: `The \`$import\` mode. Only ${IMPORT_MODE_REASON}.`,
    example: "IncrementalLoad",
  },
  {
    name: "AZURE_FileCount",
    group: "Import",
    kind: { type: "integer", min: 1, max: 10000 },
    default: "10000",
    meaning: "Most input files in one `$import` body (the service accepts at most 10,000).",
    example: "10000",
  },
  {
    name: "AZURE_PayloadCount",
    group: "Import",
    kind: { type: "integer", min: 1, max: 5 },
    default: "5",
    meaning:
      "Most `$import` jobs in flight at once, across all windows (the service runs at most 5).",
    example: "5",
  },
  {
    name: "AZURE_ImportTimeoutMinutes",
    group: "Import",
    kind: { type: "integer", min: 1, max: 100000 },
    default: "720",
    added: true,
    meaning:
      "Watchdog: an import still at 202 after this long is cancelled (DELETE) and its payload requeued.",
    example: "720",
  },
  {
    name: "AZURE_ImportAttempts",
    group: "Import",
    kind: { type: "integer", min: 1, max: 20 },
    default: "3",
    added: true,
    meaning:
      "Attempts per import payload. A payload whose job fails this many times halts the migration with the reason, instead of being skipped.",
    example: "3",
  },
  {
    name: "AZURE_ImportIsolationJobs",
    group: "Import",
    kind: { type: "integer", min: 0, max: 10000 },
    default: "100",
    added: true,
    meaning:
      'Extra import jobs per window for isolating resources the destination refuses (an import job that fails as a whole because of its content is split and re-imported until each refused resource stands alone). What one such resource costs: docs/operations.md, "What isolation costs". When the budget is used up the migration halts with the reason. 0 turns isolation off: such a payload is retried, then halts.',
    example: "100",
  },
  {
    name: "AZURE_ImportScreening",
    group: "Import",
    kind: { type: "boolean" },
    default: "true",
    added: true,
    meaning:
      "Keep export lines the destination's SQL search index cannot hold (an indexed number or quantity of 1e18 or more, which fails the whole import job) out of the import, record them as refused with the value named, and import the rest of the file in the same job. false sends them: the failing job is then diagnosed by isolation (AZURE_ImportIsolationJobs).",
    example: "true",
  },
  // Schedule
  {
    name: "MigrationStarterCron",
    group: "Schedule",
    kind: { type: "cron" },
    default: "0 */5 * * * *",
    meaning:
      "NCRONTAB (six fields) of the watchdog timer that starts the migration orchestration when it is not running. It is not the pace: rounds continue immediately.",
    example: "0 */5 * * * *",
  },
  {
    name: "AZURE_ScheduleInterval",
    group: "Schedule",
    kind: { type: "number", min: 0.001, max: 1440 },
    default: "0.5",
    meaning:
      "Minutes between status polls of running export and import jobs (fractions allowed: 0.5 = 30 s).",
    example: "0.5",
  },
  {
    name: "AZURE_IdlePollMinutes",
    group: "Schedule",
    kind: { type: "number", min: 0.001, max: 1440 },
    default: "1",
    added: true,
    meaning: "Once caught up: minutes between the cheap checks for new changes on the source.",
    example: "1",
  },
  // Pause and range
  {
    name: "AZURE_PauseDm",
    aliases: ["AZURE_StopDm"],
    group: "Pause and range",
    kind: { type: "boolean" },
    default: "false",
    meaning:
      "Pause during business hours: no new export starts between AZURE_StartTime and AZURE_EndTime (UTC).",
    example: "true",
  },
  {
    name: "AZURE_StartTime",
    group: "Pause and range",
    kind: { type: "integer", min: 0, max: 23 },
    default: "8",
    meaning: "First paused hour (UTC, 0-23): the pause starts at HH:00.",
    example: "9",
  },
  {
    name: "AZURE_EndTime",
    group: "Pause and range",
    kind: { type: "integer", min: 0, max: 23 },
    default: "17",
    meaning:
      "Hour the pause ends (UTC, 0-23): new exports may start again from HH:00. End < start wraps past midnight.",
    example: "18",
  },
  {
    name: "AZURE_ContinueLastImportDuringPause",
    group: "Pause and range",
    kind: { type: "boolean" },
    default: "false",
    meaning:
      "During a pause, still start imports of exports that finished (running jobs are always polled to completion).",
    example: "true",
  },
  {
    name: "AZURE_SpecificRun",
    group: "Pause and range",
    kind: { type: "boolean" },
    default: "false",
    meaning: "Migrate only [AZURE_StartDate, AZURE_EndDate), then stop. Needs both dates.",
    example: "true",
  },
  // Failure handling
  {
    name: "AZURE_MaxExportRetriesEnabled",
    group: "Failure handling",
    kind: { type: "boolean" },
    default: "true",
    meaning:
      "Halt visibly after AZURE_MaxExportRetries consecutive export/import failures; resume with ClearMaxExportRetries_Http.",
    example: "true",
  },
  {
    name: "AZURE_MaxExportRetries",
    group: "Failure handling",
    kind: { type: "integer", min: 1, max: 1000 },
    default: "5",
    meaning: "Consecutive failures before the halt.",
    example: "5",
  },
  // Verification
  {
    name: "AZURE_DeepCheckCount",
    group: "Verification",
    kind: { type: "integer", min: 0, max: 1_000_000 },
    default: "100",
    meaning:
      "Resources sampled by the deep check, in total across types (each with all its versions when history is migrated). 0 skips the deep check.",
    example: "1000",
  },
  {
    name: "AZURE_LedgerRecheckSeconds",
    group: "Verification",
    kind: { type: "integer", min: 0, max: 86400 },
    default: "300",
    added: true,
    meaning:
      "Delay before a ledger entry whose destination count fell short is counted again (and then imported once more). See docs/architecture.md, Ledger.",
    example: "300",
  },
  {
    name: "AZURE_SurfaceCheckResources",
    group: "Verification",
    kind: { type: "list" },
    default: "",
    meaning:
      "Resource types the checks cover, comma-separated. Empty: every type present on either server.",
    example: "Patient,Observation",
  },
  {
    name: "AZURE_CheckConcurrency",
    group: "Verification",
    kind: { type: "integer", min: 1, max: 64 },
    default: "8",
    added: true,
    meaning: "Requests the surface, deep and reconciliation checks send at once to each server.",
    example: "8",
  },
  {
    name: "AZURE_ApplyHardDeletes",
    group: "Verification",
    kind: { type: "boolean" },
    default: "false",
    added: true,
    meaning:
      "Reconciliation deletes, on the destination, resources that were hard-deleted on the source (recorded per id). Off: only listed.",
    example: "false",
  },
  {
    name: "AZURE_ReindexAfterCatchUp",
    group: "Verification",
    kind: { type: "boolean" },
    default: "false",
    added: true,
    meaning:
      "Start `$reindex` on the destination once caught up, when custom SearchParameters were copied.",
    example: "false",
  },
  // Telemetry
  {
    name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    aliases: ["AZURE_AppInsightConnectionstring"],
    group: "Telemetry",
    kind: { type: "string" },
    default: "",
    secret: true,
    meaning:
      "Application Insights connection string; telemetry events and metrics are sent only when it is set.",
    example:
      "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
  },
  {
    name: "AZURE_Debug",
    group: "Telemetry",
    kind: { type: "boolean" },
    default: "false",
    meaning: "Log at Debug level instead of Information.",
    example: "false",
  },
  {
    name: "AZURE_SurfaceRowKey",
    group: "Compatibility",
    kind: {
      type: "string",
      pattern: /^[^/\\#?]{1,200}$/,
      patternText: "1-200 characters without / \\ # ?",
    },
    default: "",
    meaning: "Accepted for compatibility with the original tool; has no effect.",
    ignoredBecause:
      "check results are stored per verification run in the `{AZURE_PartitionKey}-checks` partition, keyed by run id",
    example: "surfacerowkey",
  },
  {
    name: "AZURE_DeepRowKey",
    group: "Compatibility",
    kind: {
      type: "string",
      pattern: /^[^/\\#?]{1,200}$/,
      patternText: "1-200 characters without / \\ # ?",
    },
    default: "",
    meaning: "Accepted for compatibility with the original tool; has no effect.",
    ignoredBecause:
      "check results are stored per verification run in the `{AZURE_PartitionKey}-checks` partition, keyed by run id",
    example: "deeprowkey",
  },
  // Compatibility: accepted so copied settings do not fail, documented as having no effect.
  ...(
    [
      ["AZURE_QuerySurface", "the surface check discovers types and always uses `_summary=count`"],
      [
        "AZURE_HistoryDeleteQuerySurface",
        "the surface check adds `_history` counts whenever history or deletes are exported",
      ],
      ["AZURE_QueryDeep", "the deep check samples every type, sized by AZURE_DeepCheckCount"],
      [
        "AZURE_HistoryDeleteQueryDeep",
        "the deep check compares versions whenever history is exported",
      ],
      ["AZURE_SourceHttpClient", "it named a .NET HttpClient; this tool has one client per server"],
      [
        "AZURE_DestinationHttpClient",
        "it named a .NET HttpClient; this tool has one client per server",
      ],
    ] as const
  ).map(
    ([name, why]) =>
      ({
        name,
        group: "Compatibility",
        kind: { type: "string" },
        default: "",
        meaning: "Accepted for compatibility with the original tool; has no effect.",
        example: "",
        ignoredBecause: why,
      }) as const,
  ),
] as const satisfies readonly SettingSpec[];

export const SETTINGS: readonly SettingSpec[] = CATALOG;

export function findSetting(name: string): SettingSpec | undefined {
  return SETTINGS.find((s) => s.name === name || s.aliases?.includes(name));
}
