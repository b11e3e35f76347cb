/**
 * Catch-up at hospital scale (`--scale`): 10 million to a billion versions over ten years, in two
 * shapes, through the real window planner and pass planner (bench/passModel.ts) against a source
 * described by a histogram of its version stamps (bench/versionSource.ts) and the cited job
 * servers (bench/serverModel.ts), for every import rate, export rate and request latency swept.
 * Each row also carries the best plan's bound (bench/bestPlan.ts) and the original tool's schedule
 * over the same data (bench/originalSchedule.ts).
 */
import type { Environment } from "../src/config/settings";
import { bestPlanLowerBound } from "./bestPlan";
import { benchSettings, ORIGINAL_RULES } from "./catchUp";
import { LAST_WRITE_BEFORE_START_MS, MIGRATION_START_MS } from "./model";
import { simulateOriginalSchedule } from "./originalSchedule";
import type { ProposedChange } from "./passModel";
import { PassModel } from "./passModel";
import { latencyProfile } from "./requestLatency";
import { CitedServers, SERVER_LIMITS, fixedLatencyOf } from "./serverModel";
import type { CreationLaw } from "./versionSource";
import { HOUR_MS, histogramFor } from "./versionSource";

export type ShapeName = "dense" | "recent-heavy";

export interface ScaleOptions {
  sizes: number[];
  importRates: number[];
  exportRates: number[];
  latencies: string[];
  shapes: ShapeName[];
  years: number;
  /** Share of the versions' resources created in the last two years, recent-heavy shape. */
  recentShare: number;
  seed: number;
  bytesPerVersion: number;
  /** App settings that win over the shipped defaults. */
  overrides: Environment;
  /** Activity changes the pass model predicts (bench/passModel.ts, PROPOSED_CHANGES). */
  proposed: readonly ProposedChange[];
}

export const SCALE_DEFAULTS: Omit<ScaleOptions, "sizes" | "overrides" | "proposed"> = {
  importRates: [1_000, 5_000, 20_000],
  exportRates: [5_000, 50_000],
  latencies: ["fast", "slow"],
  shapes: ["dense", "recent-heavy"],
  years: 10,
  recentShare: 0.8,
  seed: 7,
  bytesPerVersion: 2_000,
};

/** One row of `catchUp.scale` in the JSON. */
export interface ScaleRow {
  versions: number;
  shape: ShapeName;
  importRate: number;
  exportRate: number;
  requestLatency: string;
  /** Activity changes assumed (none: the product as it is). */
  proposed: readonly ProposedChange[];
  projectMs: number;
  bestPlanMs: number;
  bestPlanBinding: string;
  overheadVsBestPlan: number;
  originalMs: number;
  speedupVsOriginal: number;
  /** The most any plan could gain over the original: original / best plan. */
  bestPlanSpeedupVsOriginal: number;
  windows: number;
  exportJobs: number;
  selfStaged: number;
  importJobs: number;
  planningRequests: number;
  planningRequestsPerWindow: number;
  passes: number;
  destinationBusyShare: number;
  partitions: number;
  exportProcessingJobs: number;
  importProcessingJobs: number;
  /** The longest activity call of the run (the Functions limit is 10 minutes). */
  longestActivity: { name: string; ms: number };
  /** The longest planning call of the run (PlanNextWindow). */
  longestPlanningMs: number;
  /** Where the time went (PassModelResult.timeline). */
  timeline: { loadMs: number; bySlowestMs: Record<string, number>; waitMs: number };
  /** Real seconds this row took to compute. */
  realSeconds: number;
}

/**
 * The two shapes: dense, creations evenly spread; recent-heavy, creations growing steadily so that
 * `recentShare` of them fall in the last two years. Not the scenarios' power law: at a billion
 * versions it puts a fifth of them in the last hour (55,000 writes/s, above the 35,000/s Microsoft's
 * own bulk importer reached into Cosmos with 30 machines), a burst no hospital's source holds.
 */
