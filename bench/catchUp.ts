/**
 * Benchmark 1: catch-up, per scenario, against the original tool's schedule and the best plan.
 *
 * - **Engine**: the real orchestrator through the local durable runtime against the two emulators,
 *   on a virtual clock (durable timers jump the shared clock, so hours of jobs pass in seconds).
 *   Where the scenario is too large for that, the engine runs a scaled replica: 1/f of the
 *   resources, drawn by the same law, with the per-version times × f, the server throughputs ÷ f and
 *   AZURE_ChunkTargetResources and AZURE_ChunkLimit ÷ f, so its windows and job times match the
 *   full-size plan.
 * - **Model**: the planner under test run pure over the full-size dataset (bench/plannerModel.ts),
 *   its windows scheduled by bench/scheduleModel.ts with the orchestrator's poll interval.
 * - **Original**: bench/originalSchedule.ts over the same versions and latency.
 * - **Best plan**: bench/bestPlan.ts, a lower bound over every plan, computed without the planner.
 */
import type { Environment, Settings } from "../src/config/settings";
import { chunkLengthMs, parseSettings } from "../src/config/settings";
import { SEARCH_PARAMETER_TYPE } from "../src/core/resourceTypes";
import { BACKLOG_BEYOND_EXPORTS } from "../src/engine/activities/loadMigrationState";
import { runMigrationLocally } from "../src/local/localMigration";
import { compareAllVersions } from "../emulator/harness/compareVersions";
import type { StorageEndpoints } from "./simulatedEnvironment";
import { startSimulatedEnvironment, type SimulatedEnvironment } from "./simulatedEnvironment";
import type { BestPlanInput } from "./bestPlan";
import { bestConstructedPlan, bestPlanLowerBound } from "./bestPlan";
import type { BenchLatency, DatasetShape } from "./model";
import {
  LAST_WRITE_BEFORE_START_MS,
  MIGRATION_START_MS,
  ROLLING_FILE_RESOURCES,
  shippedScheduleDefaults,
} from "./model";
import type { SourceVersion } from "./originalSchedule";
import { simulateOriginalSchedule } from "./originalSchedule";
import { importBodies, modelWindows, planAllWindows } from "./plannerModel";
import type { ModelWindow, ScheduleRules } from "./scheduleModel";
import { scheduleMakespan } from "./scheduleModel";
import { generateVersionTimes } from "./versionTimes";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Resource types in the synthetic data (emulator/harness/syntheticData.ts), for file counts. */
const DATA_TYPES = 5;

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
  latency: BenchLatency;
  /** Resources the engine runs on; fewer than the dataset's: a scaled replica. 0: model only. */
  engineResources: number;
  /** Counts toward the ten-year speed-up target. */
  tenYears: boolean;
}

/** Figures of one plan of one dataset. */
export interface PlanFigures {
  resources: number;
  versions: number;
  importable: number;
  windows: number;
  /** This project: measured (engine) or the schedule model with the poll interval (model). */
  projectMs: number;
  /** This project's windows with zero overhead (every job started and seen at once). */
  zeroOverheadMs: number;
  originalMs: number;
  originalWindows: number;
  /** Lower bound over every plan (bench/bestPlan.ts). */
  bestPlanMs: number;
  bestPlanBinding: string;
  /** The fastest concrete plan found, zero overhead: the optimum lies in [bestPlanMs, this]. */
  bestFoundMs: number;
  bestFoundWindows: number;
}

export interface EngineFigures extends PlanFigures {
  /** Latency and sizes divided by this to make the replica (1: the full dataset). */
  scale: number;
  /** The schedule model's time for the engine's own windows, with the poll interval. */
  modelOfRunMs: number;
  /** Windows the pure planner plans on the engine's dataset (the engine's own should match). */
  pureWindows: number;
  complete: boolean;
  problems: string[];
  realSeconds: number;
}

export interface ModelFigures extends PlanFigures {
  /** Source queries of all plannings (first-change and count queries). */
  planningQueries: number;
}

