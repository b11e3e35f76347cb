/**
 * Benchmark 11: the full check, the cutover's proof and the hard-delete reconciliation at 10M, 100M
 * and 1B versions, priced under a cited server model (`npm run bench -- --only full-check-scale`).
 *
 * What is real: the full check's orchestration (src/verify/fullOrchestrator.ts) replayed by
 * durable-functions' own executor (src/local/durableRuntime.ts), with the product's splitting of the
 * timeline into units (src/verify/fullSplit.ts, src/core/fullUnits.ts) against a source that answers
 * counts exactly from a uniform ten-year timeline; the histories the host would store and every
 * input that crosses continue-as-new are measured from the executions, and the process's heap is
 * sampled while it runs. The reconciliation's windows are cut by the product's own code
 * (nextWindowBatch, src/verify/reconcile.ts) on the same kind of timeline.
 *
 * What is modelled: the time and the requests. Every request the product sends is priced: each
 * unit reads its source and destination pages at once (one request at a time per server), and
 * writes its check row; every count, every split and every summary row costs time. Reading pages is
 * not repeated on 2 cores for a billion versions: a page holds `_count` versions and costs the page
 * latency, whatever it holds. Units run in waves of AZURE_CheckConcurrency; a wave lasts as long as
 * its slowest unit.
 *
 * The model's numbers (cited; what nobody publishes is a range the bench sweeps):
 */
import { memoryUsage } from "node:process";
import type { CountedRange } from "../src/core/fullUnits";
import { unitVersionsFor } from "../src/core/fullUnits";
import type { EngineDeps } from "../src/engine/deps";
import type { ExecutionRecord } from "../src/local/durableRuntime";
import { runOrchestration } from "../src/local/durableRuntime";
import { FULL_MEMORY_BYTES } from "../src/verify/fullPlan";
import type { FullCheckState } from "../src/verify/fullOrchestrator";
import {
  VERIFY_FULL_ORCHESTRATION,
  initialFullCheckState,
  verifyFullOrchestrator,
} from "../src/verify/fullOrchestrator";
import { splitFullRanges } from "../src/verify/fullSplit";
import { emptyTypeTotals } from "../src/verify/fullSummary";
import type {
  FullPlan,
  FullSplitInput,
  FullSplitResult,
  FullSummary,
  FullUnitInput,
  FullUnitResult,
} from "../src/verify/fullTypes";
import { nextWindowBatch } from "../src/verify/reconcileWindows";
import type { CheckSummary } from "../src/verify/runSummary";
import { emptyDeepCompare } from "../src/verify/types";
import type { Row } from "./report";

/**
 * Versions per page: `_count` above 1,000 is clamped (microsoft/fhir-server
 * src/Microsoft.Health.Fhir.Core/Configs/CoreFeatureConfiguration.cs:46,51; azure-docs
 * azure-api-for-fhir/fhir-faq.yml "limit on _count is 1000").
 */
export const PAGE_VERSIONS = 1_000;

/**
 * Time one page of 1,000 versions takes a server: not published (a page is ~1.5 MB of JSON; Cosmos
 * charges queries by the data they return), so swept: 0.5, 1 and 3 s.
 */
export const PAGE_LATENCY_SWEEP_MS = [500, 1_000, 3_000] as const;

/**
 * Concurrent requests one Azure API for FHIR instance takes before it answers 429 when throttling
 * is on (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/ThrottlingLimitDefault.cs:10,
 * Gen1 = Cosmos); the AHDS service takes 75 (line 11). Source requests beyond it wait their turn.
 */
export const SOURCE_CONCURRENCY_BEFORE_429 = 15;
export const DESTINATION_CONCURRENCY_BEFORE_429 = 75;

/**
 * A `_summary=count` is not published either: priced like a page (a cross-partition count reads
 * the index over its range, MaxQueryConcurrency 500, CosmosDb.Core/Configs/CosmosDataStoreConfiguration.cs:90),
 * at the swept page latency.
 */
export const COUNT_COSTS_PAGES = 1;

/**
 * One Table storage operation (a check row, a summary row, a stored unit read back): not published
 * as a latency (the target is 2,000 entities/s per partition, learn "Scalability and performance
 * targets for Table storage"); priced at 50 ms, well above what a write takes, as an upper bound.
 */
export const TABLE_OPERATION_MS = 50;

/** AZURE_CheckConcurrency's default (src/config/catalog.ts). */
export const CHECK_CONCURRENCY = 8;