function lawOf(name: ShapeName, o: Pick<ScaleOptions, "recentShare">): CreationLaw {
  return name === "dense"
    ? { kind: "power", ageExponent: 1 }
    : { kind: "growth", recentShare: o.recentShare };
}

export async function runScale(
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<ScaleRow[]> {
  const settings = benchSettings(options.overrides);
  const startMs = MIGRATION_START_MS;
  const rows: ScaleRow[] = [];
  for (const shape of options.shapes) {
    for (const versions of options.sizes) {
      const source = histogramFor(
        { years: options.years, seed: options.seed },
        versions,
        startMs - LAST_WRITE_BEFORE_START_MS,
        HOUR_MS,
        lawOf(shape, options),
      );
      const types = [...source.typeShares.keys()];
      const partitions = CitedServers.partitionsFor(versions * options.bytesPerVersion, 0);
      for (const latencyName of options.latencies) {
        const latency = latencyProfile(latencyName);
        for (const exportRate of options.exportRates) {
          for (const importRate of options.importRates) {
            const started = Date.now();
            const rates = {
              exportPerSecond: exportRate,
              importPerSecond: importRate,
              bytesPerVersion: options.bytesPerVersion,
            };
            const servers = new CitedServers(
              rates,
              types,
              partitions,
              latency.serverInternalMs,
              startMs,
              options.seed,
            );
            const run = await new PassModel({
              settings,
              source,
              servers,
              latency,
              startMs,
              bytesPerVersion: options.bytesPerVersion,
              proposed: options.proposed,
            }).run();
            const bound = bestPlanLowerBound({
              versions,
              importable: versions,
              exportPerSecond: exportRate,
              importPerSecond: importRate,
              latency,
              startMs,
              servers: { kind: "cited", seed: options.seed, types: types.length, partitions },
            });
            const original = simulateOriginalSchedule(source, {
              ...ORIGINAL_RULES,
              startMs,
              rollingFileResources: SERVER_LIMITS.apiForFhirExportFileResources,
              latency: fixedLatencyOf(rates, types.length, latency.serverInternalMs),
            });
            const processing = servers.processingJobs();
            const row: ScaleRow = {
              versions,
              shape,
              importRate,
              exportRate,
              requestLatency: latencyName,
              proposed: options.proposed,
              projectMs: run.catchUpMs,
              bestPlanMs: bound.ms,
              bestPlanBinding: bound.binding,
              overheadVsBestPlan: run.catchUpMs / bound.ms,
              originalMs: original.catchUpMs,
              speedupVsOriginal: original.catchUpMs / run.catchUpMs,
              bestPlanSpeedupVsOriginal: original.catchUpMs / bound.ms,
              windows: run.windows,
              exportJobs: run.exportJobs,
              selfStaged: run.selfStaged,
              importJobs: run.importJobs,
              planningRequests: run.planningRequests,
              planningRequestsPerWindow: run.planningRequests / Math.max(1, run.windows),
              passes: run.passes,
              destinationBusyShare: run.destinationBusyMs / run.catchUpMs,
              partitions,
              exportProcessingJobs: processing.export,
              importProcessingJobs: processing.import,
              timeline: run.timeline,
              longestActivity: run.longestActivity,
              longestPlanningMs: run.longestPlanningMs,
              realSeconds: (Date.now() - started) / 1000,
            };
            rows.push(row);
            log(
              `scale ${shape} ${versions.toExponential(0)} versions, import ${importRate}/s, export ${exportRate}/s, ${latencyName}: ${(row.projectMs / 3_600_000).toFixed(2)} h, ${row.overheadVsBestPlan.toFixed(2)}× the best plan, ${row.windows} windows, ${row.planningRequestsPerWindow.toFixed(1)} planning requests each, destination busy ${(100 * row.destinationBusyShare).toFixed(0)} %, longest activity ${row.longestActivity.name} ${(row.longestActivity.ms / 60_000).toFixed(1)} min (${row.realSeconds.toFixed(1)} s)`,
            );
          }
        }
      }
    }
  }
  return rows;
}