export interface ScenarioResult {
  name: string;
  description: string;
  dataset: DatasetShape;
  latency: BenchLatency;
  tenYears: boolean;
  engine?: EngineFigures;
  model?: ModelFigures;
  /** The headline: the engine when it ran the full dataset, else the full-size model. */
  catchUp: {
    from: "engine" | "model";
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

function rulesOf(settings: Settings): ScheduleRules {
  return {
    maxExportsInFlight: settings.export.maxInFlight,
    maxUnprocessedWindows: settings.export.maxInFlight + BACKLOG_BEYOND_EXPORTS,
    payloadCount: settings.import.payloadCount,
  };
}

const importable = (type: string) => type !== SEARCH_PARAMETER_TYPE;

function referenceFigures(
  versions: readonly SourceVersion[],
  settings: Settings,
  latency: BenchLatency,
  startMs: number,
): Pick<
  PlanFigures,
  | "versions"
  | "importable"
  | "originalMs"
  | "originalWindows"
  | "bestPlanMs"
  | "bestPlanBinding"
  | "bestFoundMs"
  | "bestFoundWindows"
> {
  const original = simulateOriginalSchedule(versions, {
    ...ORIGINAL_RULES,
    startMs,
    rollingFileResources: ROLLING_FILE_RESOURCES,
    latency,
  });
  const input: BestPlanInput = {
    versions: versions.length,
    importable: versions.filter((v) => importable(v.type)).length,
    chunkLimit: settings.chunking.chunkLimit,
    rules: rulesOf(settings),
    latency,
    bodies: (n) => importBodies(n, DATA_TYPES, ROLLING_FILE_RESOURCES, settings.import.fileCount),
  };
  const bound = bestPlanLowerBound(input);
  const found = bestConstructedPlan(input);
  return {
    versions: input.versions,
    importable: input.importable,
    originalMs: original.catchUpMs,
    originalWindows: original.windows.length,
    bestPlanMs: bound.ms,
    bestPlanBinding: bound.binding,
    bestFoundMs: found.ms,
    bestFoundWindows: found.windows,
  };
}

async function pureWindows(
  versions: readonly SourceVersion[],
  settings: Settings,
  startMs: number,
): Promise<{ windows: ModelWindow[]; queries: number }> {
  const planned = await planAllWindows(
    versions,
    {
      lengthMs: chunkLengthMs(settings.chunking.unit, settings.chunking.parallelChunkLength),
      chunkLimit: settings.chunking.chunkLimit,
      targetVersions: settings.chunking.targetVersions,
      capMs: startMs - settings.chunking.safetyLagMs,
    },
    importable,
  );
  return {
    windows: modelWindows(planned, DATA_TYPES, ROLLING_FILE_RESOURCES, settings.import.fileCount),
    queries: planned.queries,
  };
}

/** The full-size dataset through the pure planner and the schedule model. */
export async function modelScenario(
  scenario: Scenario,
  overrides: Environment,
): Promise<ModelFigures> {
  const settings = benchSettings(overrides);
  const startMs = MIGRATION_START_MS;
  const versions = generateVersionTimes(scenario.dataset, startMs - LAST_WRITE_BEFORE_START_MS);
  const { windows, queries } = await pureWindows(versions, settings, startMs);
  const rules = rulesOf(settings);
  return {
    resources: scenario.dataset.resources,
    windows: windows.length,
    projectMs: scheduleMakespan(windows, rules, scenario.latency, settings.schedule.pollIntervalMs),
    zeroOverheadMs: scheduleMakespan(windows, rules, scenario.latency),
    planningQueries: queries,
    ...referenceFigures(versions, settings, scenario.latency, startMs),
  };
}

/** The replica's latency: the same job times for 1/scale of the versions. */
function scaledLatency(latency: BenchLatency, scale: number): BenchLatency {
  const per = (n: number | undefined) => (n === undefined ? undefined : n / scale);
  return {
    ...latency,
    exportPerResourceMs: latency.exportPerResourceMs * scale,
    importPerResourceMs: latency.importPerResourceMs * scale,
    exportThroughputPerSecond: per(latency.exportThroughputPerSecond),
    importThroughputPerSecond: per(latency.importThroughputPerSecond),
  };
}

async function engineWindows(sim: SimulatedEnvironment): Promise<ModelWindow[]> {
  const windows: ModelWindow[] = [];
  const chunks = [];
  for await (const chunk of sim.deps.state.listAllChunks()) chunks.push(chunk);
  chunks.sort((a, b) => a.seq - b.seq);
  for (const chunk of chunks) {
    const payloads = await sim.deps.state.listPayloads(chunk.seq);
    windows.push({
      // The emulator's export time counts every version it selected: data plus SearchParameters.
      exportVersions: (chunk.totalExportResourceCount ?? 0) + (chunk.searchParameterCount ?? 0),
      importResources: payloads.map((p) => p.resourceCount),
    });
  }
  return windows;
}

/**
 * The engine on the scenario (or its scaled replica). Returns the simulated environment still
 * running when `keep` is set (the freshness benchmark continues on it); the caller stops it.
 */
export async function engineScenario(
  storage: StorageEndpoints,
  scenario: Scenario,
  overrides: Environment,
  tablePrefix: string,
  progress: (line: string) => void,
  keep: boolean,
): Promise<{ figures: EngineFigures; sim?: SimulatedEnvironment }> {
  const scale = scenario.dataset.resources / scenario.engineResources;
  const base = benchSettings(overrides);
  const scaledSizes: Environment =
    scale === 1
      ? {}
      : {
          AZURE_ChunkTargetResources: String(Math.round(base.chunking.targetVersions / scale)),
          AZURE_ChunkLimit: String(Math.max(1, Math.round(base.chunking.chunkLimit / scale))),
        };
  const latency = scale === 1 ? scenario.latency : scaledLatency(scenario.latency, scale);
  const dataset = { ...scenario.dataset, resources: scenario.engineResources };
  const sim = await startSimulatedEnvironment(
    storage,
    dataset,
    tablePrefix,
    { ...overrides, ...scaledSizes },
    latency,
  );
  try {
    const { clock, deps, environment } = sim;
    const startMs = clock.now();
    const versions: SourceVersion[] = environment.source.store
      .allVersions()
      .map((v) => ({ atMs: v.lastUpdatedMs, type: v.resourceType }))
      .sort((a, b) => a.atMs - b.atMs);
    const realStart = Date.now();
    let lastReport = realStart;
    const run = await runMigrationLocally(deps, {
      clock,
      input: { stopWhenCaughtUp: true },
      onStatus: (s) => {
        if (Date.now() - lastReport < 10_000) return;
        lastReport = Date.now();
        progress(
          `${scenario.name}: simulated ${((clock.now() - startMs) / 3_600_000).toFixed(1)} h, watermark ${s.watermark ?? "-"}, ${s.resourcesImported} imported`,
        );
      },
    });
    const projectMs = clock.now() - startMs;
    const realSeconds = (Date.now() - realStart) / 1000;
    const outcome = (run.output as { outcome?: string } | undefined)?.outcome;
    if (outcome !== "caught-up") {
      throw new Error(
        `${scenario.name}: the catch-up run ended with ${JSON.stringify(run.output)}, not caught up`,
      );
    }
    const windows = await engineWindows(sim);
    const rules = rulesOf(deps.settings);
    const pure = await pureWindows(versions, deps.settings, startMs);
    const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
    const complete =
      problems.length === 0 && rows.every((r) => r.missing === 0 && r.different === 0);
    const figures: EngineFigures = {
      scale,
      resources: scenario.engineResources,
      windows: windows.length,
      projectMs,
      zeroOverheadMs: scheduleMakespan(windows, rules, latency),
      modelOfRunMs: scheduleMakespan(
        windows,
        rules,
        latency,
        deps.settings.schedule.pollIntervalMs,
      ),
      pureWindows: pure.windows.length,
      complete,
      problems,
      realSeconds,
      ...referenceFigures(versions, deps.settings, latency, startMs),
    };
    if (keep) return { figures, sim };
    await sim.stop();
    return { figures };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}

export function headline(
  engine: EngineFigures | undefined,
  model: ModelFigures | undefined,
): ScenarioResult["catchUp"] {
  const useEngine = engine !== undefined && (engine.scale === 1 || model === undefined);
  const f = useEngine ? engine : model;
  if (f === undefined) throw new Error("a scenario needs the engine's figures or the model's");
  return {
    from: useEngine ? "engine" : "model",
    projectMs: f.projectMs,
    originalMs: f.originalMs,
    bestPlanMs: f.bestPlanMs,
    speedupVsOriginal: f.originalMs / f.projectMs,
    overheadVsBestPlan: f.projectMs / f.bestPlanMs,
  };
}
