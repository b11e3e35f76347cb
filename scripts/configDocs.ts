/**
 * Renders docs/configuration.md and local.settings.sample.json from the settings catalog, so the
 * reference cannot drift from the code: test/unit/docs checks the committed files against this.
 * Regenerate with `npm run docs:config`.
 */
import type { SettingGroup, SettingSpec } from "../src/config/catalog";
import { SETTINGS } from "../src/config/catalog";
import { expectedText } from "../src/config/schema";
import { WINDOW_SIZING_SECTION } from "./windowSizingDoc";

export const CONFIGURATION_DOC_PATH = "docs/configuration.md";
export const SAMPLE_SETTINGS_PATH = "local.settings.sample.json";

/** Values the Functions runtime needs locally that are not settings of this tool (or differ). */
const SAMPLE_OVERRIDES: Readonly<Record<string, string>> = {
  FUNCTIONS_WORKER_RUNTIME: "node",
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
};

/** Value of a setting in the sample file: required ones get their example, secrets stay empty. */
export function sampleValue(spec: SettingSpec): string {
  const override = SAMPLE_OVERRIDES[spec.name];
  if (override !== undefined) return override;
  if (spec.required === true) return spec.example;
  return spec.default ?? "";
}

export function renderSampleSettings(): string {
  const values: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: SAMPLE_OVERRIDES.FUNCTIONS_WORKER_RUNTIME!,
  };
  for (const spec of SETTINGS) values[spec.name] = sampleValue(spec);
  return `${JSON.stringify({ IsEncrypted: false, Values: values }, null, 2)}\n`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string) => `\`${text}\``;

/** The Default column: the value in backticks, "(empty)", or "required". */
export function defaultCell(spec: SettingSpec): string {
  if (spec.required === true) return "required";
  return spec.default === undefined || spec.default === "" ? "(empty)" : code(spec.default);
}

function nameCell(spec: SettingSpec): string {
  const aliases = spec.aliases?.length ? `<br>alias ${spec.aliases.map(code).join(", ")}` : "";
  const tags = [spec.required === true ? "required" : "", spec.added === true ? "new" : ""]
    .filter((t) => t !== "")
    .map((t) => ` *(${t})*`)
    .join("");
  return `${code(spec.name)}${tags}${aliases}`;
}

function groups(): { group: SettingGroup; specs: SettingSpec[] }[] {
  const result: { group: SettingGroup; specs: SettingSpec[] }[] = [];
  for (const spec of SETTINGS) {
    const last = result.at(-1);
    if (last?.group === spec.group) last.specs.push(spec);
    else result.push({ group: spec.group, specs: [spec] });
  }
  return result;
}

const anchor = (group: string) =>
  group
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");

function referenceTable(specs: readonly SettingSpec[]): string[] {
  return [
    "| Setting | Default | Accepted values | Meaning | Example |",
    "| --- | --- | --- | --- | --- |",
    ...specs.map(
      (s) =>
        `| ${nameCell(s)} | ${defaultCell(s)} | ${cell(expectedText(s))} | ${cell(s.meaning)} | ${s.example === "" ? "" : code(cell(s.example))} |`,
    ),
  ];
}

function compatibilityTable(specs: readonly SettingSpec[]): string[] {
  return [
    "| Setting | Default | Why it has no effect |",
    "| --- | --- | --- |",
    ...specs.map(
      (s) => `| ${code(s.name)} | ${defaultCell(s)} | ${cell(s.ignoredBecause ?? "")} |`,
    ),
  ];
}

