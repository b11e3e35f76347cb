/**
 * Checks of setting values that the per-setting schema (./schema.ts) cannot make alone, so that
 * `fhir-migrate check-config` and start-up catch what would otherwise fail only at run time: a user
 * agent Node's HTTP client refuses, table keys the Table service refuses, resource type names that
 * are not FHIR R4 types, connection strings and account names that do not parse, cron expressions
 * the timer trigger refuses, a source equal to the destination. And warnings for settings that have
 * no effect or contradict each other. Pure: parseSettings passes the values in.
 */
import { R4_RESOURCE_TYPES, isR4ResourceType } from "../core/resourceTypes";
import { findSetting } from "./catalog";
import type { SettingName, SettingNameOf } from "./settingNames";

export interface ValueIssue {
  setting: SettingName;
  expected: string;
}

/** The typed values parseSettings read (undefined when empty), and whether a person set each one. */
export interface SettingValues {
  str(name: SettingNameOf<string>): string | undefined;
  bool(name: SettingNameOf<boolean>): boolean;
  num(name: SettingNameOf<number>): number;
  list(name: SettingNameOf<readonly string[]>): readonly string[] | undefined;
  /**
   * True when the environment gives a value other than the default: a person chose it (the sample
   * settings and the deployment template write every default, which chooses nothing).
   */
  isSet(name: SettingName): boolean;
  /** True when the setting already failed its own check (no second message about it). */
  failed(name: SettingName): boolean;
}

/**
 * A header value Node's HTTP client sends: printable ASCII. A CR or LF would split the header (Node
 * refuses it with ERR_INVALID_CHAR on the first request); non-ASCII is refused the same way.
 */
export function userAgentProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return "one line of printable ASCII (no carriage return or line feed)";
  if (!/^[\x20-\x7e]+$/.test(value)) {
    return "printable ASCII only (letters, digits, spaces and punctuation; no accents, emoji or control characters)";
  }
  return undefined;
}

/**
 * A FHIR server's base URL, not its capability statement (`…/metadata`, which the portal shows as
 * the metadata endpoint: requests built on it would all miss) and not the placeholder of
 * local.settings.sample.json and docs/configuration.md (the setting's catalog example).
 */
export function serverUrlProblem(setting: SettingName, value: string): string | undefined {
  const url = new URL(value);
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/metadata$/i.test(path))
    return `the server's base URL, without /metadata (that is its capability statement): ${url.origin}${path.slice(0, -"/metadata".length)}`;
  const example = findSetting(setting)?.example;
  if (example !== undefined && new URL(example).host === url.host)
    return `your server's base URL: ${url.host} is the placeholder of local.settings.sample.json`;
  return undefined;
}

/** Longest key the Table service stores (1 KiB; the UTF-16 length is a safe bound). */
const TABLE_KEY_LIMIT = 1024;
/** Characters this tool appends to the keys it derives (`{pk}-checks`, `{rowKey}-{seq:8}-p{n:4}-{i:6}`). */
const DERIVED_KEY_SUFFIX = 24;

/**
 * The Table service refuses `/ \ # ?` and control characters (U+0000-U+001F, U+007F-U+009F) in
 * PartitionKey and RowKey ("Understanding the Table service data model", learn.microsoft.com), and
 * keys over 1 KiB. This tool derives longer keys from these settings, so the limit leaves room.
 */
