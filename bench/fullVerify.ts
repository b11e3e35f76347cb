/**
 * Benchmark 6: the full check (every version of every resource, src/verify/fullUnit.ts) against the
 * two emulators in a child process (emulatorHost.ts), the destination an exact copy of the source.
 *
 * - Throughput (versions/s) and the checker's peak memory on growing stretches of the same data
 *   (a quarter, half and all of the timeline), on loopback: the memory must stay flat as the versions
 *   grow, because a unit holds at most its own versions.
 * - With 10 ms added to every request: the full check at the default concurrency against the
 *   one-at-a-time rate, i.e. the deep check comparing one resource after another (both servers'
 *   `_history` of it, matched version by version), in versions per second.
 *
 * The units run as the orchestration runs them (in-process: split by counts, then the units at
 * AZURE_CheckConcurrency), each writing its check row to Azurite.
 */
import { parseSettings } from "../src/config/settings";
import { memoryBoundBytes } from "../src/core/fullUnits";
import { mapWithConcurrency } from "../src/engine/concurrency";
import { createEngineDeps } from "../src/engine/createDeps";
import type { EngineDeps } from "../src/engine/deps";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import { compareSampledResource } from "../src/verify/compareResource";
import { splitFullRanges } from "../src/verify/fullSplit";
import type { FullScope, FullTypeTotals } from "../src/verify/fullTypes";
import { compareFullUnit } from "../src/verify/fullUnit";
import { EmulatorHost } from "./deepCheck";
import type { Row } from "./report";
import type { StorageEndpoints } from "./simulatedEnvironment";

export interface FullRun {
  /** Share of the timeline compared. */
  share: number;
  versions: number;
  units: number;
  seconds: number;
  versionsPerSecond: number;
  requests: number;
  /** Peak heap growth over the heap before the run, sampled every 20 ms. */
  peakHeapDeltaBytes: number;
  peakRssBytes: number;
  allEqual: boolean;
}

export interface FullVerifyResult {
  versionsSeeded: number;
  unitVersions: number;
  concurrency: number;
  /** The bound of docs/verification.md for these settings (src/core/fullUnits.ts). */
  memoryBoundBytes: number;
  loopback: FullRun[];
  withServiceTime: {
    delayMs: number;
    full: FullRun;
    oneAtATime: { resources: number; versions: number; seconds: number; versionsPerSecond: number };
    speedup: number;
  };
}

export interface FullVerifyOptions {
  resources: number;
  unitVersions: number;
  tablePrefix: string;
  delayMs: number;
  /** Share of the timeline compared with the added delay (keeps that run short). */
  delayedShare: number;
  /** Resources the one-at-a-time comparison checks with the added delay. */
  oneAtATimeResources: number;
}

function sample(): { stop: () => { peakHeap: number; peakRss: number } } {
  let peakHeap = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakHeap, peakRss };
    },
  };
}

/** The end of the stretch from `since` that holds `share` of the versions (bisection on counts). */
async function tillForShare(
  deps: EngineDeps,
  bounds: { sinceMs: number; tillMs: number },
  share: number,
): Promise<number> {
  if (share >= 1) return bounds.tillMs;
  const count = (till: number) =>
    deps.source.count({
      history: true,
      since: new Date(bounds.sinceMs).toISOString(),
      till: new Date(till).toISOString(),
    });
  const wanted = (await count(bounds.tillMs)) * share;
  let lo = bounds.sinceMs;
  let hi = bounds.tillMs;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await count(mid)) < wanted) lo = mid;
    else hi = mid;
  }
  return hi;
}