export function renderConfigurationDoc(): string {
  const all = groups();
  const added = SETTINGS.filter((s) => s.added === true);
  const secrets = SETTINGS.filter((s) => s.secret === true);
  const aliased = SETTINGS.filter((s) => (s.aliases?.length ?? 0) > 0);
  const lines: string[] = [
    "# Configuration",
    "",
    "<!-- Generated from src/config/catalog.ts by `npm run docs:config`; edit the catalog or scripts/configDocs.ts, then regenerate. -->",
    "",
    "fhir-migrate is configured entirely through app settings: environment variables of the Function App.",
    "This page lists every setting with its default, what it accepts and what it does. The names keep the",
    "spelling of the original FHIR data migration tool, so existing settings can be copied over.",
    "",
    "- [Setting them](#setting-them)",
    "- [How values are read](#how-values-are-read)",
    "- [Validation](#validation)",
    "- [Secrets](#secrets)",
    "- [New in this project](#new-in-this-project)",
    "- [Changed from the original tool](#changed-from-the-original-tool)",
    "- [How big a window is](#how-big-a-window-is)",
    "- [Compatibility settings (no effect)](#compatibility-settings-no-effect)",
    "- [Host settings (host.json)](#host-settings-hostjson)",
    "- [Reference](#reference)",
    ...all
      .filter((g) => g.group !== "Compatibility")
      .map((g) => `  - [${g.group}](#${anchor(g.group)})`),
    "",
    "## Setting them",
    "",
    "**In Azure.** Open the Function App in the Azure portal, then **Settings → Environment variables →",
    "App settings**. Select **+ Add** (or a setting to change it), enter the name and value, select",
    "**Apply**, then **Apply** again and **Confirm**. The app restarts and reads the new values. The same",
    "from a shell:",
    "",
    "```bash",
    "az functionapp config appsettings set --name <function-app> --resource-group <group> \\",
    "  --settings AZURE_PayloadCount=3 AZURE_ExportChunkDuration=Hours",
    "```",
    "",
    "**Locally.** Copy `local.settings.sample.json` to `local.settings.json` (it is git-ignored) and edit",
    "its `Values`. The sample holds every setting at its default, so you only change what you need. The",
    "Functions runtime reads `Values` as app settings; the `fhir-migrate` CLI reads the environment, or the",
    "`Values` of a file given with `--settings`.",
    "",
    "**Check them** before deploying or starting a run:",
    "",
    "```bash",
    "npx fhir-migrate check-config --settings local.settings.json",
    "```",
    "",
    "It prints every setting with its effective value (secrets masked) and whether it was set or is the",
    "default, then any warnings. It exits with 0 when the settings are valid and 2 when they are not;",
    "`--json` prints the same as JSON.",
    "",
    "## How values are read",
    "",
    "- **Names** are matched ignoring letter case, as the original tool did (`AZURE_stagingStorageAccountName`",
    "  and `AZURE_StagingStorageAccountName` are the same setting). When two spellings disagree, the rule",
    "  for aliases below applies.",
    '- **Empty values** mean "use the default". Surrounding spaces are ignored.',
    '- **Quotes**: the original documentation showed some values in quotes (`"Days"`). For booleans,',
    '  numbers, choices and dates one surrounding pair of double quotes is dropped, so `"Days"` works',
    "  as written; text settings (connection strings, names) keep their quotes, so type those without.",
    "- **Booleans** are `true` or `false` in any letter case (`True` works).",
    "- **Choices** such as `AZURE_ExportChunkDuration` accept any letter case (`hours` = `Hours`).",
    "- **Numbers** are plain decimals (`5`, `0.5`); whole-number settings reject fractions. Each has a range.",
    "- **Lists** of resource types are comma-separated (`Patient,Observation`), or one entry per setting",
    "  in the array form `AZURE_ResourceTypes__0`, `AZURE_ResourceTypes__1`, … (not both forms at once).",
    "- **Dates** are ISO 8601: a date (`2024-01-31`, meaning midnight UTC) or an instant with `Z` or an",
    "  offset (`2024-01-31T08:00:00Z`). Times without a zone are rejected, and so are dates and times",
    "  that do not exist (`2024-02-30`, `T24:00:00Z`): they are refused, never rolled over to the next",
    "  day. `check-config` and `run` also refuse an `AZURE_StartDate` in the future (nothing after it",
    "  exists yet); the Functions app halts with the same reason at its first planning.",
    "- **URLs** must be absolute `https` URLs without a query string or user name. Plain `http` is accepted",
    "  only for `localhost`, `127.0.0.1` and `[::1]` (local emulators, which are reached without a token).",
    "- **Aliases**: these older names still work.",
    "",
    "  | Setting | Also accepted as |",
    "  | --- | --- |",
    ...aliased.map((s) => `  | ${code(s.name)} | ${(s.aliases ?? []).map(code).join(", ")} |`),
    "",
    "- **Two names of one setting** (an alias such as `AZURE_StopDm` beside `AZURE_PauseDm`, or a",
    "  setting's name in another letter case beside the exact one) are accepted when they hold the",
    "  same value, and refused when they differ: nothing says which value was meant, and a silently",
    "  chosen one changes what the migration does (a pause, the import concurrency). The error names",
    "  every name with its value and asks for the exact name above, which is the one the deployment",
    "  template (infra/main.json) and `local.settings.sample.json` write: to pause as the original",
    "  tool's guide says (`AZURE_StopDm=True`), set `AZURE_PauseDm=true` instead. Settings changed in",
    "  the portal are replaced by the next redeployment of the template; to keep one, pass it in the",
    "  `additionalAppSettings` parameter ([deploy.md](deploy.md)).",
    "",
    "## Validation",
    "",
    "All settings are validated together before any work starts, by the app and by `check-config`. When",
    "any is wrong, nothing runs; one error lists every bad setting at once, each with the value received",
    "(secrets masked) and what would be accepted:",
    "",
    "```text",
    "Invalid settings (3):",
    '  - AZURE_ExportChunkDuration: received "Weeks"; expected one of Days, Hours, Minutes (any letter case)',
    '  - AZURE_ImportMode: received "InitialLoad"; expected IncrementalLoad (InitialLoad replaces versionId and lastUpdated, drops history and locks the destination with 423)',
    '  - AZURE_PayloadCount: received "9"; expected a whole number from 1 to 5',
    "```",
    "",
    "Besides each value on its own, these combinations are checked:",
    "",
    "- `AZURE_EndDate` must be after `AZURE_StartDate`; `AZURE_SpecificRun=true` needs both dates.",
    "- `AZURE_IsExportDeidentified=true` needs `AZURE_IsParallel=true` (de-identified export is",
    "  system-level only) and `AZURE_ConfigFile`.",
    "- `AZURE_ClientCredential=true` needs `AZURE_TenantId`, `AZURE_ClientId` and `AZURE_ClientSecret`.",
    "- The app's storage must be reachable: `AzureWebJobsStorage` (a connection string), or",
    "  `AzureWebJobsStorage__accountName` (identity-based), or both `AZURE_StagingStorageUri` and",
    "  `AZURE_BlobStorageUri`.",
    "- `AZURE_ResourceTypes` must not contain `SearchParameter` (`$import` rejects it; custom",
    "  SearchParameters are copied separately).",
    "- Values that would otherwise fail only at run time (src/config/valueChecks.ts):",
    "  `AZURE_UserAgent` must be one line of printable ASCII (an HTTP header); `AZURE_PartitionKey` and",
    "  `AZURE_RowKey` must not hold control characters (the Table service refuses them); the names in",
    "  `AZURE_ResourceTypes` and `AZURE_SurfaceCheckResources` must be FHIR R4 types (a close misspelling",
    '  gets a "did you mean"); `AzureWebJobsStorage`, `AZURE_StagingStorageConnectionString` and',
    "  `APPLICATIONINSIGHTS_CONNECTION_STRING` must parse as connection strings of their kind (never",
    "  echoed: they hold keys); storage account names must be 3 to 24 lowercase letters and digits;",
    "  `MigrationStarterCron` must be a six-field NCRONTAB with every field in range.",
    "- `AZURE_DestinationUri` must not be the same server as `AZURE_SourceUri`.",
    "- `AZURE_SourceUri` and `AZURE_DestinationUri` must be base URLs: not ending in `/metadata` (the",
    "  capability statement, which the portal shows as the metadata endpoint), and not the placeholder",
    "  servers of `local.settings.sample.json` (`myapi…`, `ws-fhirsvc…`): the sample is refused until its",
    "  two servers are replaced by yours.",
    "",
    "**Warnings** do not stop the app; `check-config` and the status page show them. They are given",
    "for compatibility settings that are set (they have no effect, see below), for `AZURE_…` names this",
    "tool does not know, which are usually typos (`AZURE_ChunkLimt`), and for settings that have no",
    "effect or contradict another: `AZURE_EndDate` without `AZURE_SpecificRun=true`, a pause window",
    "whose start hour equals its end hour, `AZURE_ClientSecret` without `AZURE_ClientCredential=true`,",
    "`AZURE_MaxCountValue` without `AZURE_MaxCount=true`, `AZURE_ResourceTypes` with",
    "`AZURE_IsParallel=true`, and `AZURE_RetryMaxSeconds` below `AZURE_HttpTimeoutSeconds`. All-capital",
    "names such as `AZURE_CLIENT_ID` belong to the Azure SDKs and the platform and are not reported.",
    "`check-config` shows the warnings beside the errors too (with `--json`, in `error.warnings`).",
    "",
    "**What `check-config` shows.** Every setting with its effective value and its source: `set` when",
    "the settings give a value other than the default, `default (written out)` when they give the",
    "default itself, `default` when they give none. The sample and the deployment template write every",
    "default, so only `set` marks a choice. With `AZURE_PauseDm=true` it says the pause window in words",
    "against the time of the check: when new exports stop and start, whether they are stopped now, and",
    "when a start hour after the end hour makes the pause run overnight (17 and 8: from 17:00 to 08:00",
    "UTC), how to pause during the day instead.",
    "",
    "## Secrets",
    "",
    "These settings are secrets:",
    "",
    ...secrets.map((s) => `- ${code(s.name)}`),
    "",
    "They are never printed: `check-config` shows `*** (set, hidden)`, errors never include them, and",
    "URL settings are shown with credential-like query values replaced by `REDACTED`.",
    "",
    "In Azure, keep secrets in Key Vault and put a **Key Vault reference** in the app setting instead of the",
    "value, for example",
    "`@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/source-client-secret/)` or",
    "`@Microsoft.KeyVault(VaultName=<vault>;SecretName=source-client-secret)`. The platform resolves the",
    "reference before the app reads it; the Function App's managed identity needs read access to the",
    "vault's secrets (the *Key Vault Secrets User* role). The portal shows whether each reference resolved.",
    "Prefer identity-based storage (`AzureWebJobsStorage__accountName`) to connection strings, and the",
    "managed identity to a client secret wherever the source is in the same tenant.",
    "",
    "## New in this project",
    "",
    "These settings did not exist in the original tool:",
    "",
    ...added.map(
      (s) =>
        `- ${code(s.name)} (${s.default === "" ? "empty by default" : `default ${defaultCell(s)}`}): ${s.meaning}`,
    ),
    "",
    "## Changed from the original tool",
    "",
    "- `AZURE_ChunkLimit` is read. The original tool documented it but never bound it, so windows were",
    "  never split below 100,000,000 resources.",
    "- `AZURE_ExportDeidentified`, the name the original deployment template wrote, is accepted as an",
    "  alias of `AZURE_IsExportDeidentified` (the original tool silently ignored it). `AZURE_StopDm`, the",
    "  name in the original documentation, is accepted for `AZURE_PauseDm`.",
    "- `AZURE_ImportMode=InitialLoad` is rejected: it replaces `versionId` and `lastUpdated`, drops history",
    "  and locks the destination (HTTP 423) while it runs.",
    "- `AZURE_RetryCount` and `AZURE_WaitForRetry` are used (the original hard-coded its retries).",
    "- `MigrationStarterCron` only restarts the migration when it is not running; rounds follow each other",
    "  without waiting for it.",
    "- Invalid values are rejected with an error instead of falling back silently (for example an unknown",
    "  `AZURE_ExportChunkDuration` used to mean minutes).",
    "- Exports and imports overlap (next section); the original tool ran every step after the previous one.",
    "",
    "## Overlap",
    "",
    "`AZURE_MaxExportsInFlight` bounds the exports of this migration running on the source at once, and",
    "`AZURE_PayloadCount` the import jobs running on the destination. They are separate servers, so the",
    "tool lets both run together: while window N imports, window N+1 exports, even with",
    "`AZURE_MaxExportsInFlight=1`. The original tool was strictly serial (one window exported, then",
    "imported, then the next); there is no setting for that, because it would only lengthen the",
    "migration: it lowers the load on neither server (each still sees at most its own bound). To lighten",
    "the source during working hours, pause there (`AZURE_PauseDm`, `AZURE_StartTime`, `AZURE_EndTime`);",
    "to lighten it always, keep `AZURE_MaxExportsInFlight=1`. What the overlap gains is measured in",
    "[performance.md](performance.md#settings-that-bound-overlap-and-their-cost-on-the-source).",
    "",
    ...WINDOW_SIZING_SECTION,
    "",
    "## Compatibility settings (no effect)",
    "",
    "The original tool read these. They are accepted so copied settings do not fail, but they do nothing",
    "here, and `check-config` warns when one is set (also in the `__0` list form):",
    "",
    ...compatibilityTable(SETTINGS.filter((s) => s.group === "Compatibility")),
    "",
    "## Host settings (host.json)",
    "",
    "`host.json` is part of the deployed package, not an app setting:",
    "",
    "- `functionTimeout` is `00:10:00`, the maximum of the Consumption plan. Every activity is one short",
    "  step (a request, a poll, a table write), so this is ample. On the Premium or Dedicated plans it can",
    "  be raised (for example to `00:30:00`) if logs ever show function timeouts.",
    "- The Durable Functions task hub is `FhirMigrate`. Two apps that share a storage account need",
    "  different task hub names (3-45 letters or digits, starting with a letter).",
    "- Log levels: `Function` at Information, `Host.Results` at Error, `DurableTask.AzureStorage` and",
    "  `DurableTask.Core` at Warning. `AZURE_Debug=true` makes the app's own logs more detailed.",
    "- The extension bundle is `Microsoft.Azure.Functions.ExtensionBundle` `[4.*, 5.0.0)`, which the",
    "  durable-functions v3 package needs; extended sessions are off.",
    "",
    "## Reference",
    "",
    "*required*: the app does not start without it. *new*: not in the original tool.",
  ];
  for (const { group, specs } of all) {
    if (group === "Compatibility") continue;
    lines.push("", `### ${group}`, "", ...referenceTable(specs));
  }
  return `${lines.join("\n")}\n`;
}