export function tableKeyProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(value)) {
    return "a key without / \\ # ? or control characters (the Table service refuses them in keys)";
  }
  if (value.length > TABLE_KEY_LIMIT - DERIVED_KEY_SUFFIX) {
    return `at most ${TABLE_KEY_LIMIT - DERIVED_KEY_SUFFIX} characters (the Table service limits keys to 1 KiB, and this tool appends up to ${DERIVED_KEY_SUFFIX})`;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The R4 type a misspelt name most likely means, if one is close. */
export function closestResourceType(name: string): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = R4_RESOURCE_TYPES.find((t) => t.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: { type: string; distance: number } | undefined;
  for (const type of R4_RESOURCE_TYPES) {
    const distance = editDistance(lower, type.toLowerCase());
    if (best === undefined || distance < best.distance) best = { type, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 4))
    ? best.type
    : undefined;
}

/** Names that are not FHIR R4 resource types, each with a "did you mean" when one is close. */
export function resourceTypeProblem(types: readonly string[]): string | undefined {
  const unknown = types.filter((t) => !isR4ResourceType(t));
  if (unknown.length === 0) return undefined;
  const named = unknown.map((t) => {
    const guess = closestResourceType(t);
    return guess === undefined ? t : `${t} (did you mean ${guess}?)`;
  });
  return `FHIR R4 resource type names, spelled exactly (case-sensitive); not R4 types: ${named.join(", ")}`;
}

/** Storage account names: 3-24 lowercase letters and digits (Azure naming rules). */
export function storageAccountNameProblem(value: string): string | undefined {
  return /^[a-z0-9]{3,24}$/.test(value)
    ? undefined
    : "a storage account name: 3 to 24 lowercase letters and digits (no hyphens, dots or capitals)";
}

function connectionStringParts(value: string): Map<string, string> | string {
  const parts = new Map<string, string>();
  const segments = value.split(";").filter((s) => s.trim() !== "");
  for (const [i, segment] of segments.entries()) {
    const eq = segment.indexOf("=");
    // The segment is not echoed: it may be part of a key.
    if (eq <= 0) return `Key=Value pairs separated by ";" (segment ${i + 1} has no "Key=")`;
    const key = segment.slice(0, eq).trim().toLowerCase();
    if (parts.has(key)) return `each key once (${segment.slice(0, eq).trim()} is given twice)`;
    parts.set(key, segment.slice(eq + 1).trim());
  }
  return parts;
}

function httpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

const STORAGE_KEYS = new Set([
  "defaultendpointsprotocol",
  "accountname",
  "accountkey",
  "endpointsuffix",
  "blobendpoint",
  "tableendpoint",
  "queueendpoint",
  "fileendpoint",
  "sharedaccesssignature",
  "usedevelopmentstorage",
  "developmentstorageproxyuri",
]);

/**
 * A storage connection string as the portal's "Access keys" page gives it (or
 * `UseDevelopmentStorage=true`): it must name the account or both the blob and table endpoints,
 * and carry an account key or a SAS. The message never echoes a value.
 */
export function storageConnectionStringProblem(value: string): string | undefined {
  const parts = connectionStringParts(value);
  if (typeof parts === "string") return `a storage connection string: ${parts}`;
  const expected = (what: string) => `a storage connection string: ${what}`;
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") return undefined;
  const unknown = [...parts.keys()].filter((k) => !STORAGE_KEYS.has(k));
  if (unknown.length > 0) {
    return expected(
      `unknown key ${unknown.join(", ")}; accepted: DefaultEndpointsProtocol, AccountName, AccountKey, EndpointSuffix, BlobEndpoint, TableEndpoint, QueueEndpoint, SharedAccessSignature, UseDevelopmentStorage`,
    );
  }
  const protocol = parts.get("defaultendpointsprotocol");
  if (protocol !== undefined && !/^https?$/i.test(protocol)) {
    return expected("DefaultEndpointsProtocol=https (or http for an emulator)");
  }
  const account = parts.get("accountname");
  if (account !== undefined && storageAccountNameProblem(account) !== undefined) {
    return expected("AccountName: 3 to 24 lowercase letters and digits");
  }
  for (const key of ["blobendpoint", "tableendpoint", "queueendpoint", "fileendpoint"]) {
    const endpoint = parts.get(key);
    if (endpoint !== undefined && !httpUrl(endpoint)) {
      return expected(
        `${key.replace("endpoint", "Endpoint").replace(/^./, (c) => c.toUpperCase())} as an http(s) URL`,
      );
    }
  }
  if (account === undefined && (!parts.has("blobendpoint") || !parts.has("tableendpoint"))) {
    return expected("AccountName=..., or both BlobEndpoint=... and TableEndpoint=...");
  }
  const key = parts.get("accountkey");
  if (key === undefined && !parts.has("sharedaccesssignature")) {
    return expected(
      "an AccountKey=... or SharedAccessSignature=... (copy it from the account's Access keys page)",
    );
  }
  if (key !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
    return expected(
      "AccountKey as base64 text (copy it whole from the account's Access keys page)",
    );
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An Application Insights connection string from the resource's Overview page: an
 * InstrumentationKey GUID, and http(s) endpoints where they are given (the SDK drops every event
 * when they do not parse).
 */
export function appInsightsConnectionStringProblem(value: string): string | undefined {
  const expected = (what: string) =>
    `an Application Insights connection string from the resource's Overview page: ${what}`;
  const parts = connectionStringParts(value);
  if (typeof parts === "string") return expected(parts);
  const key = parts.get("instrumentationkey");
  if (key === undefined || !GUID.test(key)) return expected("InstrumentationKey=<GUID>");
  for (const [name, endpoint] of parts) {
    if (name.endsWith("endpoint") && !httpUrl(endpoint)) {
      return expected(`each ...Endpoint as an http(s) URL`);
    }
  }
  return undefined;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** NCRONTAB fields with six parts, as the Functions timer trigger reads them. */
const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 6, names: DAYS },
];

function cronValue(text: string, field: (typeof CRON_FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return field.name === "month" ? index + 1 : index;
}

function cronFieldProblem(text: string, field: (typeof CRON_FIELDS)[number]): boolean {
  return text.split(",").some((item) => {
    const [range, step, ...extra] = item.split("/");
    if (extra.length > 0 || range === undefined || range === "") return true;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return true;
    if (range === "*") return false;
    const [from, to, ...more] = range.split("-");
    if (more.length > 0 || from === undefined) return true;
    const a = cronValue(from, field);
    if (a === undefined) return true;
    if (to === undefined) return false;
    const b = cronValue(to, field);
    return b === undefined || b < a;
  });
}

/**
 * A six-field NCRONTAB expression (`{second} {minute} {hour} {day} {month} {day-of-week}`), as
 * the Functions timer trigger accepts it (learn.microsoft.com, "Timer trigger for Azure Functions",
 * NCRONTAB expressions).
 */
export function cronProblem(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  const accepted =
    "a six-field NCRONTAB expression {second} {minute} {hour} {day} {month} {day-of-week}, e.g. 0 */5 * * * *";
  if (fields.length !== 6) return `${accepted} (received ${fields.length} fields)`;
  const bad = CRON_FIELDS.filter((f, i) => cronFieldProblem(fields[i]!, f));
  if (bad.length === 0) return undefined;
  return `${accepted}; each field a number in range, *, a range a-b, a list a,b or a step */n (out of range or not understood: ${bad
    .map((f) => `${f.name} ${f.min}-${f.max}`)
    .join(", ")})`;
}

/** Same server: scheme, host, port and path compared, ignoring letter case of the host. */
function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    const path = (u: URL) => u.pathname.replace(/\/+$/, "");
    return x.protocol === y.protocol && x.host === y.host && path(x) === path(y);
  } catch {
    return a === b;
  }
}

/** Errors: settings that parse one by one but cannot work. */
export function valueIssues(v: SettingValues): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const check = (
    setting: SettingNameOf<string>,
    problem: (value: string) => string | undefined,
  ) => {
    const value = v.str(setting);
    if (value === undefined || v.failed(setting)) return;
    const expected = problem(value);
    if (expected !== undefined) issues.push({ setting, expected });
  };
  check("AZURE_UserAgent", userAgentProblem);
  check("AZURE_PartitionKey", tableKeyProblem);
  check("AZURE_RowKey", tableKeyProblem);
  check("AzureWebJobsStorage__accountName", storageAccountNameProblem);
  check("AZURE_stagingStorageAccountName", storageAccountNameProblem);
  check("AzureWebJobsStorage", storageConnectionStringProblem);
  check("AZURE_StagingStorageConnectionString", storageConnectionStringProblem);
  check("APPLICATIONINSIGHTS_CONNECTION_STRING", appInsightsConnectionStringProblem);
  check("MigrationStarterCron", cronProblem);
  check("AZURE_SourceUri", (value) => serverUrlProblem("AZURE_SourceUri", value));
  check("AZURE_DestinationUri", (value) => serverUrlProblem("AZURE_DestinationUri", value));
  for (const setting of ["AZURE_ResourceTypes", "AZURE_SurfaceCheckResources"] as const) {
    const types = v.list(setting);
    if (types === undefined || v.failed(setting)) continue;
    const expected = resourceTypeProblem(types);
    if (expected !== undefined) issues.push({ setting, expected });
  }
  const source = v.str("AZURE_SourceUri");
  const destination = v.str("AZURE_DestinationUri");
  if (source !== undefined && destination !== undefined && sameServer(source, destination)) {
    issues.push({
      setting: "AZURE_DestinationUri",
      expected:
        "a different server from AZURE_SourceUri: importing into the server being exported would write every version back onto itself",
    });
  }
  return issues;
}

