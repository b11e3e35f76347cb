/**
 * The assumptions every benchmark shares: the servers' job latency model, the dataset and the
 * migration settings (the shipped defaults, read from the settings catalog so the benchmark follows
 * them when they change).
 */
import type { Environment } from "../src/config/settings";
import { findSetting } from "../src/config/catalog";
import type { LatencyModel } from "../test/support/emulator/types";

const MINUTE = 60_000;

/**
 * Job latency of both servers. A job takes a fixed part (queueing, orchestration and the server's
 * own polling of its processing jobs, which dominates small windows: minutes, even for an empty
 * export) plus a part per resource (throughput once running: 500 versions/s exported, 250
 * resources/s imported).
 */
export const LATENCY: Required<Omit<LatencyModel, "reindexFixedMs" | "exportStatusGraceMs">> = {
  exportFixedMs: 5 * MINUTE,
  exportPerResourceMs: 2,
  importFixedMs: 5 * MINUTE,
  importPerResourceMs: 4,
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
  "AZURE_ExportWithHistory",
  "AZURE_ExportWithDelete",
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
