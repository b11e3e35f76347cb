import type { SettingIssue } from "../errors";
import { ConfigurationError } from "../errors";
import { redactUrl } from "../fhir/redact";
import type { SettingGroup, SettingSpec } from "./catalog";
import { IMPORT_MODE_REASON, SETTINGS, findSetting } from "./catalog";
import { exportContainerProblem } from "../core/exportContainer";
import { expectedText, isLoopbackUrl, settingsSchema, unquote } from "./schema";
import type { CatalogValues, SettingName, SettingNameOf } from "./settingNames";
import { differsFromDefault, settingValuesOf, valueIssues, valueWarnings } from "./valueChecks";

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
    cursorTable: string;
    exportTable: string;
    partitionKey: string;
    rowKey: string;
  };
  chunking: {
    startDate: string | undefined;
    endDate: string | undefined;
    specificRun: boolean;
    unit: ChunkUnit;
    parallelChunkLength: number;
    perTypeChunkLength: number;
    chunkLimit: number;
    /** AZURE_ChunkTargetResources (0 = one AZURE_ExportChunkTime step per window). */
    targetVersions: number;
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
    /** `_container` of every export (AZURE_ExportContainer); undefined: the server's default. */
    container: string | undefined;
    timeoutMs: number;
    confirmations: number;
    confirmDelayMs: number;
    maxInFlight: number;
    /** Small windows staged by the tool from `_history` (core/selfStaging.ts); maxVersions 0 = off. */
    selfStage: {
      maxVersions: number;
      pageSize: number;
      concurrency: number;
      requestBudget: number;
    };
  };
  import: {
    mode: "IncrementalLoad";
    fileCount: number;
    payloadCount: number;
    timeoutMs: number;
    attempts: number;
    /** Extra import jobs per window for isolating refused resources (docs/operations.md). */
    isolationJobs: number;
    /** Keep lines the destination's decimal(36,18) index cannot hold out of the import (core/indexedNumbers.ts). */
    screening: boolean;
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
    /** AZURE_LedgerRecheckSeconds: wait before a short ledger entry is counted again. */
    ledgerRecheckMs: number;
  };
  telemetry: { connectionString: string | undefined; debug: boolean };
  /** Human-readable notes: settings accepted but without effect, and names this tool does not know. */
  warnings: readonly string[];
}

export type Environment = Readonly<Record<string, string | undefined>>;

const MINUTE = 60_000;

/** Masks a secret for display: never print any part of it. */
export function maskValue(name: string, value: string | undefined): string {
  if (value === undefined || value === "") return "(empty)";
  const spec = findSetting(name);
  if (spec?.secret === true) return "*** (set, hidden)";
  return JSON.stringify(spec?.kind.type === "url" ? redactUrl(value) : value);
}

const nameKey = (name: string) => name.toLowerCase();

/** Values that mean the same for this kind compare equal (boolean and enum are case-insensitive). */
function comparable(spec: SettingSpec, value: string): string {
  const t = spec.kind.type;
  const v = unquote(spec, value.trim());
  return t === "boolean" || t === "enum" ? v.toLowerCase() : v;
}

/** `NAME__0`, `NAME__1`, ...: the array form of the Functions configuration (any letter case). */
function indexedKeys(env: Environment, name: string): { key: string; index: number }[] {
  const pattern = new RegExp(`^${name}__(\\d+)$`, "i");
  return Object.keys(env)
    .map((key) => ({ key, match: pattern.exec(key) }))
    .filter(
      (x): x is { key: string; match: RegExpExecArray } =>
        x.match !== null && (env[x.key] ?? "").trim() !== "",
    )
    .map(({ key, match }) => ({ key, index: Number(match[1]) }))
    .sort((a, b) => a.index - b.index);
}

/**
 * Env keys that set this setting: the canonical name first, then aliases, each matched ignoring
 * letter case, as the original tool's .NET configuration binding did (its ARM template wrote
 * `AzureWebJobsStorage__accountname`; its docs mix `AZURE_stagingStorageAccountName` spellings).
 */
