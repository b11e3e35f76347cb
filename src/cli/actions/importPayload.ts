/**
 * `fhir-migrate import-payload`: what the lift-and-shift `Import_Payload.ps1` did, as one command.
 * From a completed `$export` (its status URL, or the saved status body) it writes the `$import`
 * Parameters bodies into a folder, at most `--file-count` inputs each, SearchParameter files
 * excluded and counted (docs/server-behaviour.md §3.2, §3.5, §8.8), and prints a summary. It posts nothing.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { findSetting } from "../../config/catalog";
import { isLoopbackUrl } from "../../config/schema";
import type { SettingNameOf } from "../../config/settingNames";
import type { Settings } from "../../config/settings";
import {
  MAX_FILES_PER_IMPORT,
  checkImportPayloadOptions,
  isExportManifestError,
  storeImportPayloads,
  validateExportOutputs,
  type ImportPayloadOptions,
  type ImportPayloadSummary,
} from "../../core/importPayload";
import { ensureError } from "../../errors";
import { createFhirClient, type FhirClientDeps } from "../../fhir/client";
import type { ExportOutputFile, ExportStatus } from "../../fhir/types";
import { EXIT_OK, OperationFailedError, UsageError, exitCodeFor, type ExitCode } from "../errors";
import { postPayloads } from "../postPayloads";
import { formatTable } from "../../status/format";
import type { CliRuntime } from "../runtime";

export const PAYLOAD_FILE_PREFIX = "import_payload_";
const PAYLOAD_FILE_PATTERN = /^import_payload_\d+\.json$/;
/** Names are zero-padded to at least this many digits so they sort in order. */
const MIN_INDEX_DIGITS = 4;
/** Past this many payloads, the text summary shows the first and last file names only. */
const MAX_LISTED_FILES = 20;
const STATUS_PATH = "/_operations/export/";

/** Raw option values, as commander hands them over. */
export interface ImportPayloadCliOptions {
  exportStatusUrl?: string;
  manifest?: string;
  out?: string;
  fileCount?: string;
  attemptTag?: string;
}

export interface ImportPayloadIo {
  /** Relative --manifest and --out paths are resolved against this folder. */
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The export status behind `--export-status-url` (FhirClient.exportStatus). */
  getExportStatus(statusUrl: string): Promise<ExportStatus>;
  /** Print one JSON document instead of the text summary (the global --json flag). */
  json?: boolean;
}

export interface ImportPayloadReport {
  ok: true;
  outDir: string;
  /** File names written, in order. */
  files: string[];
  summary: ImportPayloadSummary;
}

/** `import_payload_0001.json`; wider when there are more than 9999 payloads. */
export function payloadFileName(index: number, total: number): string {
  const width = Math.max(MIN_INDEX_DIGITS, String(total).length);
  return `${PAYLOAD_FILE_PREFIX}${String(index).padStart(width, "0")}.json`;
}

function parseFileCount(raw: string | undefined): number {
  if (raw === undefined) return MAX_FILES_PER_IMPORT;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_FILES_PER_IMPORT) {
    throw new UsageError(
      `--file-count: received ${JSON.stringify(raw)}; expected a whole number from 1 to ${MAX_FILES_PER_IMPORT} (the service accepts at most ${MAX_FILES_PER_IMPORT} files per $import)`,
    );
  }
  return value;
}

/** Checks the options before anything is read or fetched. */
function payloadOptionsOf(options: ImportPayloadCliOptions): ImportPayloadOptions {
  const payloadOptions = {
    fileCount: parseFileCount(options.fileCount),
    attemptTag: options.attemptTag,
  };
  try {
    checkImportPayloadOptions(payloadOptions);
  } catch (thrown) {
    const error = ensureError(thrown);
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`--attempt-tag: ${error.message.replace(/^attemptTag: /, "")}`);
  }
  return payloadOptions;
}

/** The Content-Location of an export kick-off: `{base}/_operations/export/{numeric id}` (docs/server-behaviour.md §0). */
function parseStatusUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(
      `--export-status-url: received ${JSON.stringify(raw)}; expected an absolute URL such as https://myfhir.azurehealthcareapis.com/_operations/export/4721`,
    );
  }
  if (
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    !/\/_operations\/export\/\d+\/?$/.test(url.pathname)
  ) {
    throw new UsageError(
      `--export-status-url: received ${url.origin}${url.pathname}; expected the Content-Location of an $export, ending in ${STATUS_PATH}<job id>`,
    );
  }
  return url;
}

/** The `output[]` of an export status body; anything else is a usage error naming `source`. */
function outputsOf(body: unknown, source: string): ExportOutputFile[] {
  if (
    typeof body !== "object" ||
    body === null ||
    !Array.isArray((body as { output?: unknown }).output)
  ) {
    throw new UsageError(
      `${source}: expected the JSON body of a completed export status (an object with an "output" array)`,
    );
  }
  return (body as { output: ExportOutputFile[] }).output;
}

