/**
 * Public types of the FHIR server emulator: options, the handle returned by startFhirEmulator,
 * operations (for stats and faults) and fault specifications.
 */
import type { EmulatorStore } from "./store";

/**
 * The store profile of the emulated service. The flavour IS the store profile:
 * - `apiForFhir`: Azure API for FHIR, the Cosmos DB store (src/Microsoft.Health.Fhir.CosmosDb):
 *   `_isParallel` defaults false, `_till` is inclusive, search pages may be partial or empty and still
 *   carry `next` (CosmosFhirDataStore.ExecuteDocumentQueryAsync), job ids are 19-digit numbers
 *   (CosmosQueueClient.GetLongId).
 * - `ahds`: the AHDS FHIR service, the SQL store (src/Microsoft.Health.Fhir.SqlServer): `_isParallel`
 *   defaults true, `_till` exclusive on the parallel path only (SqlExportOrchestratorJob), pages are
 *   filled, decimal(36,18) index limits, transactions are supported.
 * Both return the existing version for a PUT with unchanged content (rest-handlers.ts).
 */
export type Flavour = "apiForFhir" | "ahds";

export interface LatencyModel {
  exportFixedMs?: number;
  exportPerResourceMs?: number;
  importFixedMs?: number;
  importPerResourceMs?: number;
  /**
   * Server-wide versions per second shared by the exports running at once (sharedThroughput.ts);
   * undefined: each job moves at its own rate, whatever else runs.
   */
  exportThroughputPerSecond?: number;
  /** Server-wide resources per second shared by the imports running at once. */
  importThroughputPerSecond?: number;
  /** How long a $reindex job stays "Running" on the clock (emulator knob; default 0). */
  reindexFixedMs?: number;
  /**
   * How long an export's status stays 202 after its last processing job ended. Default 15 000, the
   * server's grace period (FhirOperationDataStoreBase.GetExportJobByIdAsync: `EndDate > UtcNow.AddSeconds(-15)`).
   */
  exportStatusGraceMs?: number;
}

export interface EmulatorClock {
  now(): number;
}

export interface EmulatorOptions {
  /** apiForFhir: `_isParallel` defaults false, batch only. ahds: `_isParallel` defaults true, decimal(36,18) limits. */
  flavour: Flavour;
  /** Azurite (or any account) connection string: export output blobs, import inputs, error files. */
  storageConnectionString: string;
  /** e.g. http://127.0.0.1:PORT/devstoreaccount1: "the configured storage account" of the server. */
  storageBlobEndpoint: string;
  /** When set, every request (except /metadata) needs `Authorization: Bearer <it>`. */
  bearerToken?: string;
  /** Writes get 423 with the real non-OperationOutcome body (docs/server-behaviour.md §3.4). */
  initialImportMode?: boolean;
  latency?: LatencyModel;
  /** All server timestamps, job ages and latency use this clock. Default Date.now. */
  clock?: EmulatorClock;
  /** Stand-in for the 64 MB rolling-file rule: a new file sequence after N resources. Default 5000. */
  rollingFileResources?: number;
  /** Resources per SQL transaction of an import processing job (ImportJobConfiguration.TransactionSize). Default 1000. */
  importTransactionSize?: number;
  /** Parallel import jobs allowed before 429. Default 5. */
  maxImportJobs?: number;
  /** Seed of the fault RNG (rate-based faults). Default 1. */
  seed?: number;
  /** Listen port on 127.0.0.1; default a free port. */
  port?: number;
  /**
   * Test hook: the largest total a `_summary=count` answers before it is refused (see
   * COUNT_LIMIT in search.ts). Default int.MaxValue, the servers' limit; a test lowers it to reach it.
   */
  countLimit?: number;
}

export type Operation =
  | "export-kickoff"
  | "export-status"
  | "export-cancel"
  | "import-kickoff"
  | "import-status"
  | "import-cancel"
  | "search"
  | "count"
  | "history"
  | "read"
  | "write"
  | "batch"
  | "reindex";

interface FaultMatch {
  /** Which requests the fault applies to. Job faults default to their kick-off operation; HTTP faults to every operation. */
  operation?: Operation;
  /** Apply to the next N matching requests (default 1 when `rate` is absent). */
  times?: number;
  /** Probability per matching request, drawn from the seeded RNG. With `times`, at most `times` injections. */
  rate?: number;
}

