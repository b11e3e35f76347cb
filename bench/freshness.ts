/**
 * Benchmarks 2 and 5, after the catch-up, on the same servers and the same virtual clock: the
 * migration keeps running (no stopWhenCaughtUp), idle at first, then writes arrive on the source at
 * random (Poisson) over simulated hours. The clock has two participants, the orchestration and the
 * writer, and moves only when both sleep.
 *
 * - Idle pass: requests the source receives between the starts of two consecutive passes while
 *   nothing is in flight and nothing new was written (emulator request counters).
 * - Freshness: from a write's lastUpdated on the source to the first instant its version is on the
 *   destination. The destination only changes while a pass runs, and a pass runs at one simulated
 *   instant, so checking just before every clock move gives that instant exactly.
 */
import type { ChunkRecord } from "../src/core/migrationState";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import type { Operation } from "../emulator/types";
import { seededRandom, syntheticResource } from "../emulator/harness/syntheticData";
import type { SimulatedEnvironment } from "./simulatedEnvironment";
import { exponential, percentile } from "./stats";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const OPERATIONS: readonly Operation[] = [
  "export-kickoff",
  "export-status",
  "export-cancel",
  "import-kickoff",
  "import-status",
  "import-cancel",
  "search",
  "count",
  "history",
  "read",
  "write",
  "batch",
  "reindex",
];

export interface FreshnessOptions {
  /** Caught-up time before the first write (the idle passes are counted in it). */
  idleMs: number;
  /** How long writes keep arriving. */
  writingMs: number;
  meanIntervalMs: number;
  seed: number;
}

export const FRESHNESS_OPTIONS: FreshnessOptions = {
  idleMs: 15 * MINUTE,
  writingMs: 4 * HOUR,
  meanIntervalMs: 3 * MINUTE,
  seed: 11,
};

export interface FreshnessResult {
  writes: number;
  arrived: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  maxMs: number | undefined;
  /** Per write: until its window's export starts, the export as observed, the import as observed. */
  phases: Record<"untilExport" | "export" | "import", { p50Ms?: number; p95Ms?: number }>;
  /** AZURE_SafetyLagSeconds, AZURE_ScheduleInterval, AZURE_IdlePollMinutes in ms. */
  safetyLagMs: number;
  pollIntervalMs: number;
  idlePollMs: number;
  /** Longest export and import job of the windows planned while writes arrived (the emulators' model). */
  exportJobMs: number;
  importJobMs: number;
  windows: number;
  /** Windows staged from `_history` without an export job, and the pages (requests) each took. */
  selfStaged: number;
  selfStagePagesMax: number | undefined;
  selfStagePagesMean: number | undefined;
  /** Windows that fell back from self-staging to `$export`. */
  selfStageFallBacks: number;
  idlePasses: number;
  idlePassMaxRequests: number | undefined;
  idlePassMeanRequests: number | undefined;
  /** Requests per operation, summed over the idle passes. */
  idlePassRequestsByOperation: Record<string, number>;
  simulatedHours: number;
  realSeconds: number;
}

interface Write {
  type: string;
  id: string;
  versionId: string;
  atMs: number;
  arrivedMs?: number;
}

interface PassStart {
  atMs: number;
  requests: Record<string, number>;
}

function requestCounts(sim: SimulatedEnvironment): Record<string, number> {
  const stats = sim.environment.source.stats;
  const counts: Record<string, number> = { all: stats.requests() };
  for (const op of OPERATIONS) counts[op] = stats.requests(op);
  return counts;
}

