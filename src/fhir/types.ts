/**
 * Wire types of the Microsoft FHIR server's $export / $import / search protocol, and the client
 * interface the engine uses. The shapes follow the server code (see docs/architecture.md).
 */

import type { ServerClock } from "./serverClock";

export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: {
    versionId?: string;
    lastUpdated?: string;
    extension?: { url: string; valueString?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface BundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  request?: { method: string; url: string };
  response?: {
    status: string;
    location?: string;
    etag?: string;
    lastModified?: string;
    outcome?: OperationOutcome;
  };
  search?: { mode?: string };
}

export interface Bundle {
  resourceType: "Bundle";
  type: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: BundleEntry[];
}

export interface OperationOutcome {
  resourceType: "OperationOutcome";
  issue: { severity: string; code: string; diagnostics?: string; details?: { text?: string } }[];
}

/** 200 body of export status. `output` is sorted by type; a type with no resources has no entry. */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: ExportOutputFile[];
  error: ExportOutputFile[];
  issues?: unknown[];
}

export interface ExportOutputFile {
  type: string;
  url: string;
  count?: number;
}

export interface ExportRequest {
  /** Inclusive lower bound on each version's lastUpdated. */
  since?: string;
  /**
   * The server's `_till`: inclusive (`le`) on Azure API for FHIR and SQL non-parallel exports,
   * exclusive on SQL parallel ones. The planner ends windows on a millisecond holding no version, so
   * both select the same versions (core/windowBoundary.ts); windows chain with since = previous till.
   */
  till?: string;
  /** Per-type export (`_type=`); absent = system level. */
  types?: readonly string[];
  /** `_isParallel`; only honoured at system level. */
  isParallel?: boolean;
  includeHistory?: boolean;
  includeDeleted?: boolean;
  maxCount?: number;
  container?: string;
  anonymizationConfig?: string;
}

/** The server's answer to one export status poll (a window's recorded state: ChunkExportStatus). */
export type ExportStatus = { state: "running" } | { state: "completed"; manifest: ExportManifest };

/** One input of an $import Parameters body. */
export interface ImportInput {
  type: string;
  url: string;
  etag?: string;
}

/** $import Parameters body, as posted. */
export interface ImportParameters {
  resourceType: "Parameters";
  parameter: ImportParameter[];
}

export interface ImportParameter {
  name: string;
  valueString?: string;
  valueUri?: string;
  valueBoolean?: boolean;
  valueInteger?: number;
  part?: { name: string; valueString?: string; valueUri?: string }[];
}

export interface ImportResultEntry {
  type: string | null;
  count: number;
  inputUrl: string;
  /** Only on error entries: the error NDJSON blob. */
  url?: string;
}

export interface ImportResult {
  transactionTime: string;
  request: string;
  output: ImportResultEntry[];
  error: ImportResultEntry[];
}

export type ImportStatus =
  { state: "running"; partial?: ImportResult } | { state: "completed"; result: ImportResult };

export interface CountQuery {
  /** Resource type; absent = system level. */
  type?: string;
  /** Count `_history` (every version, including deleted ones) instead of current resources. */
  history?: boolean;
  /** Inclusive lower bound on lastUpdated. */
  since?: string;
  /** Exclusive upper bound on lastUpdated. */
  till?: string;
}

/**
 * What the engine needs from one FHIR server. Every method retries transient failures in one
 * place (src/fhir/retry.ts) and throws TransientError / FhirOperationError otherwise.
 */
export interface FhirClient {
  readonly baseUrl: string;
  /** The server's clock from its responses' Date headers (absent on test doubles). */
  readonly serverClock?: ServerClock;
  exportKickOff(request: ExportRequest): Promise<{ statusUrl: string }>;
  /** 202 → running; 200 → manifest; failure status → FhirOperationError with the server's reason. */
  exportStatus(statusUrl: string): Promise<ExportStatus>;
  /** DELETE on the status URL; a 404 (already gone) is success. */
  cancelExport(statusUrl: string): Promise<void>;
  importKickOff(body: ImportParameters): Promise<{ statusUrl: string }>;
  importStatus(statusUrl: string): Promise<ImportStatus>;
  /** DELETE; 404 and 409 (already finished) are success. */
  cancelImport(statusUrl: string): Promise<void>;
  count(query: CountQuery): Promise<number>;
  /** The oldest lastUpdated on the server (history-aware), or undefined for an empty server. */
  oldestLastUpdated(history: boolean): Promise<string | undefined>;
  /** Pages of a search, following `next` links verbatim. pathAndQuery is relative to the base. */
  searchPages(pathAndQuery: string): AsyncIterable<Bundle>;
  /**
   * The same pages with each response's body text: resources inside it exactly as the server
   * serialized them (numbers keep their digits), for self-staging (core/selfStaging.ts), and the
   * request units the page cost when the server reports them (Azure API for FHIR:
   * `x-ms-request-charge`, microsoft/fhir-server
   * src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosResponseProcessor.cs).
   */
  searchPagesText(
    pathAndQuery: string,
  ): AsyncIterable<{ bundle: Bundle; text: string; requestCharge: number | undefined }>;
  /**
   * The first resource entry of a search (OperationOutcome entries skipped), following `next` across
   * empty pages: a page with no entry but a `next` link means nothing on Cosmos (the fill loop ran
   * out of time, microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs).
   * Undefined only when the links end with no entry. Gives up with a FhirOperationError after
   * FIRST_ENTRY_PAGE_BUDGET pages.
   */
  firstEntry(pathAndQuery: string): Promise<BundleEntry | undefined>;
  /** POST a batch Bundle to the base; returns the batch-response Bundle. */
  batch(bundle: Bundle): Promise<Bundle>;
  /** GET Type/id; undefined on 404 or 410 (deleted). */
  read(type: string, id: string): Promise<FhirResource | undefined>;
  /** GET Type/id/_history/vid; undefined on 404; deleted versions come back as { deleted: true }. */
  vread(type: string, id: string, versionId: string): Promise<VersionRead>;
  /** PUT Type/id (used by tampering in the demo and by SearchParameter repair). */
  update(resource: FhirResource): Promise<FhirResource>;
  /** DELETE Type/id (soft delete). */
  delete(type: string, id: string): Promise<void>;
  /** POST $reindex (201 + Content-Location, docs/server-behaviour.md §6). */
  startReindex(): Promise<{ statusUrl: string }>;
  /** GET the reindex job; Failed or Canceled → FhirOperationError. */
  reindexStatus(statusUrl: string): Promise<ReindexStatus>;
}

export interface ReindexStatus {
  state: "running" | "completed";
  /** The job's own status text (Queued, Running, Completed, ...). */
  status: string;
  progress: number | undefined;
  total: number | undefined;
}

export type VersionRead =
  /** text: the body as the server wrote it (numbers keep their digits, for the full check). */
  | { found: true; deleted: false; resource: FhirResource; text: string }
  | { found: true; deleted: true }
  | { found: false };

export const SOFT_DELETED_EXTENSION_URL =
  "http://azurehealthcareapis.com/data-extensions/deleted-state";