const TEN_YEARS_MS = 10 * 365.25 * 86_400_000;
const TILL = Date.parse("2026-01-01T00:00:00Z");
const SINCE = TILL - TEN_YEARS_MS;

/** Counts from a timeline holding `total` versions evenly: adjacent ranges add up exactly. */
function uniformCounts(total: number, since = SINCE, till = TILL) {
  const before = (ms: number) =>
    ms >= till ? total : ms <= since ? 0 : Math.floor(((ms - since) / (till - since)) * total);
  return (sinceMs: number, tillMs: number) => before(tillMs) - before(sinceMs);
}

const pagesOf = (versions: number) => Math.max(1, Math.ceil(versions / PAGE_VERSIONS));

export interface ScaleRun {
  versions: number;
  units: number;
  unitVersions: number;
  /** Executions of the full check's orchestration (1 + continue-as-new). */
  executions: number;
  maxHistoryEvents: number;
  /** Largest input that crossed continue-as-new. */
  maxCarriedBytes: number;
  peakHeapMb: number;
  /** Seconds the orchestration took to replay here (real time, 2 cores). */
  replaySeconds: number;
  /** Pages per server and counts per server the run sends. */
  pages: { source: number; destination: number };
  counts: number;
  tableOperations: number;
  /** Per wave: pages per server of its slowest unit (the wave lasts as long). */
  wavePages: number[];
  /** Per split hop: counts per server (in batches of the concurrency). */
  splitCounts: number[];
  /** The last summary row the check wrote (the status reads it). */
  lastSummary: CheckSummary | null;
}

export interface ScaleEntry {
  versions: number;
  pageLatencyMs: number;
  /** FHIR requests to both servers: pages and counts. */
  requests: number;
  tableOperations: number;
  durationMs: number;
  units: number;
  executions: number;
  maxHistoryEvents: number;
  maxCarriedBytes: number;
  peakHeapMb: number;
  reconcile: { requests: number; durationMs: number; windows: number };
  /** The cutover's proof with no earlier full proof: the estimate step, the surface counts and this full check. */
  cutoverProof: { durationMs: number };
}

export interface FullCheckScaleResult {
  concurrency: number;
  scale: ScaleEntry[];
}

/**
 * Runs the full check's orchestration at `versions` with activities answering from the model
 * (test/integration/verify/fullOrchestrator.scale.test.ts drives it at 32,000 units).
 */