/** Warnings: settings that are valid but have no effect, or contradict another. */
export function valueWarnings(v: SettingValues): string[] {
  const warnings: string[] = [];
  if (v.isSet("AZURE_EndDate") && !v.bool("AZURE_SpecificRun")) {
    warnings.push(
      "AZURE_EndDate has no effect without AZURE_SpecificRun=true: the migration runs on past it, continuously. Set AZURE_SpecificRun=true to stop at AZURE_EndDate.",
    );
  }
  if (v.bool("AZURE_PauseDm") && v.num("AZURE_StartTime") === v.num("AZURE_EndTime")) {
    warnings.push(
      `AZURE_PauseDm=true with AZURE_StartTime equal to AZURE_EndTime (${v.num("AZURE_StartTime")}) is a pause window of zero length: the migration never pauses.`,
    );
  }
  if (v.isSet("AZURE_ClientSecret") && !v.bool("AZURE_ClientCredential")) {
    warnings.push(
      "AZURE_ClientSecret has no effect without AZURE_ClientCredential=true: the source is reached with the app's managed identity.",
    );
  }
  if (v.isSet("AZURE_MaxCountValue") && !v.bool("AZURE_MaxCount")) {
    warnings.push(
      "AZURE_MaxCountValue has no effect without AZURE_MaxCount=true: exports are sent without _maxCount.",
    );
  }
  if ((v.list("AZURE_ResourceTypes") ?? []).length > 0 && v.bool("AZURE_IsParallel")) {
    warnings.push(
      "AZURE_ResourceTypes has no effect with AZURE_IsParallel=true: a system-level export copies every type. Set AZURE_IsParallel=false to export only these types.",
    );
  }
  const timeout = v.num("AZURE_HttpTimeoutSeconds");
  const budget = v.num("AZURE_RetryMaxSeconds");
  if (budget < timeout) {
    warnings.push(
      `AZURE_RetryMaxSeconds (${budget} s) is below AZURE_HttpTimeoutSeconds (${timeout} s): a request that times out uses the whole retry budget and is not tried again. Raise AZURE_RetryMaxSeconds above the timeout.`,
    );
  }
  return warnings;
}

/**
 * Whether a setting's value is one a person chose: given, and other than the default. The sample
 * settings and the deployment template write every default, which chooses nothing.
 */
export function differsFromDefault(name: SettingName, value: string | undefined): boolean {
  const given = value?.trim() ?? "";
  return given !== "" && given !== (findSetting(name)?.default ?? "").trim();
}

/** The view valueIssues and valueWarnings read, over parseSettings' typed and raw values. */
export function settingValuesOf(
  typed: Readonly<Partial<Record<SettingName, unknown>>>,
  raw: Readonly<Record<string, string | undefined>>,
  failed: ReadonlySet<string>,
): SettingValues {
  return {
    str: (n) => (typeof typed[n] === "string" ? (typed[n] as string) : undefined),
    bool: (n) => typed[n] === true,
    num: (n) => typed[n] as number,
    list: (n) => (Array.isArray(typed[n]) ? (typed[n] as string[]) : undefined),
    isSet: (n) => differsFromDefault(n, raw[n]),
    failed: (n) => failed.has(n),
  };
}
