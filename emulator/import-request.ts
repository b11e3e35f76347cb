/**
 * $import kick-off validation (ValidateImportRequestFilter, ImportRequestExtensions,
 * ImportController.ValidateImportRequestConfiguration; docs/server-behaviour.md §3.1 / §3.2 / §3.5).
 */
import { createHash } from "node:crypto";
import type { BlobStorage } from "./blob-storage";
import { isKnownResourceType } from "./fhir-resource-types";
import { badRequest } from "./http-io";
import * as msg from "./messages";
import { header, type FhirRequest } from "./request";

export const MAX_IMPORT_FILES = 10_000;
export const DEFAULT_UNIT_BYTES = 10_000_000;

export interface ImportInputSpec {
  type?: string;
  url: string;
  etag?: string;
}

export interface ImportDefinition {
  mode: "IncrementalLoad" | "InitialLoad";
  inputs: ImportInputSpec[];
  allowNegativeVersions: boolean;
  errorContainerName: string;
  processingUnitBytesToRead: number;
  /** SHA-1 of the definition: identical definitions map to the same job (docs/server-behaviour.md §3.6). */
  hash: string;
}

interface Part {
  name?: unknown;
  valueString?: unknown;
  valueUri?: unknown;
  valueBoolean?: unknown;
  valueInteger?: unknown;
  part?: unknown;
}

function textValue(p: Part): string | undefined {
  if (typeof p.valueUri === "string") return p.valueUri;
  if (typeof p.valueString === "string") return p.valueString;
  return undefined;
}

function checkHeaders(req: FhirRequest): void {
  // Stricter than export: exactly one value, respond-async, no handling=... token.
  const prefer = header(req, "prefer");
  if (prefer === undefined || prefer.trim().toLowerCase() !== "respond-async") {
    throw badRequest(msg.unsupportedHeaderValue(prefer ?? "", "Prefer"));
  }
  const contentType = header(req, "content-type");
  if (contentType === undefined || !contentType.toLowerCase().includes("application/fhir+json")) {
    throw badRequest(msg.unsupportedHeaderValue(contentType ?? "", "Content-Type"));
  }
}

function parseBody(body: string): Part[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (_malformed) {
    throw badRequest(msg.IMPORT_NOT_PARAMETERS);
  }
  const resource = parsed as { resourceType?: unknown; parameter?: unknown };
  if (typeof parsed !== "object" || parsed === null || resource.resourceType !== "Parameters") {
    throw badRequest(msg.IMPORT_NOT_PARAMETERS);
  }
  return Array.isArray(resource.parameter) ? (resource.parameter as Part[]) : [];
}

function parseInput(p: Part): ImportInputSpec {
  const spec: Partial<ImportInputSpec> = {};
  for (const part of Array.isArray(p.part) ? (p.part as Part[]) : []) {
    const v = textValue(part);
    if (part.name === "type" && v !== undefined) spec.type = v;
    else if (part.name === "url" && v !== undefined) spec.url = v;
    else if (part.name === "etag" && v !== undefined) spec.etag = v;
  }
  if (spec.url === undefined) throw badRequest(msg.importValueInvalid("input.url"));
  return spec as ImportInputSpec;
}

export function parseImportRequest(
  req: FhirRequest,
  initialImportMode: boolean,
  blobs: BlobStorage,
): ImportDefinition {
  checkHeaders(req);
  const params = parseBody(req.body);
  const byName = (name: string): Part[] => params.filter((p) => p.name === name);

  const inputFormat = byName("inputFormat")[0];
  if (
    inputFormat === undefined ||
    textValue(inputFormat)?.toLowerCase() !== "application/fhir+ndjson"
  ) {
    throw badRequest(msg.importValueInvalid("inputFormat"));
  }
  const modeText =
    byName("mode")[0] === undefined ? "" : (textValue(byName("mode")[0] as Part) ?? "");
  let mode: ImportDefinition["mode"];
  if (modeText === "" || modeText.toLowerCase() === "incrementalload") mode = "IncrementalLoad";
  else if (modeText.toLowerCase() === "initialload") mode = "InitialLoad";
  else throw badRequest(msg.INVALID_IMPORT_MODE);

  const storageType = byName("storageDetail")[0];
  if (storageType !== undefined) {
    const typePart = (Array.isArray(storageType.part) ? (storageType.part as Part[]) : []).find(
      (p) => p.name === "type",
    );
    const t = typePart === undefined ? undefined : textValue(typePart);
    if (t !== undefined && t !== "azure-blob")
      throw badRequest(msg.importValueInvalid("storageDetails"));
  }

  const inputs = byName("input").map(parseInput);
  if (inputs.length === 0) throw badRequest(msg.importValueInvalid("input"));
  if (inputs.length > MAX_IMPORT_FILES) throw badRequest(msg.TOO_MANY_IMPORT_FILES);

  const force = byName("force")[0]?.valueBoolean === true;
  if (mode === "InitialLoad" && !initialImportMode && !force) {
    throw badRequest(msg.INITIAL_IMPORT_MODE_NOT_ENABLED);
  }

  for (const input of inputs) {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch (_notAbsolute) {
      throw badRequest(msg.importValueInvalid("input.url"));
    }
    // No query string, so no SAS tokens.
    if (url.search !== "" || input.url.includes("?"))
      throw badRequest(msg.importValueInvalid("input.url"));
    if (!blobs.sameAccount(url)) throw badRequest(msg.INPUT_URL_ACCOUNT_MISMATCH);
    if (
      input.type !== undefined &&
      (!isKnownResourceType(input.type) || input.type === "SearchParameter")
    ) {
      throw badRequest(msg.unsupportedResourceType(input.type));
    }
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.url)) duplicates.add(input.url);
    seen.add(input.url);
  }
  if (duplicates.size > 0) throw badRequest(msg.duplicateImportFiles([...duplicates]));

  const unitBytes = byName("processingUnitBytesToRead")[0]?.valueInteger;
  const def = {
    mode,
    inputs,
    allowNegativeVersions: byName("allowNegativeVersions")[0]?.valueBoolean === true,
    errorContainerName: textValue(byName("errorContainerName")[0] ?? {}) ?? "fhirlogs",
    processingUnitBytesToRead:
      typeof unitBytes === "number" && unitBytes > 0 ? unitBytes : DEFAULT_UNIT_BYTES,
  };
  // The server's job definition holds InputSource too (ImportOrchestratorJobDefinition: RequestUri,
  // BaseUri, Input[], InputFormat, InputSource, StorageDetail, ImportMode, flags; docs/server-behaviour.md §3.6), so
  // bodies that differ only in inputSource are different jobs.
  const inputSourcePart = byName("inputSource")[0];
  const inputSource = inputSourcePart === undefined ? null : (textValue(inputSourcePart) ?? null);
  const hash = createHash("sha1")
    .update(JSON.stringify({ ...def, inputSource, requestUri: req.pathname }))
    .digest("hex");
  return { ...def, hash };
}