export async function runFullCheckAtScale(
  versions: number,
  concurrency: number,
  unitVersions = unitVersionsFor(FULL_MEMORY_BYTES, concurrency),
): Promise<ScaleRun> {
  const count = uniformCounts(versions);
  let counts = 0;
  const model = {
    count: async (q: { since?: string; till?: string }) => {
      counts++;
      return count(Date.parse(q.since ?? ""), Date.parse(q.till ?? ""));
    },
  };
  const deps = { source: model, destination: model } as unknown as EngineDeps;
  const run: ScaleRun = {
    versions,
    units: 0,
    unitVersions,
    executions: 0,
    maxHistoryEvents: 0,
    maxCarriedBytes: 0,
    peakHeapMb: 0,
    replaySeconds: 0,
    pages: { source: 0, destination: 0 },
    counts: 0,
    tableOperations: 0,
    wavePages: [],
    splitCounts: [],
    lastSummary: null,
  };
  const plan: FullPlan = {
    scope: "history",
    sinceMs: SINCE,
    tillMs: TILL,
    source: versions,
    destination: versions,
    unitVersions,
    resumed: false,
    migratesDeletes: true,
    watermark: null,
    incremental: false,
    startedAt: new Date(TILL).toISOString(),
  };
  let wave = 0;
  const activities = {
    VerifyFullPlan: async () => {
      counts += 2;
      run.tableOperations += 2;
      return plan;
    },
    VerifyFullSplit: async (input: unknown): Promise<FullSplitResult> => {
      const before = counts;
      const result = await splitFullRanges(deps, input as FullSplitInput);
      run.splitCounts.push((counts - before) / 2);
      return result;
    },
    VerifyFullUnit: async (input: unknown): Promise<FullUnitResult> => {
      const u = input as FullUnitInput;
      const n = count(u.sinceMs, u.tillMs);
      run.units++;
      run.pages.source += pagesOf(n);
      run.pages.destination += pagesOf(n);
      // Known failures and a stored result read, the unit's row written.
      run.tableOperations += 3;
      // Both servers read at once: the unit lasts as long as its larger side.
      wave = Math.max(wave, pagesOf(n));
      return {
        key: `${u.sinceMs}-${u.tillMs}`,
        sinceMs: u.sinceMs,
        tillMs: u.tillMs,
        resumed: false,
        held: n,
        perType: [{ ...emptyTypeTotals("Observation"), source: n, destination: n, matched: n }],
        examples: [],
        error: null,
      };
    },
    VerifyRecordSummary: async (input: unknown) => {
      run.lastSummary = input as CheckSummary;
      // Written after every wave: the wave's slowest unit is known now.
      run.wavePages.push(wave);
      wave = 0;
      run.tableOperations++;
      return null;
    },
    VerifyFullSearchParameters: async () => emptyDeepCompare("SearchParameter"),
    VerifyFullRecord: async () => {
      run.tableOperations++;
      return { provenUntil: new Date(plan.tillMs).toISOString() };
    },
  };
  const executions: ExecutionRecord[] = [];
  let peakHeap = memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, memoryUsage().heapUsed);
  }, 20);
  const started = process.hrtime.bigint();
  let summary: FullSummary;
  try {
    const input: FullCheckState = initialFullCheckState({
      runId: `vscale${versions}`,
      resume: false,
      unitVersions,
      concurrency,
      pageSize: PAGE_VERSIONS,
      sinceMs: null,
    });
    const result = await runOrchestration(
      verifyFullOrchestrator,
      VERIFY_FULL_ORCHESTRATION,
      `vscale${versions}:full`,
      input,
      {
        activities,
        clock: { now: () => TILL, sleepUntil: async () => {} },
        onExecution: (r) => executions.push(r),
      },
    );
    summary = result.output as FullSummary;
  } finally {
    clearInterval(sampler);
  }
  run.replaySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (summary.totals.matched !== versions)
    throw new Error(`full check at ${versions}: compared ${summary.totals.matched} versions`);
  run.executions = executions.length;
  run.maxHistoryEvents = Math.max(...executions.map((e) => e.historyEvents));
  run.maxCarriedBytes = Math.max(
    0,
    ...executions.filter((e) => e.execution > 1).map((e) => e.inputBytes),
  );
  run.peakHeapMb = peakHeap / 1048576;
  run.counts = counts / 2;
  return run;
}

/**
 * Share of the page latency a unit's reads take when `concurrency` units read one server at once:
 * requests beyond what the server takes before 429 wait their turn.
 */
function throttled(concurrency: number, limit: number): number {
  return Math.max(1, concurrency / limit);
}

function price(run: ScaleRun, pageMs: number, concurrency: number) {
  const countMs = COUNT_COSTS_PAGES * pageMs;
  // A unit's source and destination pages go at once: each step waits for the slower server.
  const perPage =
    pageMs *
    Math.max(
      throttled(concurrency, SOURCE_CONCURRENCY_BEFORE_429),
      throttled(concurrency, DESTINATION_CONCURRENCY_BEFORE_429),
    );
  // Plan: both servers counted at once, then its row.
  let ms = countMs + TABLE_OPERATION_MS;
  for (const c of run.splitCounts) ms += Math.ceil(c / concurrency) * countMs;
  for (const pages of run.wavePages) ms += pages * perPage + 3 * TABLE_OPERATION_MS;
  return ms;
}

/** The reconciliation of `resources` current resources in `types` types: its requests and time. */
async function reconcileScale(
  resources: number,
  types: number,
  pageMs: number,
  concurrency: number,
) {
  let requests = 0;
  let windows = 0;
  let ms = 0;
  for (let t = 0; t < types; t++) {
    // The largest type holds half, the others share the rest: one type's tail runs alone.
    const share = t === 0 ? 0.5 : 0.5 / (types - 1);
    const count = uniformCounts(Math.round(resources * share));
    const counted = (sinceMs: number, tillMs: number): CountedRange => {
      requests += 2;
      return {
        sinceMs,
        tillMs,
        source: count(sinceMs, tillMs),
        destination: count(sinceMs, tillMs),
      };
    };
    // The oldest resource on the destination, then the whole range counted on both.
    requests += 1;
    ms += 2 * pageMs;
    const queue = [counted(SINCE, TILL)];
    while (queue.length > 0) {
      const before = requests;
      const batch = await nextWindowBatch(queue, concurrency, async (s, e) => counted(s, e));
      ms += Math.ceil((requests - before) / 2 / concurrency) * pageMs;
      let slowest = 0;
      for (const w of batch) {
        if (w.destination === 0) continue;
        windows++;
        const pages = (w.source > 0 ? pagesOf(w.source) : 0) + pagesOf(w.destination);
        requests += pages;
        slowest = Math.max(slowest, pages);
      }
      ms += slowest * pageMs * throttled(concurrency, SOURCE_CONCURRENCY_BEFORE_429);
      queue.splice(0, batch.length);
    }
  }
  return { requests, durationMs: ms, windows };
}

