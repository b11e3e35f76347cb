/**
 * Builds `$import` Parameters bodies from the `output[]` of an export manifest.
 *
 * Server rules this handles (sections of docs/server-behaviour.md):
 * - §3.2: each input is absolute, has no query string (no SAS token) and appears once per request
 *   (duplicates give 400). Here a url must be unique across ALL bodies of one manifest: a repeated
 *   url means the manifest is wrong, and dropping the copy silently could hide lost data.
 * - §3.2 / §8.8: SearchParameter files are excluded (the server rejects them) and counted.
 * - §3.5: at most 10,000 inputs per body (AZURE_FileCount).
 * - §3.6: identical bodies are deduplicated by the server and return the OLD job; `attemptTag`
 *   adds an `inputSource` (stored only) so a re-posted payload is a new job.
 * - §4.2 / §8.12: `type` is always sent, otherwise the import status reports type null.
 * - An empty input list gives 400, so zero importable files yield zero bodies.
 */
import { redactUrl } from "../fhir/redact";
import type { ExportOutputFile, ImportParameter, ImportParameters } from "../fhir/types";
import { SEARCH_PARAMETER_TYPE, isR4ResourceType } from "./resourceTypes";

export const IMPORT_INPUT_FORMAT = "application/fhir+ndjson";
/** Only incremental mode keeps versionId and lastUpdated (docs/server-behaviour.md §4.4). */
export const IMPORT_MODE = "IncrementalLoad";
/** The service accepts at most this many input files per `$import` (docs/server-behaviour.md §3.5). */
export const MAX_FILES_PER_IMPORT = 10_000;
export const INPUT_SOURCE_PREFIX = "urn:fhir-migrate:";

const ATTEMPT_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,199}$/;

export interface ImportPayloadOptions {
  /** Most inputs per body, 1..10000 (AZURE_FileCount). Default 10000. */
  fileCount?: number;
  /**
   * Makes the bodies distinct from earlier posts of the same files: adds
   * `{"name":"inputSource","valueUri":"urn:fhir-migrate:<tag>"}`. Letters, digits and `._~:-`,
   * at most 200 characters, starting with a letter or digit.
   */
  attemptTag?: string;
}

export interface ImportPayloadBody {
  /** 1-based position of this body among the bodies of one manifest. */
  index: number;
  body: ImportParameters;
  /** Number of `input` parameters in `body`. */
  inputCount: number;
  /** Resources per type in this body, as reported by the export manifest (first-seen order). */
  resourcesByType: Readonly<Record<string, number>>;
}

export interface ImportPayloadSummary {
  payloads: number;
  /** Input files put into bodies (SearchParameter files not included). */
  files: number;
  /** Resources put into bodies, as the manifest counts them (informational). */
  resources: number;
  filesByType: Readonly<Record<string, number>>;
  resourcesByType: Readonly<Record<string, number>>;
  searchParameterFiles: number;
  searchParameterResources: number;
}

export interface ManifestProblem {
  /** Position in `output[]`, 0-based. */
  index: number;
  /** What is wrong and what is accepted. Never contains a query string (it may hold a SAS token). */
  message: string;
}

/** The export manifest cannot be turned into `$import` bodies. Lists every problem found. */
export class ExportManifestError extends Error {
  override readonly name = "ExportManifestError";
  readonly problems: readonly ManifestProblem[];

  constructor(problems: readonly ManifestProblem[]) {
    const shown = problems.slice(0, 20).map((p) => `  - output[${p.index}]: ${p.message}`);
    const more =
      problems.length > shown.length ? [`  - ... and ${problems.length - shown.length} more`] : [];
    super(
      `Invalid export manifest (${problems.length} problem(s)):\n${[...shown, ...more].join("\n")}`,
    );
    this.problems = problems;
  }
}

export function isExportManifestError(error: unknown): error is ExportManifestError {
  return error instanceof Error && error.name === "ExportManifestError";
}

/**
 * Checks the entry at `index`. `seenUrls` maps each url met so far in the manifest to its index; it
 * holds the manifest's own strings, so it adds no copies of them.
 */
