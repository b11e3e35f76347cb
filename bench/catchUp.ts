/**
 * Benchmark 1: catch-up, per scenario, against the original tool's schedule and the best plan.
 *
 * - **Model** (the headline): the pass model (bench/passModel.ts: the real pass planner and window
 *   planner, every request priced) at full size against the cited job servers
 *   (bench/serverModel.ts, CitedServers).
 * - **Engine**: the real orchestrator and activities through the local durable runtime against the
 *   two emulators, on a virtual clock, every request priced (bench/pricedEngine.ts). The emulators
 *   apply the cited model in their terms (FixedServers: one idle poll of the job queue and the
 *   orchestrator's requests as the fixed part, then the server's rate). Where the scenario is too
 *   large, the engine runs a scaled replica: 1/f of the resources, drawn by the same law, with the
 *   rates ÷ f, the sizes the settings count in (AZURE_ChunkTargetResources, AZURE_ChunkLimit,
 *   AZURE_SelfStageMaxVersions, AZURE_SelfStagePageSize, versions per export file) ÷ f, and the
 *   requests priced by what they would count, stream and read at full size (× f), so its windows,
 *   jobs and requests stand for the full-size ones.
 * - **Check**: the pass model on the engine's own data, settings and emulator model must give the
 *   engine's measured time and plan the engine's windows.
 * - **Original**: bench/originalSchedule.ts over the same data and servers.
 * - **Best plan**: bench/bestPlan.ts, a lower bound over every plan, computed without the planner.
 */
import type { Environment, Settings } from "../src/config/settings";
import { parseSettings } from "../src/config/settings";
import { MAX_WINDOW_VERSIONS } from "../src/core/windowSizing";
import { compareAllVersions } from "../emulator/harness/compareVersions";
import type { StorageEndpoints } from "./simulatedEnvironment";
import { startSimulatedEnvironment, type SimulatedEnvironment } from "./simulatedEnvironment";
import { bestPlanLowerBound } from "./bestPlan";
import type { BenchLatency, DatasetShape } from "./model";
import {
  LAST_WRITE_BEFORE_START_MS,
  MIGRATION_START_MS,
  ROLLING_FILE_RESOURCES,
  shippedScheduleDefaults,
} from "./model";
import { simulateOriginalSchedule } from "./originalSchedule";
import { PassModel } from "./passModel";
import type { RequestLatency } from "./requestLatency";
import type { FixedLatency, JobServers } from "./serverModel";
import { CitedServers, FixedServers, SERVER_LIMITS, fixedLatencyOf } from "./serverModel";
import type { VersionSource } from "./versionSource";
import { SortedVersions, histogramFor } from "./versionSource";
import { generateVersionTimes } from "./versionTimes";

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

export interface Scenario {
  name: string;
  description: string;
  dataset: DatasetShape;
  /**
   * Versions of the full-size data when it is described by a histogram of the dataset's law
   * (bench/versionSource.ts) rather than generated version by version.
   */
  histogramVersions?: number;
  /** Resources the engine runs on; fewer than the dataset's: a scaled replica. */
  engineResources: number;
  /** Counts toward the ten-year speed-up target. */
  tenYears: boolean;
}

/**
 * The servers a run assumes: the cited model at one point of the swept ranges, or (legacy) the
 * fixed job latency this benchmark used before, with requests free.
 */
export interface CatchUpConditions {
  importRate: number;
  exportRate: number;
  latency: RequestLatency;
  /** Bytes per version of the full-size data (partitions, export files, streams). */
  bytesPerVersion: number;
  /** Set: the emulators' fixed model with these job times instead of the cited servers. */
  legacy?: BenchLatency;
}

export interface ModelFigures {
  resources: number;
  versions: number;
  windows: number;
  projectMs: number;
  originalMs: number;
  originalWindows: number;
  bestPlanMs: number;
  bestPlanBinding: string;
  planningRequests: number;
  exportJobs: number;
  importJobs: number;
  selfStaged: number;
  destinationBusyShare: number;
}