export async function benchmarkFullCheckScale(
  log: (message: string) => void,
  sizes: readonly number[] = [1e7, 1e8, 1e9],
  concurrency = CHECK_CONCURRENCY,
): Promise<FullCheckScaleResult> {
  const scale: ScaleEntry[] = [];
  for (const versions of sizes) {
    const run = await runFullCheckAtScale(versions, concurrency);
    log(
      `11 full check at ${versions.toExponential(0)} versions: ${run.units} units in ${run.executions} executions, largest history ${run.maxHistoryEvents} events, ${run.replaySeconds.toFixed(0)} s to replay`,
    );
    for (const pageMs of PAGE_LATENCY_SWEEP_MS) {
      const durationMs = price(run, pageMs, concurrency);
      const reconcile = await reconcileScale(versions, 20, pageMs, concurrency);
      // The proof with no earlier full proof: the estimate (a count, a page on each server), the
      // surface counts (a few per type, at most a minute at these latencies) and the full check.
      const surfaceMs = Math.ceil((20 * 5) / concurrency) * pageMs;
      scale.push({
        versions,
        pageLatencyMs: pageMs,
        requests: run.pages.source + run.pages.destination + 2 * run.counts,
        tableOperations: run.tableOperations,
        durationMs,
        units: run.units,
        executions: run.executions,
        maxHistoryEvents: run.maxHistoryEvents,
        maxCarriedBytes: run.maxCarriedBytes,
        peakHeapMb: run.peakHeapMb,
        reconcile,
        cutoverProof: { durationMs: 2 * pageMs + surfaceMs + durationMs },
      });
    }
  }
  return { concurrency, scale };
}

function days(ms: number): string {
  return ms >= 2 * 86_400_000
    ? `${(ms / 86_400_000).toFixed(1)} d`
    : `${(ms / 3_600_000).toFixed(1)} h`;
}

export function fullCheckScaleRows(r: FullCheckScaleResult): Row[] {
  const b = "11 Full check at scale";
  const rows: Row[] = [];
  for (const e of r.scale) {
    const at = `${e.versions.toExponential(0)} versions, ${e.pageLatencyMs / 1000} s/page`;
    rows.push({
      benchmark: b,
      figure: `full check, ${at}`,
      value: e.durationMs,
      unit: "ms",
      shown: days(e.durationMs),
      note: `${e.units} units, ${e.requests} requests (pages and counts, both servers), ${e.tableOperations} table operations; concurrency ${r.concurrency}; cutover proof without an earlier one ${days(e.cutoverProof.durationMs)}`,
    });
    rows.push({
      benchmark: b,
      figure: `reconciliation, ${at}`,
      value: e.reconcile.requests / (e.versions / 1000),
      unit: "requests per 1,000 versions",
      shown: (e.reconcile.requests / (e.versions / 1000)).toFixed(2),
      ...(e.versions >= 1e9 ? { target: { kind: "max" as const, value: 2.5, text: "≤ 2.5" } } : {}),
      note: `${e.reconcile.requests} requests over ${e.reconcile.windows} windows, ${days(e.reconcile.durationMs)} (every version a current resource, 20 types)`,
    });
  }
  for (const e of r.scale.filter((x) => x.pageLatencyMs === PAGE_LATENCY_SWEEP_MS[0])) {
    rows.push({
      benchmark: b,
      figure: `largest execution history, ${e.versions.toExponential(0)} versions`,
      value: e.maxHistoryEvents,
      unit: "events",
      shown: String(e.maxHistoryEvents),
      ...(e.versions >= 1e9
        ? { target: { kind: "max" as const, value: 5000, text: "≤ 5,000" } }
        : {}),
      note: `${e.executions} executions; largest input across continue-as-new ${(e.maxCarriedBytes / 1024).toFixed(1)} KB; peak heap ${e.peakHeapMb.toFixed(0)} MB while replaying`,
    });
  }
  return rows;
}
