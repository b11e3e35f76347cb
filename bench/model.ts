/**
 * The assumptions every benchmark shares: the servers' job latency model, the dataset and the
 * migration settings (the shipped defaults, read from the settings catalog so the benchmark follows
 * them when they change).
 */
import type { Environment } from "../src/config/settings";
import { findSetting } from "../src/config/catalog";
import type { LatencyModel } from "../emulator/types";

const MINUTE = 60_000;

/** The job latency of both servers, as the emulators and the schedule model apply it. */
export type BenchLatency = Required<
  Omit<
    LatencyModel,
    | "reindexFixedMs"
    | "exportStatusGraceMs"
    | "exportThroughputPerSecond"
    | "importThroughputPerSecond"
  >
> &
  Pick<LatencyModel, "exportThroughputPerSecond" | "importThroughputPerSecond">;

/**
 * The job latency this benchmark used before the cited server model (bench/serverModel.ts): a
 * 5-minute fixed part and 500 versions/s exported, 250 resources/s imported, figures no source
 * gives. Kept as the `--server-model legacy` profile and for the isolation benchmark, whose figure
 * is a count of jobs; headline figures use the cited model.
 */
export const LATENCY: BenchLatency = {
  exportFixedMs: 5 * MINUTE,
  exportPerResourceMs: 2,
  importFixedMs: 5 * MINUTE,
  importPerResourceMs: 4,
  exportThroughputPerSecond: 500,
  importThroughputPerSecond: 250,
};

export function exportJobMs(versions: number, latency = LATENCY): number {
  return latency.exportFixedMs + latency.exportPerResourceMs * versions;
}

export function importJobMs(resources: number, latency = LATENCY): number {
  return latency.importFixedMs + latency.importPerResourceMs * resources;
}

/** NDJSON file size stand-in (the server rolls to a new file at 64 MB): resources per file. */
export const ROLLING_FILE_RESOURCES = 5000;

export interface DatasetShape {
  resources: number;
  years: number;
  seed: number;
  /** Creation age = span × u^ageExponent (emulator/harness/syntheticData.ts; default 3). */
  ageExponent?: number;
}

/** The age exponent that puts `share` of the resources in the last two of `years` years. */
export function ageExponentFor(years: number, share: number): number {
  return Math.log(Math.min(1, 2 / years)) / Math.log(share);
}

export const CATCH_UP_DATASET: DatasetShape = { resources: 4000, years: 10, seed: 7 };

/** The instant the catch-up starts: a whole five minutes, so the original's timer grid starts with it. */
export const MIGRATION_START_MS = Date.parse("2025-06-02T00:00:00.000Z");
/** The last seeded write happens this long before the start (older than the safety lag). */
export const LAST_WRITE_BEFORE_START_MS = 2 * MINUTE;

/** Settings whose shipped defaults shape the schedule; the local environment shortens them for tests. */
const SCHEDULE_SETTINGS = [
  "AZURE_ScheduleInterval",
  "AZURE_IdlePollMinutes",
  "AZURE_SafetyLagSeconds",
  "AZURE_ExportConfirmations",
  "AZURE_ExportConfirmDelaySeconds",
  "AZURE_MaxExportsInFlight",
  "AZURE_PayloadCount",
  "AZURE_FileCount",
  "AZURE_ExportChunkTime",
  "AZURE_ExportChunkDuration",
  "AZURE_ChunkLimit",
  "AZURE_ChunkTargetResources",
  "AZURE_ExportWithHistory",
  "AZURE_ExportWithDelete",
  "AZURE_SelfStageMaxVersions",
  "AZURE_SelfStagePageSize",
  "AZURE_SelfStageConcurrency",
  "AZURE_SelfStageRequestBudget",
] as const;

/** The shipped default of each schedule setting, as app settings. */
export function shippedScheduleDefaults(): Environment {
  const env: Record<string, string> = {};
  for (const name of SCHEDULE_SETTINGS) {
    const value = findSetting(name)?.default;
    if (value === undefined)
      throw new Error(`The settings catalog has no default for ${name}; the benchmark needs one`);
    env[name] = value;
  }
  return env;
}
