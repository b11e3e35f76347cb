import type { SettingIssue } from "../errors";
import { ConfigurationError } from "../errors";
import { IMPORT_MODE_REASON, SETTINGS, findSetting } from "./catalog";
import { expectedText, isLoopbackUrl, settingsSchema } from "./schema";

export type ChunkUnit = "Days" | "Hours" | "Minutes";

export type ServerAuth =
  | { kind: "managedIdentity" }
  | { kind: "clientSecret"; tenantId: string; clientId: string; clientSecret: string }
  /** Only for loopback URLs (local emulators). */
  | { kind: "none" };

export interface ServerSettings {
  baseUrl: string;
  auth: ServerAuth;
}

export type StorageTarget =
  { kind: "connectionString"; connectionString: string } | { kind: "identity"; endpoint: string };

export interface RetrySettings {
  maxRetries: number;
  firstDelayMs: number;
  maxDelayMs: number;
  budgetMs: number;
}

export interface Settings {
  source: ServerSettings;
  destination: ServerSettings;
  http: { userAgent: string; timeoutMs: number; retry: RetrySettings };
  storage: {
    tables: StorageTarget;
    blobs: StorageTarget;
    stagingAccountName: string | undefined;
    stagingConnectionString: string | undefined;
    chunkTable: string;
    exportTable: string;
    partitionKey: string;
    rowKey: string;
    surfaceRowKey: string;
    deepRowKey: string;
  };
  chunking: {
    startDate: string | undefined;
    endDate: string | undefined;
    specificRun: boolean;
    unit: ChunkUnit;
    parallelChunkLength: number;
    perTypeChunkLength: number;
    chunkLimit: number;
    safetyLagMs: number;
  };
  export: {
    isParallel: boolean;
    withHistory: boolean;
    withDelete: boolean;
    /** Empty = every R4 type except SearchParameter. */
    resourceTypes: readonly string[];
    maxCount: number | undefined;
    /** Anonymization config blob name (with .json) when de-identified export is on. */
    anonymizationConfig: string | undefined;
    timeoutMs: number;
    confirmations: number;
    confirmDelayMs: number;
    maxInFlight: number;
  };
  import: {
    mode: "IncrementalLoad";
    fileCount: number;
    payloadCount: number;
    timeoutMs: number;
    attempts: number;
  };
  schedule: { cron: string; pollIntervalMs: number; idlePollMs: number };
  pause: {
    enabled: boolean;
    startHour: number;
    endHour: number;
    continueLastImportDuringPause: boolean;
  };
  failure: { haltEnabled: boolean; maxConsecutiveFailures: number };
  verification: {
    deepCheckCount: number;
    resourceTypes: readonly string[];
    concurrency: number;
    applyHardDeletes: boolean;
    reindexAfterCatchUp: boolean;
  };
  telemetry: { connectionString: string | undefined; debug: boolean };
  /** Human-readable notes about settings that were accepted but have no effect. */
  warnings: readonly string[];
}

export type Environment = Readonly<Record<string, string | undefined>>;

const MINUTE = 60_000;

/** Masks a secret for display: never print any part of it. */
export function maskValue(name: string, value: string | undefined): string {
  if (value === undefined || value === "") return "(empty)";
  return findSetting(name)?.secret === true ? "*** (set, hidden)" : JSON.stringify(value);
}

/**
 * Reads each catalog setting from the environment, resolving aliases and `__n` list forms.
 * Returns canonical-name → raw string, plus issues for conflicting aliases.
 */
function collectRaw(env: Environment): {
  raw: Record<string, string | undefined>;
  issues: SettingIssue[];
} {
  const raw: Record<string, string | undefined> = {};
  const issues: SettingIssue[] = [];
  for (const spec of SETTINGS) {
    const present = [spec.name, ...(spec.aliases ?? [])].filter(
      (n) => env[n] !== undefined && env[n] !== "",
    );
    const values = new Set(present.map((n) => env[n]!.trim()));
    if (values.size > 1) {
      issues.push({
        setting: present.join(" / "),
        received: present.map((n) => `${n}=${maskValue(spec.name, env[n])}`).join(", "),
        expected: "one value: these names are aliases of each other; remove one",
      });
    }
    let value = present.length > 0 ? env[present[0]!] : undefined;
    if (spec.kind.type === "list" && value === undefined) {
      const indexed = Object.keys(env)
        .map((k) => new RegExp(`^${spec.name}__(\\d+)$`).exec(k))
        .filter((m): m is RegExpExecArray => m !== null)
        .sort((a, b) => Number(a[1]) - Number(b[1]))
        .map((m) => env[m[0]]!.trim());
      if (indexed.length > 0) value = indexed.join(",");
    }
    raw[spec.name] = value;
  }
  return { raw, issues };
}

function chunkUnitMs(unit: ChunkUnit): number {
  return unit === "Days" ? 24 * 60 * MINUTE : unit === "Hours" ? 60 * MINUTE : MINUTE;
}

