/**
 * Benchmark 1: catch-up on a virtual clock. The real orchestrator runs through the local durable
 * runtime against the two emulators; durable timers jump the shared clock forward, so hours of
 * export and import jobs pass in seconds. The same dataset and latency model then go through the
 * original tool's schedule (a simulation) and through the zero-overhead schedule of the windows this
 * run planned (the server-bound limit).
 */
import type { ChunkRecord } from "../src/core/migrationState";
import { runMigrationLocally } from "../src/local/localMigration";
import { compareAllVersions } from "../test/support/compareVersions";
import type { OriginalScheduleResult, SourceVersion } from "./originalSchedule";
import { simulateOriginalSchedule } from "./originalSchedule";
import type { SimulatedEnvironment } from "./simulatedEnvironment";
import { LATENCY, ROLLING_FILE_RESOURCES, exportJobMs, importJobMs } from "./model";
import type { WindowJobs } from "./zeroOverheadSchedule";
import { zeroOverheadMakespan } from "./zeroOverheadSchedule";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The original's schedule settings: deployed ScheduleInterval 2 min, the five-minute timer, 30-day windows. */
export const ORIGINAL_RULES = {
  timerMs: 5 * MINUTE,
  windowMs: 30 * DAY,
  pollMs: 2 * MINUTE,
  confirmations: 3,
  confirmDelayMs: MINUTE,
  payloadCount: 5,
  fileCount: 10_000,
} as const;

export interface CatchUpResult {
  resources: number;
  versions: number;
  windows: number;
  exportedVersions: number;
  /** Simulated ms from the start until this project's run ended caught up. */
  projectMs: number;
  originalMs: number;
  originalWindows: number;
  originalRuns: number;
  serverBoundMs: number;
  /** Every version on the source is on the destination, with the same content. */
  complete: boolean;
  problems: string[];
  realSeconds: number;
  original: OriginalScheduleResult;
}

async function windowJobs(
  sim: SimulatedEnvironment,
): Promise<{ chunks: ChunkRecord[]; jobs: WindowJobs[] }> {
  const chunks: ChunkRecord[] = [];
  for await (const chunk of sim.deps.state.listAllChunks()) chunks.push(chunk);
  chunks.sort((a, b) => a.seq - b.seq);
  const jobs: WindowJobs[] = [];
  for (const chunk of chunks) {
    // The emulator's export time counts every version it selected: data plus SearchParameters.
    const versions = (chunk.totalExportResourceCount ?? 0) + (chunk.searchParameterCount ?? 0);
    const payloads = await sim.deps.state.listPayloads(chunk.seq);
    jobs.push({
      exportMs: exportJobMs(versions),
      importMs: payloads.map((p) => importJobMs(p.resourceCount)),
    });
  }
  return { chunks, jobs };
}

export async function benchmarkCatchUp(
  sim: SimulatedEnvironment,
  resources: number,
  progress: (line: string) => void,
): Promise<CatchUpResult> {
  const { clock, deps, environment } = sim;
  const startMs = clock.now();
  const sourceVersions: SourceVersion[] = environment.source.store
    .allVersions()
    .map((v) => ({ atMs: v.lastUpdatedMs, type: v.resourceType }));

  const realStart = Date.now();
  let lastReport = realStart;
  const run = await runMigrationLocally(deps, {
    clock,
    input: { stopWhenCaughtUp: true },
    onStatus: (s) => {
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      progress(
        `catch-up: simulated ${((clock.now() - startMs) / 3_600_000).toFixed(1)} h, watermark ${s.watermark ?? "-"}, ${s.resourcesImported} imported`,
      );
    },
  });
  const projectMs = clock.now() - startMs;
  const realSeconds = (Date.now() - realStart) / 1000;
  const outcome = (run.output as { outcome?: string } | undefined)?.outcome;
  if (outcome !== "caught-up") {
    throw new Error(`the catch-up run ended with ${JSON.stringify(run.output)}, not caught up`);
  }

  const { chunks, jobs } = await windowJobs(sim);
  const policy = deps.settings;
  const serverBoundMs = zeroOverheadMakespan(jobs, {
    maxExportsInFlight: policy.export.maxInFlight,
    // loadMigrationState: the backlog allows two unprocessed windows beyond the exports in flight.
    maxUnprocessedWindows: policy.export.maxInFlight + 2,
    payloadCount: policy.import.payloadCount,
  });
  const original = simulateOriginalSchedule(sourceVersions, {
    ...ORIGINAL_RULES,
    startMs,
    rollingFileResources: ROLLING_FILE_RESOURCES,
    latency: LATENCY,
  });
  const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
  const complete = problems.length === 0 && rows.every((r) => r.missing === 0 && r.different === 0);
  return {
    resources,
    versions: sourceVersions.length,
    windows: chunks.length,
    exportedVersions: chunks.reduce(
      (n, c) => n + (c.totalExportResourceCount ?? 0) + (c.searchParameterCount ?? 0),
      0,
    ),
    projectMs,
    originalMs: original.catchUpMs,
    originalWindows: original.windows.length,
    originalRuns: original.runs,
    serverBoundMs,
    complete,
    problems,
    realSeconds,
    original,
  };
}