async function fullRun(
  deps: EngineDeps,
  host: EmulatorHost,
  bounds: { sinceMs: number; tillMs: number },
  share: number,
  options: FullVerifyOptions,
  runId: string,
): Promise<FullRun> {
  const scope: FullScope = "history";
  const concurrency = deps.settings.verification.concurrency;
  const tillMs = await tillForShare(deps, bounds, share);
  const requestsBefore = await host.requests();
  const heapBefore = process.memoryUsage().heapUsed;
  const memory = sample();
  const started = process.hrtime.bigint();
  const [source, destination] = await Promise.all(
    [deps.source, deps.destination].map((c) =>
      c.count({
        history: true,
        since: new Date(bounds.sinceMs).toISOString(),
        till: new Date(tillMs).toISOString(),
      }),
    ),
  );
  let pending = [{ sinceMs: bounds.sinceMs, tillMs, source: source!, destination: destination! }];
  const units: { sinceMs: number; tillMs: number }[] = [];
  while (pending.length > 0) {
    const split = await splitFullRanges(deps, {
      scope,
      ranges: pending,
      unitVersions: options.unitVersions,
      maxCounts: 200,
      maxUnits: Number.MAX_SAFE_INTEGER,
      concurrency,
    });
    units.push(...split.units);
    pending = split.pending;
  }
  const results = await mapWithConcurrency(units, concurrency, (u) =>
    compareFullUnit(deps, {
      runId,
      scope,
      sinceMs: u.sinceMs,
      tillMs: u.tillMs,
      migratesDeletes: true,
      watermark: null,
      pageSize: 1000,
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = memory.stop();
  const requestsAfter = await host.requests();
  const totals = results.flatMap((r) => r.perType);
  const sum = (k: keyof Omit<FullTypeTotals, "type">) => totals.reduce((n, t) => n + t[k], 0);
  const versions = sum("source");
  return {
    share,
    versions,
    units: units.length,
    seconds,
    versionsPerSecond: versions / seconds,
    requests: requestsAfter.count - requestsBefore.count,
    peakHeapDeltaBytes: peak.peakHeap - heapBefore,
    peakRssBytes: peak.peakRss,
    allEqual:
      results.every((r) => r.error === null) &&
      sum("matched") === versions &&
      sum("destination") === versions,
  };
}

export async function benchmarkFullVerify(
  storage: StorageEndpoints,
  options: FullVerifyOptions,
  log: (message: string) => void,
): Promise<FullVerifyResult> {
  const host = EmulatorHost.start();
  try {
    const ready = await host.ask({
      kind: "start",
      connectionString: storage.connectionString,
      blobEndpoint: storage.blobEndpoint,
      resources: options.resources,
    });
    if (ready.kind !== "ready") throw new Error(`unexpected reply ${ready.kind}`);
    const settings = parseSettings({
      ...ready.env,
      AZURE_ChunkTableName: `${options.tablePrefix}chunk`,
      AZURE_ExportTableName: `${options.tablePrefix}export`,
      AZURE_ExportWithHistory: "true",
      AZURE_ExportWithDelete: "true",
    });
    const deps = createEngineDeps(settings, { telemetry: new InMemoryTelemetry() });
    await deps.state.ensure();
    const oldest = await deps.source.oldestLastUpdated(true);
    if (oldest === undefined) throw new Error("the seeded source is empty");
    // The host seeds at its own clock, so the versions span the seeding time. The run ends 5 s
    // before now (`_before` may not be in the future): wait until that is after the last version.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const bounds = { sinceMs: Math.floor(Date.parse(oldest)), tillMs: Date.now() - 5_000 };
    const concurrency = settings.verification.concurrency;

    await host.ask({ kind: "delay", ms: 0 });
    const loopback: FullRun[] = [];
    for (const share of [0.25, 0.5, 1]) {
      const run = await fullRun(deps, host, bounds, share, options, `benchfull${share * 100}`);
      log(
        `  ${run.versions} versions in ${run.seconds.toFixed(1)} s (${run.versionsPerSecond.toFixed(0)} /s), peak heap +${(run.peakHeapDeltaBytes / 1048576).toFixed(0)} MB`,
      );
      loopback.push(run);
    }

    await host.ask({ kind: "delay", ms: options.delayMs });
    const full = await fullRun(deps, host, bounds, options.delayedShare, options, "benchfulld");
    const picked = ready.idsByType
      .flatMap(([type, list]) => list.map((id) => ({ type, id })))
      .slice(0, options.oneAtATimeResources);
    const started = process.hrtime.bigint();
    let versions = 0;
    // One resource after another, both servers' history of it matched version by version (the
    // deep check at concurrency 1, without its check rows: a generous baseline).
    for (const { type, id } of picked) {
      const result = await compareSampledResource(deps, type, id, {
        history: true,
        migratesDeletes: true,
        watermark: null,
      });
      if (result.result !== "Pass") throw new Error(`${type}/${id}: ${result.result}`);
      versions += result.versionsCompared;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await host.ask({ kind: "delay", ms: 0 });
    const oneAtATime = {
      resources: picked.length,
      versions,
      seconds,
      versionsPerSecond: versions / seconds,
    };
    return {
      versionsSeeded: ready.versions,
      unitVersions: options.unitVersions,
      concurrency,
      memoryBoundBytes: memoryBoundBytes(options.unitVersions, concurrency),
      loopback,
      withServiceTime: {
        delayMs: options.delayMs,
        full,
        oneAtATime,
        speedup: full.versionsPerSecond / oneAtATime.versionsPerSecond,
      },
    };
  } finally {
    await host.stop();
  }
}

/** The benchmark's rows (bench/report.ts). */
export function fullVerifyRows(r: FullVerifyResult): Row[] {
  const b = "6 Full check";
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
  const runs = r.loopback;
  const largest = runs[runs.length - 1]!;
  const smallest = runs[0]!;
  const growth = largest.peakHeapDeltaBytes - smallest.peakHeapDeltaBytes;
  const slope =
    (largest.seconds - smallest.seconds) / Math.max(1, largest.versions - smallest.versions);
  const d = r.withServiceTime;
  return [
    {
      benchmark: b,
      figure: `loopback, ${largest.versions} versions, concurrency ${r.concurrency}`,
      value: largest.versionsPerSecond,
      unit: "versions/s",
      shown: `${largest.versionsPerSecond.toFixed(0)} /s`,
      note: `${runs.map((x) => `${x.versions} versions in ${x.seconds.toFixed(1)} s (${x.units} units, ${x.requests} requests${x.allEqual ? "" : ", NOT all equal"})`).join("; ")}; slope ${(slope * 1e6).toFixed(1)} s per million versions`,
    },
    {
      benchmark: b,
      figure: "peak heap, largest vs smallest stretch",
      value: largest.peakHeapDeltaBytes,
      unit: "bytes",
      shown: `${mb(largest.peakHeapDeltaBytes)} vs ${mb(smallest.peakHeapDeltaBytes)}`,
      // Flat: four times the versions may not need more than a quarter more memory (the heap
      // holds garbage until V8 collects it, so the figures move a little from run to run).
      target: {
        kind: "max",
        value: smallest.peakHeapDeltaBytes * 1.25 + 16 * 1048576,
        text: "flat (≤ 1.25× + 16 MB)",
      },
      note: `peak heap growth over each run (garbage included): ${runs.map((x) => `${x.versions} versions ${mb(x.peakHeapDeltaBytes)}`).join(", ")} (smallest to largest ${growth >= 0 ? "+" : ""}${mb(growth)}); process peak RSS ${mb(largest.peakRssBytes)}; model bound of the live memory ${mb(r.memoryBoundBytes)} (units of ${r.unitVersions} versions × ${r.concurrency} in flight, src/core/fullUnits.ts); flat only once a stretch has more units than run at once (${r.unitVersions * r.concurrency} versions)`,
    },
    {
      benchmark: b,
      figure: `${d.delayMs} ms per request: full check vs one at a time`,
      value: d.speedup,
      unit: "ratio",
      shown: `${d.speedup.toFixed(0)}×`,
      target: { kind: "min", value: 10, text: "≥ 10×" },
      note: `full check ${d.full.versionsPerSecond.toFixed(0)} versions/s (${d.full.versions} versions, ${d.full.requests} requests); one resource at a time ${d.oneAtATime.versionsPerSecond.toFixed(0)} versions/s (${d.oneAtATime.resources} resources, ${d.oneAtATime.versions} versions)`,
    },
  ];
}