export async function benchmarkFreshness(
  sim: SimulatedEnvironment,
  options: FreshnessOptions,
  progress: (line: string) => void,
): Promise<FreshnessResult> {
  const { clock, deps, environment } = sim;
  const source = environment.source.store;
  const destination = environment.destination.store;
  const startMs = clock.now();
  const firstWriteMs = startMs + options.idleMs;
  const writingEndsMs = firstWriteMs + options.writingMs;
  // Ample: a write must arrive within a few job times; a miss shows up as "not arrived".
  const giveUpMs = writingEndsMs + 2 * HOUR;
  const firstSeq = (await deps.state.getCursor()).nextSeq;

  const writes: Write[] = [];
  const pending = new Set<Write>();
  const unsubscribe = clock.onAdvance((fromMs) => {
    for (const w of pending) {
      if (destination.vread(w.type, w.id, w.versionId) !== undefined) {
        w.arrivedMs = fromMs;
        pending.delete(w);
      }
    }
  });

  const random = seededRandom(options.seed);
  let writerDone = false;
  const writer = async (): Promise<void> => {
    let at = firstWriteMs;
    const patients: string[] = [];
    for (let n = 0; at < writingEndsMs; n++) {
      await clock.sleepUntil(at);
      let stored;
      if (patients.length > 0 && random() < 0.25) {
        // An update: a new version of a resource migrated earlier.
        const id = patients[Math.floor(random() * patients.length)]!;
        stored = source.update(syntheticResource("Patient", id, id, random, clock.now()));
      } else if (patients.length === 0 || n % 3 === 0) {
        const id = `pat-fresh-${n}`;
        stored = source.create(syntheticResource("Patient", id, id, random, clock.now()));
        patients.push(id);
      } else {
        const type = n % 3 === 1 ? "Observation" : "Encounter";
        const patientId = patients[Math.floor(random() * patients.length)]!;
        const id = `${type.toLowerCase()}-fresh-${n}`;
        stored = source.create(syntheticResource(type, id, patientId, random, clock.now()));
      }
      const write: Write = {
        type: stored.resourceType,
        id: stored.id,
        versionId: stored.versionId,
        atMs: stored.lastUpdatedMs,
      };
      writes.push(write);
      pending.add(write);
      at = clock.now() + Math.max(1000, exponential(random, options.meanIntervalMs));
    }
    writerDone = true;
  };

  const passes: PassStart[] = [];
  const realStart = Date.now();
  let lastReport = realStart;
  const leaveWriter = clock.join();
  // Every request priced (bench/pricedEngine.ts); the local runtime counts the orchestration and its
  // activities among the clock's participants.
  const orchestration = sim.priced.run(deps, {
    shouldStop: () => (writerDone && pending.size === 0) || clock.now() > giveUpMs,
    wrapActivity: (name, call) => {
      if (name === "LoadMigrationState") {
        passes.push({ atMs: clock.now(), requests: requestCounts(sim) });
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          progress(
            `freshness: simulated ${((clock.now() - startMs) / HOUR).toFixed(1)} h, ${writes.length} writes, ${pending.size} not yet on the destination`,
          );
        }
      }
      return call();
    },
  });
  try {
    await Promise.all([orchestration, writer().finally(leaveWriter)]);
  } finally {
    unsubscribe();
  }
  const endMs = clock.now();

  // Idle passes: both this pass and the next started before the first write.
  const idle: number[] = [];
  const byOperation: Record<string, number> = {};
  for (let i = 0; i + 1 < passes.length; i++) {
    const a = passes[i]!;
    const b = passes[i + 1]!;
    if (b.atMs >= firstWriteMs) break;
    idle.push(b.requests.all! - a.requests.all!);
    for (const op of OPERATIONS) {
      const n = b.requests[op]! - a.requests[op]!;
      if (n > 0) byOperation[op] = (byOperation[op] ?? 0) + n;
    }
  }

  let longestExport = 0;
  let longestImport = 0;
  let windows = 0;
  const chunks: ChunkRecord[] = [];
  for await (const chunk of deps.state.listAllChunks()) {
    if (chunk.seq < firstSeq) continue;
    windows++;
    chunks.push(chunk);
    const versions = (chunk.totalExportResourceCount ?? 0) + (chunk.searchParameterCount ?? 0);
    const l = sim.latency;
    longestExport = Math.max(longestExport, l.exportFixedMs + l.exportPerResourceMs * versions);
    for (const p of await deps.state.listPayloads(chunk.seq)) {
      longestImport = Math.max(
        longestImport,
        l.importFixedMs + l.importPerResourceMs * p.resourceCount,
      );
    }
  }

  const stageEvents = (deps.telemetry instanceof InMemoryTelemetry ? deps.telemetry.events : [])
    .filter((e) => e.name === "SelfStage")
    .map((e) => e.properties ?? {})
    .filter((p) => Number(p["ChunkId"]) >= firstSeq);
  const stagedPages = stageEvents
    .filter((p) => p["Outcome"] === "Staged")
    .map((p) => Number(p["Pages"]));

  const arrived = writes.filter((w) => w.arrivedMs !== undefined);
  const delays = arrived.map((w) => w.arrivedMs! - w.atMs);
  // Where the time goes: waiting for a window to export it, its export as observed, its import as observed.
  const phases = { untilExport: [] as number[], export: [] as number[], import: [] as number[] };
  for (const w of arrived) {
    const chunk = chunks.find((c) => Date.parse(c.since) <= w.atMs && w.atMs < Date.parse(c.till));
    if (chunk?.exportStartTime === undefined || chunk.exportEndTime === undefined) continue;
    const started = Date.parse(chunk.exportStartTime);
    const exported = Date.parse(chunk.exportEndTime);
    phases.untilExport.push(started - w.atMs);
    phases.export.push(exported - started);
    phases.import.push(w.arrivedMs! - exported);
  }
  const summary = (values: number[]) => ({
    p50Ms: percentile(values, 50),
    p95Ms: percentile(values, 95),
  });
  return {
    writes: writes.length,
    arrived: delays.length,
    p50Ms: percentile(delays, 50),
    p95Ms: percentile(delays, 95),
    maxMs: delays.length === 0 ? undefined : Math.max(...delays),
    phases: {
      untilExport: summary(phases.untilExport),
      export: summary(phases.export),
      import: summary(phases.import),
    },
    safetyLagMs: deps.settings.chunking.safetyLagMs,
    pollIntervalMs: deps.settings.schedule.pollIntervalMs,
    idlePollMs: deps.settings.schedule.idlePollMs,
    exportJobMs: longestExport,
    importJobMs: longestImport,
    windows,
    selfStaged: stagedPages.length,
    selfStagePagesMax: stagedPages.length === 0 ? undefined : Math.max(...stagedPages),
    selfStagePagesMean:
      stagedPages.length === 0
        ? undefined
        : stagedPages.reduce((a, b) => a + b, 0) / stagedPages.length,
    selfStageFallBacks: stageEvents.filter((p) => p["Outcome"] === "FellBack").length,
    idlePasses: idle.length,
    idlePassMaxRequests: idle.length === 0 ? undefined : Math.max(...idle),
    idlePassMeanRequests:
      idle.length === 0 ? undefined : idle.reduce((a, b) => a + b, 0) / idle.length,
    idlePassRequestsByOperation: byOperation,
    simulatedHours: (endMs - startMs) / HOUR,
    realSeconds: (Date.now() - realStart) / 1000,
  };
}
