/**
 * Public types of the FHIR server emulator: options, the handle returned by startFhirEmulator,
 * operations (for stats and faults) and fault specifications.
 */
import type { EmulatorStore } from "./store";

export type Flavour = "apiForFhir" | "ahds";

export interface LatencyModel {
  exportFixedMs?: number;
  exportPerResourceMs?: number;
  importFixedMs?: number;
  importPerResourceMs?: number;
  /** How long a $reindex job stays "Running" on the clock (emulator knob; default 0). */
  reindexFixedMs?: number;
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
  /** Writes get 423 with the real non-OperationOutcome body (protocol reference 3.4). */
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

export type JobFault =
  | { kind: "export-job-fails"; statusCode: number; reason: string }
  | { kind: "export-stuck" }
  /** First status poll answers 200 with a manifest missing files, later polls are correct. */
  | { kind: "export-premature" }
  | { kind: "import-job-fails"; statusCode: number; reason: string }
  | { kind: "import-stuck" }
  /** Lines whose id is in `ids` (or the first `count` lines) become error lines. */
  | { kind: "import-partial-errors"; ids?: string[]; count?: number; message?: string };

export type FaultSpec = (HttpFault | JobFault) & FaultMatch;
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
  /**
   * Completes every $export/$import/$reindex job whose time has come on the clock. Every HTTP
   * request does this first; tests that only use the store can call it directly.
   */
  runDueJobs(): Promise<void>;
  close(): Promise<void>;
}