function envKeysFor(env: Environment, spec: SettingSpec): string[] {
  const wanted = [spec.name, ...(spec.aliases ?? [])].map(nameKey);
  const keys = Object.keys(env).filter(
    (k) => wanted.includes(nameKey(k)) && (env[k] ?? "").trim() !== "",
  );
  const rank = (k: string) => {
    const exact = [spec.name, ...(spec.aliases ?? [])].indexOf(k);
    return exact === -1 ? wanted.length + wanted.indexOf(nameKey(k)) : exact;
  };
  return keys.sort((a, b) => rank(a) - rank(b));
}

/**
 * Which of several names that set one setting is read: any of them when they agree. Names that
 * disagree are an error naming every one of them and its value: nothing says which one the person
 * meant, and a silently chosen value (say the import concurrency or a pause) changes what the
 * migration does. The deployment template and local.settings.sample.json write only the exact
 * canonical name, so the message says to set the value there (docs/configuration.md, "Aliases").
 */
function resolveNames(
  spec: SettingSpec,
  present: readonly string[],
  env: Environment,
): { key: string | undefined; issue?: SettingIssue } {
  const distinct = new Set(present.map((n) => comparable(spec, env[n]!))).size;
  if (distinct <= 1) return { key: present[0] };
  return {
    key: present[0],
    issue: {
      setting: present.join(" / "),
      received: present.map((n) => `${n}=${maskValue(spec.name, env[n])}`).join(", "),
      expected: `one value: these names set the same setting; set it as ${spec.name} (the name the deployment template writes) and remove the others`,
    },
  };
}

/**
 * Reads each catalog setting from the environment, resolving aliases, letter case and `__n` list
 * forms. Returns canonical-name → raw string, plus issues for names that disagree.
 */
function collectRaw(env: Environment): {
  raw: Record<string, string | undefined>;
  /** The env key(s) each given setting was read from, e.g. "AZURE_StopDm" or "AZURE_ResourceTypes__0, AZURE_ResourceTypes__1". */
  from: Record<string, string | undefined>;
  issues: SettingIssue[];
} {
  const raw: Record<string, string | undefined> = {};
  const from: Record<string, string | undefined> = {};
  const issues: SettingIssue[] = [];
  for (const spec of SETTINGS) {
    const present = envKeysFor(env, spec);
    const resolved = resolveNames(spec, present, env);
    if (resolved.issue !== undefined) issues.push(resolved.issue);
    let value = resolved.key === undefined ? undefined : env[resolved.key];
    from[spec.name] = resolved.key;
    if (spec.kind.type === "list") {
      const indexed = indexedKeys(env, spec.name);
      if (indexed.length > 0 && value !== undefined) {
        issues.push({
          setting: spec.name,
          received: [...present, ...indexed.map((x) => x.key)].join(", "),
          expected: `either ${spec.name} (comma-separated) or ${spec.name}__0, __1, …, not both`,
        });
      } else if (indexed.length > 0) {
        value = indexed.map((x) => env[x.key]!.trim()).join(",");
        from[spec.name] = indexed.map((x) => x.key).join(", ");
      }
    }
    raw[spec.name] = value;
  }
  return { raw, from, issues };
}

/**
 * Notes about settings that are present but do nothing: compatibility settings (also in the
 * original tool's `__n` list form, e.g. `AZURE_QuerySurface__0`), and `AZURE_*` names this tool
 * does not know, which are usually typos. All-capital names such as AZURE_CLIENT_ID belong to the
 * Azure SDKs and platform and are left alone.
 */