export interface EngineFigures {
  /** The replica holds 1/scale of the resources (1: the full dataset). */
  scale: number;
  resources: number;
  versions: number;
  windows: number;
  /** The engine's measured catch-up on the virtual clock. */
  engineMs: number;
  /** The pass model on the engine's data, settings and emulator model. */
  modelMs: number;
  /** The engine planned the same windows (versions each) as the pass model. */
  sameWindows: boolean;
  modelWindows: number;
  complete: boolean;
  problems: string[];
  realSeconds: number;
  /** Requests per activity call, engine and model (the check of the model's request inventory). */
  activities: Record<string, { engine: ActivityFigure; model: ActivityFigure }>;
}

export interface ActivityFigure {
  calls: number;
  meanMs: number;
  requests: Record<string, number>;
}

export interface ScenarioResult {
  name: string;
  description: string;
  dataset: DatasetShape;
  tenYears: boolean;
  conditions: { importRate: number; exportRate: number; requestLatency: string; servers: string };
  engine?: EngineFigures;
  model: ModelFigures;
  catchUp: {
    projectMs: number;
    originalMs: number;
    bestPlanMs: number;
    speedupVsOriginal: number;
    overheadVsBestPlan: number;
  };
}

/** The settings a scenario runs with: shipped defaults, then the command line's. */
export function benchSettings(overrides: Environment): Settings {
  return parseSettings({
    AZURE_SourceUri: "https://source.invalid",
    AZURE_DestinationUri: "https://destination.invalid",
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    ...shippedScheduleDefaults(),
    ...overrides,
  });
}

/** Data types of the synthetic data (emulator/harness/syntheticData.ts) plus its SearchParameter. */
const SOURCE_TYPES = 6;

/** The emulators' job model for these conditions, for data 1/scale the size. */
function emulatorLatency(c: CatchUpConditions, scale: number): FixedLatency {
  if (c.legacy !== undefined) {
    const l = c.legacy;
    const per = (n: number | undefined) => (n === undefined ? Number.POSITIVE_INFINITY : n / scale);
    return {
      exportFixedMs: l.exportFixedMs,
      exportPerResourceMs: l.exportPerResourceMs * scale,
      exportThroughputPerSecond: per(l.exportThroughputPerSecond),
      importFixedMs: l.importFixedMs,
      importPerResourceMs: l.importPerResourceMs * scale,
      importThroughputPerSecond: per(l.importThroughputPerSecond),
      exportStatusGraceMs: SERVER_LIMITS.exportStatusGraceMs,
    };
  }
  return fixedLatencyOf(
    { exportPerSecond: c.exportRate / scale, importPerSecond: c.importRate / scale },
    SOURCE_TYPES,
    c.latency.serverInternalMs,
  );
}

/** The full-size data the model runs on. */
function fullSource(scenario: Scenario): VersionSource {
  const endMs = MIGRATION_START_MS - LAST_WRITE_BEFORE_START_MS;
  if (scenario.histogramVersions !== undefined)
    return histogramFor(scenario.dataset, scenario.histogramVersions, endMs);
  return new SortedVersions(generateVersionTimes(scenario.dataset, endMs));
}