export async function readManifestFile(path: string): Promise<ExportOutputFile[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (thrown) {
    throw new UsageError(`--manifest: cannot read ${path}: ${ensureError(thrown).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
  } catch (thrown) {
    throw new UsageError(`--manifest: ${path} is not JSON: ${ensureError(thrown).message}`);
  }
  return outputsOf(body, `--manifest ${path}`);
}

export async function fetchOutputs(
  statusUrl: string,
  io: ImportPayloadIo,
): Promise<ExportOutputFile[]> {
  const status = await io.getExportStatus(statusUrl);
  if (status.state === "running") {
    throw new Error(
      `The export at ${statusUrl} is still running (HTTP 202). Run this command again when it has completed.`,
    );
  }
  return outputsOf(status.manifest, `export status ${statusUrl}`);
}

/** Refuses a folder that already holds payloads: mixing old and new files could import stale data. */
async function prepareOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (thrown) {
    throw new UsageError(`--out: cannot create ${dir}: ${ensureError(thrown).message}`);
  }
  const existing = (await readdir(dir)).filter((name) => PAYLOAD_FILE_PATTERN.test(name));
  if (existing.length > 0) {
    throw new UsageError(
      `--out: ${dir} already holds ${existing.length} import payload file(s) (${existing[0]}, ...); remove them or choose an empty folder`,
    );
  }
}

function renderText(report: ImportPayloadReport): string {
  const { summary, files, outDir } = report;
  const lines: string[] = [];
  if (summary.payloads === 0) {
    lines.push("No import payloads written: the manifest has no importable files.");
  } else {
    lines.push(`Wrote ${summary.payloads} import payload file(s) to ${outDir}:`);
    const shown =
      files.length <= MAX_LISTED_FILES
        ? files
        : [files[0] ?? "", "...", files[files.length - 1] ?? ""];
    lines.push(...shown.map((name) => `  ${name}`));
  }
  lines.push(
    "",
    formatTable([
      ["Payloads", String(summary.payloads)],
      ["Input files", String(summary.files)],
      ["Resources (manifest counts)", String(summary.resources)],
      ["SearchParameter files excluded", String(summary.searchParameterFiles)],
      ["SearchParameter resources excluded", String(summary.searchParameterResources)],
    ]),
  );
  const types = Object.keys(summary.filesByType);
  if (types.length > 0) {
    lines.push(
      "",
      formatTable([
        ["Resource type", "Files", "Resources"],
        ...types.map((type) => [
          type,
          String(summary.filesByType[type] ?? 0),
          String(summary.resourcesByType[type] ?? 0),
        ]),
      ]),
    );
  }
  if (summary.searchParameterFiles > 0) {
    lines.push(
      "",
      "SearchParameter files cannot be imported ($import rejects them); migrate SearchParameter resources separately.",
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The command without the command line. Throws UsageError (exit 2) for bad options or a bad
 * manifest, before anything is written; any other error is a failure (exit 1). Prints the summary
 * through `io` and returns it.
 */
export async function importPayload(
  options: ImportPayloadCliOptions,
  io: ImportPayloadIo,
): Promise<ImportPayloadReport> {
  if ((options.exportStatusUrl === undefined) === (options.manifest === undefined)) {
    throw new UsageError("Give exactly one of --export-status-url URL and --manifest FILE");
  }
  if (options.out === undefined || options.out.trim() === "") {
    throw new UsageError("--out DIR is required: the folder the payload files are written to");
  }
  const payloadOptions = payloadOptionsOf(options);
  const outDir = resolve(io.cwd, options.out);

  const outputs =
    options.manifest !== undefined
      ? await readManifestFile(resolve(io.cwd, options.manifest))
      : await fetchOutputs(parseStatusUrl(options.exportStatusUrl ?? "").href, io);

  try {
    // Checked before the folder is touched, so a bad manifest leaves no trace.
    validateExportOutputs(outputs, payloadOptions);
  } catch (thrown) {
    if (isExportManifestError(thrown)) throw new UsageError(thrown.message, { cause: thrown });
    throw thrown;
  }
  await prepareOutDir(outDir);
  const files: string[] = [];
  const summary = await storeImportPayloads(outputs, payloadOptions, async (payload, total) => {
    const name = payloadFileName(payload.index, total);
    try {
      // "wx": never overwrite a file that appeared since the folder was checked.
      await writeFile(join(outDir, name), `${JSON.stringify(payload.body, null, 2)}\n`, {
        flag: "wx",
      });
    } catch (thrown) {
      throw new Error(
        `Cannot write ${join(outDir, name)} (${files.length} of ${total} payload file(s) were written before it; remove them before running again): ${ensureError(thrown).message}`,
        { cause: thrown },
      );
    }
    files.push(name);
  });
  const report: ImportPayloadReport = { ok: true, outDir, files, summary };
  if (io.json === true) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout(renderText(report));
  return report;
}

/** importPayload, with errors printed to `io.stderr` and turned into the exit code (0, 1 or 2). */
export async function runImportPayload(
  options: ImportPayloadCliOptions,
  io: ImportPayloadIo,
): Promise<ExitCode> {
  try {
    await importPayload(options, io);
    return EXIT_OK;
  } catch (thrown) {
    io.stderr(`${ensureError(thrown).message}\n`);
    return exitCodeFor(thrown);
  }
}

function catalogNumber(name: SettingNameOf<number>): number {
  const value = Number(findSetting(name)?.default);
  if (!Number.isFinite(value))
    throw new Error(`The settings catalog has no numeric default for ${name}`);
  return value;
}

/**
 * HTTP behaviour for the one status GET: the app settings' defaults (AZURE_UserAgent,
 * AZURE_HttpTimeoutSeconds, AZURE_RetryCount, AZURE_WaitForRetry, AZURE_RetryMaxSeconds), so the
 * command needs no settings file.
 */
function defaultHttpSettings(): Settings["http"] {
  return {
    userAgent: findSetting("AZURE_UserAgent")?.default ?? "fhir-migrate",
    timeoutMs: catalogNumber("AZURE_HttpTimeoutSeconds") * 1000,
    retry: {
      maxRetries: catalogNumber("AZURE_RetryCount"),
      firstDelayMs: catalogNumber("AZURE_WaitForRetry") * 1000,
      maxDelayMs: 60_000,
      budgetMs: catalogNumber("AZURE_RetryMaxSeconds") * 1000,
    },
  };
}

/**
 * Reads an export status with the FHIR client (retries, Retry-After, redaction). The server's base
 * URL is the part of the status URL before `/_operations/export/`. The token comes from
 * DefaultAzureCredential (Azure CLI sign-in, managed identity, environment), like the script's
 * `az account get-access-token`; loopback URLs (local emulators) get no token.
 */
export function createExportStatusReader(
  deps: FhirClientDeps = {},
): (statusUrl: string) => Promise<ExportStatus> {
  return async (statusUrl) => {
    const url = new URL(statusUrl);
    const baseUrl = url.href.slice(0, url.href.lastIndexOf(STATUS_PATH));
    const client = createFhirClient(
      {
        baseUrl,
        auth: isLoopbackUrl(url) ? { kind: "none" } : { kind: "managedIdentity" },
      },
      defaultHttpSettings(),
      deps,
    );
    return client.exportStatus(statusUrl);
  };
}

/** With --post: submit the bodies too. */
export interface ImportPayloadCommandOptions extends ImportPayloadCliOptions {
  post?: boolean;
  destination?: string;
  pollSeconds?: string;
}

export async function importPayloadCommand(
  options: ImportPayloadCommandOptions,
  context: { json: boolean; runtime: CliRuntime },
): Promise<void> {
  const { json, runtime } = context;
  const post = options;
  if (post.post === true && post.destination === undefined) {
    throw new UsageError("--post needs --destination URL: the destination FHIR service's base URL");
  }
  const pollSeconds = Number(post.pollSeconds ?? "30");
  if (!(pollSeconds > 0 && pollSeconds <= 3600)) {
    throw new UsageError(
      `--poll-seconds: expected a number of seconds from 1 to 3600, got ${JSON.stringify(post.pollSeconds)}`,
    );
  }
  const report = await importPayload(options, {
    cwd: runtime.cwd,
    stdout: runtime.stdout,
    stderr: runtime.stderr,
    getExportStatus: createExportStatusReader(),
    json,
  });
  if (post.post === true && post.destination !== undefined) {
    const url = new URL(post.destination);
    const destination = createFhirClient(
      {
        baseUrl: url.href.replace(/\/+$/, ""),
        auth: isLoopbackUrl(url) ? { kind: "none" } : { kind: "managedIdentity" },
      },
      defaultHttpSettings(),
    );
    const posted = await postPayloads(
      report.files.map((f) => join(report.outDir, f)),
      destination,
      { pollMs: pollSeconds * 1000, log: (line) => runtime.stderr(`${line}\n`) },
    );
    const imported = posted.reduce((n, p) => n + p.imported, 0);
    const failed = posted.reduce((n, p) => n + p.failed, 0);
    if (!json)
      runtime.stdout(
        `Imported ${imported} versions from ${posted.length} payload(s); ${failed} rejected.\n`,
      );
    if (failed > 0)
      throw new OperationFailedError(
        `${failed} resource(s) were rejected; error files: ${posted.flatMap((p) => p.errorFiles).join(", ")}`,
      );
  }
}