function collectWarnings(env: Environment, raw: Record<string, string | undefined>): string[] {
  const warnings: string[] = [];
  const known = new Set<string>();
  for (const spec of SETTINGS) {
    for (const n of [spec.name, ...(spec.aliases ?? [])]) known.add(nameKey(n));
    const indexed = spec.kind.type === "list" || spec.ignoredBecause !== undefined;
    const listForm = indexed ? indexedKeys(env, spec.name) : [];
    for (const x of listForm) known.add(nameKey(x.key));
    if (
      spec.ignoredBecause !== undefined &&
      (raw[spec.name] !== undefined || listForm.length > 0)
    ) {
      warnings.push(`${spec.name} has no effect: ${spec.ignoredBecause}.`);
    }
  }
  const unknown = Object.keys(env)
    .filter((k) => /^AZURE_/i.test(k) && /[a-z]/.test(k) && !known.has(nameKey(k)))
    .sort();
  for (const k of unknown) {
    warnings.push(
      `${k} is not a setting of this tool and is ignored (check its spelling against docs/configuration.md).`,
    );
  }
  return warnings;
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

export interface ParseOptions {
  /**
   * This instant, for the rules that depend on it (an AZURE_StartDate in the future). The commands
   * that start work (`check-config`, `run`, `lift-and-shift`) give it, so such a setting is refused
   * before anything runs; the Functions app, whose settings are parsed on every start, halts the
   * migration with the same reason at its first planning instead (src/engine/windowClock.ts).
   */
  nowMs?: number;
}

/**
 * Parses and validates the whole environment at once. Throws one ConfigurationError that lists
 * every bad setting (name, value received with secrets masked, what is accepted).
 */
export function parseSettings(env: Environment, options: ParseOptions = {}): Settings {
  const { raw, issues } = collectRaw(env);
  // Absent when the setting failed its own check.
  const v: Partial<Record<SettingName, unknown>> = {};
  const failed = new Set<string>();
  for (const spec of SETTINGS) {
    const result = settingsSchema.shape[spec.name]!.safeParse(raw[spec.name]);
    if (result.success) {
      v[spec.name as SettingName] = result.data;
    } else {
      failed.add(spec.name);
      const expected =
        spec.name === "AZURE_ImportMode"
          ? IMPORT_MODE_REASON
          : (result.error.issues[0]?.message ?? expectedText(spec));
      issues.push({ setting: spec.name, received: maskValue(spec.name, raw[spec.name]), expected });
    }
  }
  // Read by catalog name, typed by the setting's kind (./settingNames.ts): a misspelt name or a
  // setting of another kind does not compile.
  const typed = v as Partial<CatalogValues>;
  const str = (n: SettingNameOf<string>) => typed[n];
  const bool = (n: SettingNameOf<boolean>) => typed[n] === true;
  const num = (n: SettingNameOf<number>) => typed[n] as number;
  const list = (n: SettingNameOf<readonly string[]>) => typed[n];

  const add = (setting: SettingName, expected: string, value = raw[setting]) =>
    issues.push({ setting, received: maskValue(setting, value), expected });

  const specificRun = bool("AZURE_SpecificRun");
  const startDate = str("AZURE_StartDate");
  const endDate = str("AZURE_EndDate");
  if (startDate !== undefined && endDate !== undefined && startDate >= endDate) {
    add("AZURE_EndDate", `an instant after AZURE_StartDate (${startDate})`);
  }
  if (
    options.nowMs !== undefined &&
    startDate !== undefined &&
    Date.parse(startDate) > options.nowMs
  ) {
    add(
      "AZURE_StartDate",
      `an instant in the past (now: ${new Date(options.nowMs).toISOString()}): nothing from before it is copied and nothing after it exists yet; set an earlier instant, or leave it empty to start at the oldest version`,
    );
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
    for (const n of ["AZURE_TenantId", "AZURE_ClientId", "AZURE_ClientSecret"] as const) {
      // A value that failed its own check is reported once, by that check.
      if (str(n) === undefined && !failed.has(n))
        add(n, `${expectedText(findSetting(n)!)}: AZURE_ClientCredential=true needs it`);
    }
    // App Service replaces a Key Vault reference with the secret; the literal text means it could not.
    if (/^@Microsoft\.KeyVault\(/i.test(str("AZURE_ClientSecret") ?? "")) {
      add(
        "AZURE_ClientSecret",
        'the secret itself: this Key Vault reference was not resolved. Grant the app\'s identity "Key Vault Secrets User" on the vault and check the secret URI (portal: Environment variables shows the reference status)',
      );
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

  const exportContainer = str("AZURE_ExportContainer");
  const containerProblem =
    exportContainer === undefined ? undefined : exportContainerProblem(exportContainer);
  if (containerProblem !== undefined) add("AZURE_ExportContainer", containerProblem);

  if ((list("AZURE_ResourceTypes") ?? []).includes("SearchParameter")) {
    add(
      "AZURE_ResourceTypes",
      "resource types without SearchParameter ($import rejects it; custom SearchParameters are copied separately)",
    );
  }

  // Values that parse one by one but cannot work together or at run time (./valueChecks.ts).
  const checked = settingValuesOf(v, raw, failed);
  for (const issue of valueIssues(checked)) add(issue.setting, issue.expected);

  // Warnings about the valid settings, also beside errors: check-config shows both at once.
  const warnings = [...collectWarnings(env, raw), ...valueWarnings(checked)];
  if (issues.length > 0) throw new ConfigurationError(issues, undefined, warnings);

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
      cursorTable: str("AZURE_ChunkTableName")!,
      exportTable: str("AZURE_ExportTableName")!,
      partitionKey: str("AZURE_PartitionKey")!,
      rowKey: str("AZURE_RowKey")!,
    },
    chunking: {
      startDate,
      endDate,
      specificRun,
      unit,
      parallelChunkLength: num("AZURE_ExportChunkTime"),
      perTypeChunkLength: num("AZURE_ResourceExportChunkTime"),
      chunkLimit: num("AZURE_ChunkLimit"),
      targetVersions: num("AZURE_ChunkTargetResources"),
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
      container: exportContainer,
      timeoutMs: num("AZURE_ExportTimeoutMinutes") * MINUTE,
      confirmations: num("AZURE_ExportConfirmations"),
      confirmDelayMs: num("AZURE_ExportConfirmDelaySeconds") * 1000,
      maxInFlight: num("AZURE_MaxExportsInFlight"),
      selfStage: {
        maxVersions: num("AZURE_SelfStageMaxVersions"),
        pageSize: num("AZURE_SelfStagePageSize"),
        concurrency: num("AZURE_SelfStageConcurrency"),
        requestBudget: num("AZURE_SelfStageRequestBudget"),
      },
    },
    import: {
      mode: "IncrementalLoad",
      fileCount: num("AZURE_FileCount"),
      payloadCount: num("AZURE_PayloadCount"),
      timeoutMs: num("AZURE_ImportTimeoutMinutes") * MINUTE,
      attempts: num("AZURE_ImportAttempts"),
      isolationJobs: num("AZURE_ImportIsolationJobs"),
      screening: bool("AZURE_ImportScreening"),
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
      ledgerRecheckMs: num("AZURE_LedgerRecheckSeconds") * 1000,
    },
    telemetry: {
      connectionString: str("APPLICATIONINSIGHTS_CONNECTION_STRING"),
      debug: bool("AZURE_Debug"),
    },
    warnings: Object.freeze(warnings),
  };
  return deepFreeze(settings);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

export interface EffectiveSetting {
  name: string;
  group: SettingGroup;
  /** For display: the value quoted, "(empty)", or a mask when it is a secret. */
  value: string;
  /** The value as plain text for machine-readable output: "" when empty, "***" for a set secret. */
  text: string;
  secret: boolean;
  /**
   * "set" when the environment gives a value other than the default (under any accepted name),
   * else "default": a value written out equal to its default (the sample and the template write
   * every default) chooses nothing.
   */
  source: "set" | "default";
  /** Whether the environment gives a value at all (even the default one). */
  given: boolean;
  /** When set under another name (an alias, another letter case, the `__n` list form): that name. */
  setAs: string | undefined;
}

/** Effective settings for display, in catalog order: canonical name → value as used, secrets masked. */
export function describeEffectiveSettings(env: Environment): EffectiveSetting[] {
  const { raw, from } = collectRaw(env);
  return SETTINGS.map((spec) => {
    const given = raw[spec.name];
    const value = given ?? spec.default ?? "";
    const secret = spec.secret === true;
    return {
      name: spec.name,
      group: spec.group,
      value: maskValue(spec.name, value),
      text:
        value === ""
          ? ""
          : secret
            ? "***"
            : spec.kind.type === "url"
              ? redactUrl(value.trim())
              : value.trim(),
      secret,
      source: differsFromDefault(spec.name as SettingName, given) ? "set" : "default",
      given: given !== undefined,
      setAs: from[spec.name] !== spec.name ? from[spec.name] : undefined,
    };
  });
}
