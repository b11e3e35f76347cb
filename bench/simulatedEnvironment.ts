/**
 * Two emulators and the engine's dependencies, all on one virtual clock, with the source seeded by
 * moving that clock through ten years of synthetic writes (so every version gets its historical
 * lastUpdated). Storage is a real Azurite; it does not care what time the servers think it is.
 * `priced` runs the engine with every request priced by the request latency (bench/pricedEngine.ts).
 */
import type { Environment } from "../src/config/settings";
import { createEngineDeps } from "../src/engine/createDeps";
import type { EngineDeps } from "../src/engine/deps";
import { VirtualClock } from "../src/local/virtualClock";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import type { LocalEnvironment } from "../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../emulator/harness/localEnvironment";
import { DEFAULT_EXPORT_STATUS_GRACE_MS } from "../emulator/export-jobs";
import { customSearchParameter, generateOperations } from "../emulator/harness/syntheticData";
import type { BenchLatency, DatasetShape } from "./model";
import { PricedEngine } from "./pricedEngine";
import type { RequestLatency } from "./requestLatency";
import { ZERO_LATENCY } from "./requestLatency";
import {
  LAST_WRITE_BEFORE_START_MS,
  LATENCY,
  MIGRATION_START_MS,
  ROLLING_FILE_RESOURCES,
  shippedScheduleDefaults,
} from "./model";

export interface StorageEndpoints {
  connectionString: string;
  blobEndpoint: string;
}

export interface SimulatedEnvironment {
  clock: VirtualClock;
  environment: LocalEnvironment;
  deps: EngineDeps;
  /** Versions on the source when the migration starts. */
  seededVersions: number;
  /** The engine with every request priced (bench/pricedEngine.ts). */
  priced: PricedEngine;
  /** The servers' job latency the emulators apply. */
  latency: BenchLatency;
  stop(): Promise<void>;
}

export async function startSimulatedEnvironment(
  storage: StorageEndpoints,
  dataset: DatasetShape,
  tablePrefix: string,
  /** App settings that win over the shipped defaults (exploring a setting's effect). */
  overrides: Environment = {},
  latency: BenchLatency = LATENCY,
  requests: { latency: RequestLatency; unitScale: number } = {
    latency: ZERO_LATENCY,
    unitScale: 1,
  },
  rollingFileResources = ROLLING_FILE_RESOURCES,
): Promise<SimulatedEnvironment> {
  const startMs = MIGRATION_START_MS;
  const endMs = startMs - LAST_WRITE_BEFORE_START_MS;
  const operations = generateOperations({ ...dataset, endMs });
  const clock = new VirtualClock(Math.min(operations[0]?.at ?? endMs, endMs));
  const environment = await startLocalEnvironment({
    azurite: storage,
    clock,
    // The server's own export status grace (15 s after the last processing job), not the local
    // environment's stand-in scaled with exportFixedMs (5 minutes here, which doubled every export).
    latency: { ...latency, exportStatusGraceMs: DEFAULT_EXPORT_STATUS_GRACE_MS },
    rollingFileResources,
  });
  const store = environment.source.store;
  for (const op of operations) {
    clock.advanceTo(Math.max(clock.now(), op.at));
    if (op.kind === "create") store.create(op.resource);
    else if (op.kind === "update") store.update(op.resource);
    else store.softDelete(op.resourceType, op.id);
  }
  clock.advanceTo(endMs);
  store.create(customSearchParameter());
  clock.advanceTo(startMs);

  const settings = settingsFor(
    environment.env({
      ...shippedScheduleDefaults(),
      AZURE_ChunkTableName: `${tablePrefix}chunk`,
      AZURE_ExportTableName: `${tablePrefix}export`,
      ...overrides,
    }),
  );
  const deps = createEngineDeps(settings, {
    clock,
    telemetry: new InMemoryTelemetry(),
    log: () => {},
  });
  return {
    clock,
    environment,
    deps,
    seededVersions: store.index("all").size,
    priced: new PricedEngine(clock, requests.latency, requests.unitScale),
    latency,
    stop: () => environment.stop(),
  };
}