/** The full-size data through the pass model, the best plan and the original's schedule. */
export async function modelScenario(
  scenario: Scenario,
  conditions: CatchUpConditions,
  overrides: Environment,
  seed: number,
): Promise<ModelFigures> {
  const settings = benchSettings(overrides);
  const startMs = MIGRATION_START_MS;
  const source = fullSource(scenario);
  const versions = source.total;
  const types = source.countByType(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const importable = versions - (types.get("SearchParameter") ?? 0);
  const partitions = CitedServers.partitionsFor(versions * conditions.bytesPerVersion, 0);
  const rates = {
    exportPerSecond: conditions.exportRate,
    importPerSecond: conditions.importRate,
    bytesPerVersion: conditions.bytesPerVersion,
  };
  const fixed = emulatorLatency(conditions, 1);
  const servers: JobServers =
    conditions.legacy === undefined
      ? new CitedServers(
          rates,
          [...types.keys()],
          partitions,
          conditions.latency.serverInternalMs,
          startMs,
          seed,
        )
      : new FixedServers(fixed, conditions.bytesPerVersion, ROLLING_FILE_RESOURCES);
  const run = await new PassModel({
    settings,
    source,
    servers,
    latency: conditions.latency,
    startMs,
    bytesPerVersion: conditions.bytesPerVersion,
  }).run();
  const bound = bestPlanLowerBound({
    versions,
    importable,
    exportPerSecond: conditions.legacy?.exportThroughputPerSecond ?? conditions.exportRate,
    importPerSecond: conditions.legacy?.importThroughputPerSecond ?? conditions.importRate,
    latency: conditions.latency,
    startMs,
    servers:
      conditions.legacy === undefined
        ? { kind: "cited", seed, types: types.size, partitions }
        : { kind: "fixed", fixed },
  });
  const original = simulateOriginalSchedule(source, {
    ...ORIGINAL_RULES,
    startMs,
    rollingFileResources: SERVER_LIMITS.apiForFhirExportFileResources,
    latency: fixed,
  });
  return {
    resources: scenario.dataset.resources,
    versions,
    windows: run.windows,
    projectMs: run.catchUpMs,
    originalMs: original.catchUpMs,
    originalWindows: original.windows.length,
    bestPlanMs: bound.ms,
    bestPlanBinding: bound.binding,
    planningRequests: run.planningRequests,
    exportJobs: run.exportJobs,
    importJobs: run.importJobs,
    selfStaged: run.selfStaged,
    destinationBusyShare: run.destinationBusyMs / run.catchUpMs,
  };
}

/** Settings that count versions, divided for a replica 1/scale the size. */
function scaledSizes(settings: Settings, scale: number): Environment {
  if (scale === 1) return {};
  const div = (n: number) => String(Math.max(1, Math.round(n / scale)));
  return {
    AZURE_ChunkTargetResources: div(settings.chunking.targetVersions),
    // The planner's own ceiling (MAX_WINDOW_VERSIONS) does not scale: the replica's limit carries it.
    AZURE_ChunkLimit: div(Math.min(settings.chunking.chunkLimit, MAX_WINDOW_VERSIONS)),
    AZURE_SelfStageMaxVersions:
      settings.export.selfStage.maxVersions === 0
        ? "0"
        : div(settings.export.selfStage.maxVersions),
    // At least the catalog's 10: a window small enough to self-stage still reads in as many pages.
    AZURE_SelfStagePageSize: String(
      Math.max(10, Math.round(settings.export.selfStage.pageSize / scale)),
    ),
  };
}

function activityFigures(
  calls: readonly { name: string; ms: number; requests: Partial<Record<string, number>> }[],
): Record<string, ActivityFigure> {
  const out: Record<string, ActivityFigure> = {};
  for (const c of calls) {
    const f = (out[c.name] ??= { calls: 0, meanMs: 0, requests: {} });
    f.calls++;
    f.meanMs += c.ms;
    for (const [k, v] of Object.entries(c.requests))
      f.requests[k] = (f.requests[k] ?? 0) + (v ?? 0);
  }
  for (const f of Object.values(out)) {
    f.meanMs /= f.calls;
    for (const k of Object.keys(f.requests)) f.requests[k]! /= f.calls;
  }
  return out;
}

/**
 * The engine on the scenario (or its scaled replica), and the pass model on the same data as the
 * check. Returns the simulated environment still running when `keep` is set (the freshness
 * benchmark continues on it); the caller stops it.
 */
export async function engineScenario(
  storage: StorageEndpoints,
  scenario: Scenario,
  conditions: CatchUpConditions,
  overrides: Environment,
  tablePrefix: string,
  progress: (line: string) => void,
  keep: boolean,
): Promise<{ figures: EngineFigures; sim?: SimulatedEnvironment }> {
  const scale = Math.max(1, scenario.dataset.resources / scenario.engineResources);
  const fixed = emulatorLatency(conditions, scale);
  const fileResources = Math.max(1, Math.round(ROLLING_FILE_RESOURCES / scale));
  const sizes = scaledSizes(benchSettings(overrides), scale);
  const dataset = { ...scenario.dataset, resources: scenario.engineResources };
  const sim = await startSimulatedEnvironment(
    storage,
    dataset,
    tablePrefix,
    { ...overrides, ...sizes },
    fixed,
    { latency: conditions.latency, unitScale: scale },
    fileResources,
  );
  try {
    const { clock, deps, environment } = sim;
    const startMs = clock.now();
    const stored = environment.source.store.allVersions();
    const source = new SortedVersions(
      stored.map((v) => ({ atMs: v.lastUpdatedMs, type: v.resourceType })),
    );
    const bytesPerVersion = stored.reduce((n, v) => n + v.text.length + 1, 0) / stored.length;
    const model = await new PassModel({
      settings: deps.settings,
      source,
      servers: new FixedServers(fixed, bytesPerVersion, fileResources),
      latency: conditions.latency,
      startMs,
      bytesPerVersion,
      unitScale: scale,
      trace: true,
    }).run();
    const realStart = Date.now();
    let lastReport = realStart;
    const run = await sim.priced.run(deps, {
      input: { stopWhenCaughtUp: true },
      onStatus: (s) => {
        if (Date.now() - lastReport < 10_000) return;
        lastReport = Date.now();
        progress(
          `${scenario.name}: simulated ${((clock.now() - startMs) / 3_600_000).toFixed(1)} h, watermark ${s.watermark ?? "-"}, ${s.resourcesImported} imported`,
        );
      },
    });
    const engineMs = clock.now() - startMs;
    const realSeconds = (Date.now() - realStart) / 1000;
    const outcome = (run.output as { outcome?: string } | undefined)?.outcome;
    if (outcome !== "caught-up") {
      throw new Error(
        `${scenario.name}: the catch-up run ended with ${JSON.stringify(run.output)}, not caught up`,
      );
    }
    const planned: number[] = [];
    for await (const chunk of deps.state.listAllChunks())
      planned[chunk.seq - 1] = chunk.expectedCount;
    const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
    const complete =
      problems.length === 0 && rows.every((r) => r.missing === 0 && r.different === 0);
    const engineCalls = activityFigures(
      sim.priced.calls.map((c) => ({
        name: c.name,
        ms: c.endMs - c.startMs,
        requests: c.requests,
      })),
    );
    const modelCalls = activityFigures(
      (model.trace ?? []).map((c) => ({
        name: c.name,
        ms: c.endMs - c.startMs,
        requests: { ...c.requests, hop: 2 },
      })),
    );
    const activities: EngineFigures["activities"] = {};
    for (const name of new Set([...Object.keys(engineCalls), ...Object.keys(modelCalls)])) {
      const none = { calls: 0, meanMs: 0, requests: {} };
      activities[name] = { engine: engineCalls[name] ?? none, model: modelCalls[name] ?? none };
    }
    const figures: EngineFigures = {
      scale,
      resources: scenario.engineResources,
      versions: source.total,
      windows: planned.length,
      engineMs,
      modelMs: model.catchUpMs,
      sameWindows:
        planned.length === model.windowVersions.length &&
        planned.every((n, i) => n === model.windowVersions[i]),
      modelWindows: model.windows,
      complete,
      problems,
      realSeconds,
      activities,
    };
    if (keep) return { figures, sim };
    await sim.stop();
    return { figures };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}

export function headline(model: ModelFigures): ScenarioResult["catchUp"] {
  return {
    projectMs: model.projectMs,
    originalMs: model.originalMs,
    bestPlanMs: model.bestPlanMs,
    speedupVsOriginal: model.originalMs / model.projectMs,
    overheadVsBestPlan: model.projectMs / model.bestPlanMs,
  };
}
