/**
 * What each request the product sends costs in time. Microsoft publishes no latency for any of them
 * (docs/performance.md, "The server model"), so these are ranges the benchmark sweeps, by profile,
 * never one made-up value: every run names the profile its figures were measured with.
 *
 * A request's answer arrives `latency` after it is sent; the server acts on it when it is sent.
 * Requests of one activity run one after another unless the product itself runs them at once.
 */

/** The kinds of request the product sends, each priced by the profile. */
export const REQUEST_KINDS = [
  /** Azure Table: one get, insert, update, upsert or delete, or one page (≤ 1,000 rows) of a query. */
  "table",
  /** Blob storage: one small blob read or write (manifest, payload body, container check). */
  "blob",
  /** A FHIR search answering one page: the oldest change (`_count=1`), a read, a batch. */
  "search",
  /** A `_history` page of up to 1,000 entries (self-staging, proofs). */
  "historyPage",
  /** A `_summary=count` query (planning, ledger, proofs): fixed part plus per million counted. */
  "count",
  /** `$export`/`$import` kick-off, status poll or cancel. */
  "job",
  /** Reading an export file while building import bodies: fixed part plus bytes and lines. */
  "stream",
  /**
   * durable-functions message hop: an activity scheduled until it runs, and its result until the
   * orchestrator replays (Azure Storage queues, polled at most every maxQueuePollingInterval, 10 s
   * in host.json).
   */
  "hop",
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface RequestLatency {
  name: string;
  /** Fixed time of one request of each kind. */
  ms: Record<RequestKind, number>;
  /** A count query's extra time per million versions it counts (Cosmos charges by index entries read). */
  countMsPerMillion: number;
  /** One export file's download rate while it is scanned (bytes per second, one stream). */
  streamBytesPerSecond: number;
  /**
   * CPU to read and check one line of an export file against its window (BuildImportPayloads,
   * `checkExportLine` parses each line): on the activity's one thread, not overlapped.
   */
  streamMsPerLine: number;
  /**
   * A request the FHIR server makes inside a job (to its store, queue or blob storage): the
   * export orchestrator's queries and enqueues, the import orchestrator's blob property reads.
   */
  serverInternalMs: number;
}

/** Every request free: the engine on the virtual clock before requests were priced. */
export const ZERO_LATENCY: RequestLatency = {
  name: "zero",
  ms: { table: 0, blob: 0, search: 0, historyPage: 0, count: 0, job: 0, stream: 0, hop: 0 },
  countMsPerMillion: 0,
  streamBytesPerSecond: Number.POSITIVE_INFINITY,
  streamMsPerLine: 0,
  serverInternalMs: 0,
};

/**
 * The swept profiles: "fast" is an app in the servers' region with the services idle, "slow" a busy
 * source and storage account. Neither is a measurement of Azure: rerun with `--request-latency`.
 */
export const LATENCY_PROFILES: Readonly<Record<string, RequestLatency>> = {
  zero: ZERO_LATENCY,
  fast: {
    name: "fast",
    ms: {
      table: 10,
      blob: 15,
      search: 100,
      historyPage: 300,
      count: 100,
      job: 100,
      stream: 15,
      hop: 50,
    },
    countMsPerMillion: 20,
    streamBytesPerSecond: 100e6,
    streamMsPerLine: 0.015,
    serverInternalMs: 5,
  },
  slow: {
    name: "slow",
    ms: {
      table: 60,
      blob: 100,
      search: 1_000,
      historyPage: 3_000,
      count: 1_000,
      job: 1_000,
      stream: 100,
      hop: 2_000,
    },
    countMsPerMillion: 500,
    streamBytesPerSecond: 25e6,
    streamMsPerLine: 0.03,
    serverInternalMs: 40,
  },
};

export function latencyProfile(name: string): RequestLatency {
  const profile = LATENCY_PROFILES[name];
  if (profile === undefined)
    throw new Error(
      `unknown request latency profile ${JSON.stringify(name)}; expected one of ${Object.keys(LATENCY_PROFILES).join(", ")}`,
    );
  return profile;
}

/** A count's time: its fixed part plus its share per million versions counted. */
export function countMs(latency: RequestLatency, counted: number): number {
  return latency.ms.count + (latency.countMsPerMillion * counted) / 1e6;
}

/** One export file downloaded while it is scanned: its request, then its bytes at the stream's rate. */
export function streamDownloadMs(latency: RequestLatency, bytes: number): number {
  return latency.ms.stream + (bytes / latency.streamBytesPerSecond) * 1000;
}

/**
 * When a file scanned from `startMs` is done: its download, and its lines' checks on the activity's
 * one thread after the checks already queued there (`cpuFreeMs`). Returns the file's end and when
 * the thread is free again. Files are downloaded several at a time; their checks run one after another.
 */
export function scanFile(
  latency: RequestLatency,
  startMs: number,
  cpuFreeMs: number,
  bytes: number,
  lines: number,
): { endMs: number; cpuFreeMs: number } {
  const cpuDone = Math.max(startMs, cpuFreeMs) + latency.streamMsPerLine * lines;
  return {
    endMs: Math.max(startMs + streamDownloadMs(latency, bytes), cpuDone),
    cpuFreeMs: cpuDone,
  };
}