export type HttpFault =
  | { kind: "status"; status: number; retryAfterSeconds?: number; message?: string }
  /** Destroy the socket without a response (the client sees ECONNRESET / "socket hang up"). */
  | { kind: "reset" }
  /** Answer normally after `ms` of real time (for client timeouts). */
  | { kind: "delay"; ms: number }
  /** 401 as if the token were rejected. */
  | { kind: "unauthorized" };

/**
 * Search-page faults (apiForFhir only; adding one to an ahds emulator throws): what the Cosmos store's
 * fill loop returns when its enumeration time budget or a 429 ends it early
 * (CosmosFhirDataStore.ExecuteDocumentQueryAsync; BundleFactory turns the continuation into `next`).
 * They apply to paged searches: operations "search" and "history" (a count is not paged).
 */
export type PageFault =
  /** The page holds zero entries and still carries `next`, which resumes where this page began. */
  | { kind: "empty-page"; position?: number; path?: string }
  /**
   * The page holds at most `entries` entries (default: a seeded-random count below `_count`, at
   * least 1) and carries `next` when more remain.
   */
  | { kind: "partial-page"; entries?: number; position?: number; path?: string };

/**
 * A batch entry throttled by the store: the entry at `entry` (0-based position in the request
 * Bundle; default 0) answers 429 even after the server's one retry, and every entry executed after
 * it answers the same 429 entry (BundleHandler.ExecuteRequestsWithSingleHttpVerbInSequenceAsync).
 * Applies to the next matching `batch` request.
 */
export type BatchFault = { kind: "batch-entry-throttled"; entry?: number };

export type JobFault =
  | { kind: "export-job-fails"; statusCode: number; reason: string }
  | { kind: "export-stuck" }
  /** First status poll answers 200 with a manifest missing files, later polls are correct. */
  | { kind: "export-premature" }
  /**
   * The job fails with `statusCode` and `reason` (hidden as "InternalServerError" for a 500, as the
   * server hides it). `namesInputFile`: the status names the job's first input file
   * (`ErrorFile: <url>`), as a failed processing job's does (GetImportRequestHandler.cs), e.g.
   * AHDS's "The database 'fhirdb' has reached its size quota." or a data error's wording.
   * `showsReason`: a 500 whose reason reaches the client, as the managed service shows a full
   * database's (MicrosoftDocs azure-docs articles/healthcare-apis/fhir/import-data.md,
   * Troubleshoot); the open-source server hides every 500's reason (GetImportRequestHandler.cs).
   */
  | {
      kind: "import-job-fails";
      statusCode: number;
      reason: string;
      namesInputFile?: boolean;
      showsReason?: boolean;
    }
  | { kind: "import-stuck" }
  /**
   * A data error the server does not explain up front: a processing unit holding a line whose id is
   * in `ids` fails the job with `statusCode` and `reason`, naming that unit's input file; units
   * merged before it stay (as an overflowing index value does, import-merge.ts).
   */
  | { kind: "import-refuses"; ids: string[]; statusCode: number; reason: string }
  /** Lines whose id is in `ids` (or the first `count` lines) become error lines. */
  | { kind: "import-partial-errors"; ids?: string[]; count?: number; message?: string };

/**
 * Page faults also take `position` (1 = the first page of a query, 2 = the page its first `next`
 * leads to, ...) and `path` (the request path exactly, e.g. "/Patient/_history"); with `position`,
 * `times` defaults to unlimited: the page at that position of every matching query.
 */
export type FaultSpec = (HttpFault | JobFault | PageFault | BatchFault) & FaultMatch;
export type FaultKind = FaultSpec["kind"];

export interface FaultInjector {
  add(fault: FaultSpec): void;
  clear(): void;
  /** How many faults of each kind were injected so far. */
  survived(): Partial<Record<FaultKind, number>>;
}

export interface EmulatorStats {
  /** Requests received for one operation, or all requests when omitted. */
  requests(operation?: Operation): number;
  reset(): void;
}

export interface FhirEmulator {
  /** http://127.0.0.1:PORT (no trailing slash). */
  readonly baseUrl: string;
  readonly store: EmulatorStore;
  readonly faults: FaultInjector;
  readonly stats: EmulatorStats;
  setInitialImportMode(on: boolean): void;
  /** Test hook: lowers (or restores) the largest total a count answers (EmulatorOptions.countLimit). */
  setCountLimit(limit: number): void;
  /**
   * Completes every $export/$import/$reindex job whose time has come on the clock. Every HTTP
   * request does this first; tests that only use the store can call it directly.
   */
  runDueJobs(): Promise<void>;
  close(): Promise<void>;
}