export function chunkLengthMs(unit: ChunkUnit, length: number): number {
  return chunkUnitMs(unit) * length;
}

function storageTarget(
  uri: string | undefined,
  accountName: string | undefined,
  service: "table" | "blob",
  connectionString: string | undefined,
): StorageTarget | undefined {
  if (uri !== undefined) return { kind: "identity", endpoint: uri };
  if (accountName !== undefined) {
    return { kind: "identity", endpoint: `https://${accountName}.${service}.core.windows.net` };
  }
  if (connectionString !== undefined) return { kind: "connectionString", connectionString };
  return undefined;
}

function serverAuth(baseUrl: string, clientSecret: ServerAuth | undefined): ServerAuth {
  if (clientSecret !== undefined) return clientSecret;
  return isLoopbackUrl(new URL(baseUrl)) ? { kind: "none" } : { kind: "managedIdentity" };
}

/**
 * Parses and validates the whole environment at once. Throws one ConfigurationError that lists
 * every bad setting (name, value received with secrets masked, what is accepted).
 */
export function parseSettings(env: Environment): Settings {
  const { raw, issues } = collectRaw(env);
  const v: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const spec of SETTINGS) {
    const result = settingsSchema.shape[spec.name]!.safeParse(raw[spec.name]);
    if (result.success) {
      v[spec.name] = result.data;
    } else {
      failed.add(spec.name);
      const expected =
        spec.name === "AZURE_ImportMode"
          ? IMPORT_MODE_REASON
          : (result.error.issues[0]?.message ?? expectedText(spec));
      issues.push({ setting: spec.name, received: maskValue(spec.name, raw[spec.name]), expected });
    }
  }
  const str = (n: string) => v[n] as string | undefined;
  const bool = (n: string) => v[n] === true;
  const num = (n: string) => v[n] as number;
  const list = (n: string) => v[n] as string[] | undefined;

  const add = (setting: string, expected: string, value = raw[setting]) =>
    issues.push({ setting, received: maskValue(setting, value), expected });

  const specificRun = bool("AZURE_SpecificRun");
  const startDate = str("AZURE_StartDate");
  const endDate = str("AZURE_EndDate");
  if (startDate !== undefined && endDate !== undefined && startDate >= endDate) {
    add("AZURE_EndDate", `an instant after AZURE_StartDate (${startDate})`);
  }
  if (specificRun && (startDate === undefined || endDate === undefined)) {
    if (startDate === undefined)
      add("AZURE_StartDate", "a date: AZURE_SpecificRun=true needs both dates");
    if (endDate === undefined)
      add("AZURE_EndDate", "a date: AZURE_SpecificRun=true needs both dates");
  }

  const deidentified = bool("AZURE_IsExportDeidentified");
  const configFile = str("AZURE_ConfigFile");
  if (deidentified && !bool("AZURE_IsParallel")) {
    add(
      "AZURE_IsParallel",
      "true: de-identified export (AZURE_IsExportDeidentified) is system-level only",
    );
  }
  if (deidentified && configFile === undefined) {
    add(
      "AZURE_ConfigFile",
      "the anonymization config blob name: AZURE_IsExportDeidentified=true needs it",
    );
  }

  let sourceClientSecret: ServerAuth | undefined;
  if (bool("AZURE_ClientCredential")) {
    for (const n of ["AZURE_TenantId", "AZURE_ClientId", "AZURE_ClientSecret"]) {
      if (str(n) === undefined)
        add(n, `${expectedText(findSetting(n)!)}: AZURE_ClientCredential=true needs it`);
    }
    sourceClientSecret = {
      kind: "clientSecret",
      tenantId: str("AZURE_TenantId") ?? "",
      clientId: str("AZURE_ClientId") ?? "",
      clientSecret: str("AZURE_ClientSecret") ?? "",
    };
  }

  const webJobs = str("AzureWebJobsStorage");
  const accountName = str("AzureWebJobsStorage__accountName");
  const tables = storageTarget(str("AZURE_StagingStorageUri"), accountName, "table", webJobs);
  const blobs = storageTarget(str("AZURE_BlobStorageUri"), accountName, "blob", webJobs);
  if (
    (tables === undefined || blobs === undefined) &&
    !failed.has("AZURE_StagingStorageUri") &&
    !failed.has("AZURE_BlobStorageUri")
  ) {
    add(
      "AzureWebJobsStorage",
      "a storage connection string, or AzureWebJobsStorage__accountName, or AZURE_StagingStorageUri and AZURE_BlobStorageUri",
    );
  }

  if ((list("AZURE_ResourceTypes") ?? []).includes("SearchParameter")) {
    add(
      "AZURE_ResourceTypes",
      "resource types without SearchParameter ($import rejects it; custom SearchParameters are copied separately)",
    );
  }

  if (issues.length > 0) throw new ConfigurationError(issues);

  const warnings = SETTINGS.filter(
    (s) => s.ignoredBecause !== undefined && raw[s.name] !== undefined,
  ).map((s) => `${s.name} has no effect: ${s.ignoredBecause}.`);

  const unit = str("AZURE_ExportChunkDuration") as ChunkUnit;
  const sourceUrl = str("AZURE_SourceUri")!;
  const destinationUrl = str("AZURE_DestinationUri")!;
  const settings: Settings = {
    source: { baseUrl: sourceUrl, auth: serverAuth(sourceUrl, sourceClientSecret) },
    destination: { baseUrl: destinationUrl, auth: serverAuth(destinationUrl, undefined) },
    http: {
      userAgent: str("AZURE_UserAgent")!,
      timeoutMs: num("AZURE_HttpTimeoutSeconds") * 1000,
      retry: {
        maxRetries: num("AZURE_RetryCount"),
        firstDelayMs: num("AZURE_WaitForRetry") * 1000,
        maxDelayMs: 60_000,
        budgetMs: num("AZURE_RetryMaxSeconds") * 1000,
      },
    },
    storage: {
      tables: tables!,
      blobs: blobs!,
      stagingAccountName: str("AZURE_stagingStorageAccountName"),
      stagingConnectionString: str("AZURE_StagingStorageConnectionString"),
      chunkTable: str("AZURE_ChunkTableName")!,
      exportTable: str("AZURE_ExportTableName")!,
      partitionKey: str("AZURE_PartitionKey")!,
      rowKey: str("AZURE_RowKey")!,
      surfaceRowKey: str("AZURE_SurfaceRowKey")!,
      deepRowKey: str("AZURE_DeepRowKey")!,
    },
    chunking: {
      startDate,
      endDate,
      specificRun,
      unit,
      parallelChunkLength: num("AZURE_ExportChunkTime"),
      perTypeChunkLength: num("AZURE_ResourceExportChunkTime"),
      chunkLimit: num("AZURE_ChunkLimit"),
      safetyLagMs: num("AZURE_SafetyLagSeconds") * 1000,
    },
    export: {
      isParallel: bool("AZURE_IsParallel"),
      withHistory: bool("AZURE_ExportWithHistory"),
      withDelete: bool("AZURE_ExportWithDelete"),
      resourceTypes: Object.freeze(list("AZURE_ResourceTypes") ?? []),
      maxCount: bool("AZURE_MaxCount") ? num("AZURE_MaxCountValue") : undefined,
      anonymizationConfig:
        deidentified && configFile !== undefined
          ? configFile.toLowerCase().endsWith(".json")
            ? configFile
            : `${configFile}.json`
          : undefined,
      timeoutMs: num("AZURE_ExportTimeoutMinutes") * MINUTE,
      confirmations: num("AZURE_ExportConfirmations"),
      confirmDelayMs: num("AZURE_ExportConfirmDelaySeconds") * 1000,
      maxInFlight: num("AZURE_MaxExportsInFlight"),
    },
    import: {
      mode: "IncrementalLoad",
      fileCount: num("AZURE_FileCount"),
      payloadCount: num("AZURE_PayloadCount"),
      timeoutMs: num("AZURE_ImportTimeoutMinutes") * MINUTE,
      attempts: num("AZURE_ImportAttempts"),
    },
    schedule: {
      cron: str("MigrationStarterCron")!,
      pollIntervalMs: Math.round(num("AZURE_ScheduleInterval") * MINUTE),
      idlePollMs: Math.round(num("AZURE_IdlePollMinutes") * MINUTE),
    },
    pause: {
      enabled: bool("AZURE_PauseDm"),
      startHour: num("AZURE_StartTime"),
      endHour: num("AZURE_EndTime"),
      continueLastImportDuringPause: bool("AZURE_ContinueLastImportDuringPause"),
    },
    failure: {
      haltEnabled: bool("AZURE_MaxExportRetriesEnabled"),
      maxConsecutiveFailures: num("AZURE_MaxExportRetries"),
    },
    verification: {
      deepCheckCount: num("AZURE_DeepCheckCount"),
      resourceTypes: Object.freeze(list("AZURE_SurfaceCheckResources") ?? []),
      concurrency: num("AZURE_CheckConcurrency"),
      applyHardDeletes: bool("AZURE_ApplyHardDeletes"),
      reindexAfterCatchUp: bool("AZURE_ReindexAfterCatchUp"),
    },
    telemetry: {
      connectionString: str("APPLICATIONINSIGHTS_CONNECTION_STRING"),
      debug: bool("AZURE_Debug"),
    },
    warnings: Object.freeze(warnings),
  };
  return deepFreeze(settings);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** Effective settings for display: canonical name → value as used, secrets masked. */
export function describeEffectiveSettings(
  env: Environment,
): { name: string; value: string; source: string }[] {
  const { raw } = collectRaw(env);
  return SETTINGS.map((spec) => {
    const given = raw[spec.name];
    const value = given ?? spec.default ?? "";
    return {
      name: spec.name,
      value: maskValue(spec.name, value),
      source: given !== undefined ? "set" : "default",
    };
  });
}