function entryProblems(entry: unknown, index: number, seenUrls: Map<string, number>): string[] {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    return ["expected an object with `type`, `url` and optional `count`"];
  }
  const { type, url, count } = entry as Record<string, unknown>;
  const problems: string[] = [];

  if (typeof type !== "string" || type === "") {
    problems.push("missing `type`; expected a FHIR R4 resource type name such as Patient");
  } else if (!isR4ResourceType(type)) {
    // The destination rejects the whole request for an unknown type (docs/server-behaviour.md §3.2).
    problems.push(`type ${JSON.stringify(type)} is not a FHIR R4 resource type`);
  }

  if (typeof url !== "string" || url === "") {
    problems.push("missing `url`; expected the absolute blob URL of the NDJSON file");
  } else {
    problems.push(...urlProblems(url));
    const firstIndex = seenUrls.get(url);
    if (firstIndex !== undefined) {
      problems.push(
        `duplicate url ${redactUrl(url)} (first at output[${firstIndex}]): each file may appear once per manifest (the server rejects duplicate files with 400)`,
      );
    } else {
      seenUrls.set(url, index);
    }
  }

  if (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0)) {
    problems.push(`count ${JSON.stringify(count)} is not a whole number >= 0`);
  }
  return problems;
}

function urlProblems(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`url ${redactUrl(url)} is not absolute; expected an absolute http(s) blob URL`];
  }
  const problems: string[] = [];
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    problems.push(`url ${redactUrl(url)} uses ${parsed.protocol}; expected an http(s) blob URL`);
  }
  if (url.includes("?")) {
    // The server rejects any query string in input urls, so SAS tokens cannot be used (docs/server-behaviour.md §3.2).
    problems.push(
      `url ${redactUrl(url)} has a query string; $import accepts only urls without one (no SAS tokens: the destination reads the blob with its managed identity)`,
    );
  }
  if (url.includes("#")) {
    problems.push(`url ${redactUrl(url)} has a fragment; expected a plain blob URL`);
  }
  return problems;
}

/**
 * Checks `fileCount` and `attemptTag` (RangeError naming the option and what is accepted) and
 * returns the body size and the inputSource value.
 */
export function checkImportPayloadOptions(options: ImportPayloadOptions): {
  fileCount: number;
  inputSource?: string;
} {
  const fileCount = options.fileCount ?? MAX_FILES_PER_IMPORT;
  if (!Number.isInteger(fileCount) || fileCount < 1 || fileCount > MAX_FILES_PER_IMPORT) {
    throw new RangeError(
      `fileCount: received ${fileCount}; expected a whole number from 1 to ${MAX_FILES_PER_IMPORT}`,
    );
  }
  if (options.attemptTag === undefined) return { fileCount };
  if (!ATTEMPT_TAG_PATTERN.test(options.attemptTag)) {
    throw new RangeError(
      `attemptTag: received ${JSON.stringify(options.attemptTag)}; expected 1-200 letters, digits or ._~:- starting with a letter or digit`,
    );
  }
  return { fileCount, inputSource: `${INPUT_SOURCE_PREFIX}${options.attemptTag}` };
}

/**
 * Checks every entry of `outputs` and throws one ExportManifestError listing all problems. Callers
 * that store bodies as they are built run this first, so a bad manifest writes nothing. Returns
 * the number of bodies `buildImportPayloads` will yield with `fileCount` inputs per body.
 */
export function validateExportOutputs(
  outputs: Iterable<ExportOutputFile>,
  options: ImportPayloadOptions = {},
): { payloads: number; files: number; searchParameterFiles: number } {
  const { fileCount } = checkImportPayloadOptions(options);
  const seenUrls = new Map<string, number>();
  const problems: ManifestProblem[] = [];
  let files = 0;
  let searchParameterFiles = 0;
  let index = 0;
  for (const entry of outputs) {
    const messages = entryProblems(entry, index, seenUrls);
    for (const message of messages) problems.push({ index, message });
    if (messages.length === 0) {
      if (entry.type === SEARCH_PARAMETER_TYPE) searchParameterFiles += 1;
      else files += 1;
    }
    index += 1;
  }
  if (problems.length > 0) throw new ExportManifestError(problems);
  return { payloads: Math.ceil(files / fileCount), files, searchParameterFiles };
}

function headerParameters(inputSource: string | undefined): ImportParameter[] {
  const header: ImportParameter[] = [
    { name: "inputFormat", valueString: IMPORT_INPUT_FORMAT },
    { name: "mode", valueString: IMPORT_MODE },
  ];
  if (inputSource !== undefined) header.push({ name: "inputSource", valueUri: inputSource });
  return header;
}

function addTo(record: Record<string, number>, key: string, amount: number): void {
  record[key] = (record[key] ?? 0) + amount;
}

/**
 * Yields `$import` bodies one at a time, in manifest order, at most `fileCount` inputs each, so the
 * caller can store each body before the next is built: only one body is held at a time, plus the
 * set of urls seen (references to the manifest's strings). The generator's return value is the
 * summary.
 *
 * Throws ExportManifestError at the first invalid entry; bodies yielded before it are then an
 * incomplete set. Call validateExportOutputs first to fail before anything is stored.
 */
export function buildImportPayloads(
  outputs: Iterable<ExportOutputFile>,
  options: ImportPayloadOptions = {},
): Generator<ImportPayloadBody, ImportPayloadSummary, undefined> {
  // Checked here, not inside the generator, so bad options throw at the call, not at first next().
  const { fileCount, inputSource } = checkImportPayloadOptions(options);
  return generatePayloads(outputs, fileCount, inputSource);
}

function* generatePayloads(
  outputs: Iterable<ExportOutputFile>,
  fileCount: number,
  inputSource: string | undefined,
): Generator<ImportPayloadBody, ImportPayloadSummary, undefined> {
  const seenUrls = new Map<string, number>();
  const filesByType: Record<string, number> = {};
  const resourcesByType: Record<string, number> = {};
  let files = 0;
  let resources = 0;
  let searchParameterFiles = 0;
  let searchParameterResources = 0;
  let payloads = 0;

  let parameters = headerParameters(inputSource);
  let bodyResources: Record<string, number> = {};
  let inputCount = 0;

  const finishBody = (): ImportPayloadBody => {
    payloads += 1;
    const finished: ImportPayloadBody = {
      index: payloads,
      body: { resourceType: "Parameters", parameter: parameters },
      inputCount,
      resourcesByType: bodyResources,
    };
    parameters = headerParameters(inputSource);
    bodyResources = {};
    inputCount = 0;
    return finished;
  };

  let index = 0;
  for (const entry of outputs) {
    const messages = entryProblems(entry, index, seenUrls);
    if (messages.length > 0) {
      throw new ExportManifestError(messages.map((message) => ({ index, message })));
    }
    index += 1;
    const count = entry.count ?? 0;
    if (entry.type === SEARCH_PARAMETER_TYPE) {
      searchParameterFiles += 1;
      searchParameterResources += count;
      continue;
    }
    parameters.push({
      name: "input",
      part: [
        { name: "type", valueString: entry.type },
        { name: "url", valueUri: entry.url },
      ],
    });
    inputCount += 1;
    addTo(bodyResources, entry.type, count);
    addTo(filesByType, entry.type, 1);
    addTo(resourcesByType, entry.type, count);
    files += 1;
    resources += count;
    if (inputCount === fileCount) yield finishBody();
  }
  if (inputCount > 0) yield finishBody();

  return {
    payloads,
    files,
    resources,
    filesByType,
    resourcesByType,
    searchParameterFiles,
    searchParameterResources,
  };
}

/**
 * Validates all of `outputs` first (nothing is stored for a bad manifest), then hands each body to
 * `store`, with the total number of bodies, and waits for it before building the next. Returns the
 * summary.
 *
 * Takes an array, not any iterable: `outputs` is read twice, and a one-shot iterable would be
 * empty on the second pass, which would silently build no bodies.
 */
export async function storeImportPayloads(
  outputs: readonly ExportOutputFile[],
  options: ImportPayloadOptions,
  store: (payload: ImportPayloadBody, totalPayloads: number) => Promise<void>,
): Promise<ImportPayloadSummary> {
  const { payloads: totalPayloads } = validateExportOutputs(outputs, options);
  const payloads = buildImportPayloads(outputs, options);
  for (;;) {
    const next = payloads.next();
    if (next.done === true) return next.value;
    await store(next.value, totalPayloads);
  }
}
