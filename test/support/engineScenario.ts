/**
 * The set-up the engine's integration tests share: two emulators on the shared Azurite (started by
 * test/support/globalSetup.ts), the source's clock movable into the past so seeded history carries
 * its historical instants, fresh state tables per test, and engine deps with in-memory telemetry.
 * A test file calls `afterEach(stopScenarios)` once.
 */
import { inject } from "vitest";
import type { Environment } from "../../src/config/settings";
import { createEngineDeps } from "../../src/engine/createDeps";
import type { EngineDeps } from "../../src/engine/deps";
import { InMemoryTelemetry } from "../../src/telemetry/telemetry";
import type { LocalEnvironment } from "../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../emulator/harness/localEnvironment";
import type { SyntheticOptions } from "../../emulator/harness/syntheticData";
import { generateOperations } from "../../emulator/harness/syntheticData";

export interface ScenarioOptions {
  /** Fixed part of every export and import job, ms (the emulators' latency model); default none. */
  jobLatencyMs?: number;
  /** Resources per export output file before the emulator rolls to the next. */
  rollingFileResources?: number;
}

export interface EngineScenario {
  env: LocalEnvironment;
  /** Runs `write` with the source's clock at `ms`: what it writes is stamped then. */
  writeAt(ms: number, write: () => void): void;
  /** Writes generated creates, updates and soft deletes on the source at their instants. */
  seed(options: SeedOptions): void;
}

/** generateOperations' options; the last operation a minute before now unless `endMs` says. */
export type SeedOptions = Omit<SyntheticOptions, "endMs"> & { endMs?: number };

let started: LocalEnvironment[] = [];

/** Starts the emulators on the shared Azurite; `stopScenarios` stops them. */
export async function startScenario(options: ScenarioOptions = {}): Promise<EngineScenario> {
  let seedingAt: number | undefined;
  const env = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock: { now: () => seedingAt ?? Date.now() },
    ...(options.jobLatencyMs === undefined
      ? {}
      : { latency: { exportFixedMs: options.jobLatencyMs, importFixedMs: options.jobLatencyMs } }),
    ...(options.rollingFileResources === undefined
      ? {}
      : { rollingFileResources: options.rollingFileResources }),
  });
  started.push(env);
  const writeAt = (ms: number, write: () => void) => {
    seedingAt = ms;
    try {
      write();
    } finally {
      seedingAt = undefined;
    }
  };
  return {
    env,
    writeAt,
    seed: (seedOptions) => {
      for (const op of generateOperations({ endMs: Date.now() - 60_000, ...seedOptions })) {
        writeAt(op.at, () => {
          if (op.kind === "create") env.source.store.create(op.resource);
          else if (op.kind === "update") env.source.store.update(op.resource);
          else env.source.store.softDelete(op.resourceType, op.id);
        });
      }
    },
  };
}

/** Stops every environment startScenario started (for afterEach). */
export async function stopScenarios(): Promise<void> {
  const all = started;
  started = [];
  for (const env of all) await env.stop();
}

let tableSeq = 0;

/**
 * Settings naming state tables no other test uses: `<prefix>chunk<pid>x<n>` and
 * `<prefix>export<pid>x<n>`, and a row key no other test uses: `<rowKeyPrefix><pid>x<n>`
 * (`<prefix>row<pid>x<n>` without one). Import payloads, manifests and self-staged files are named
 * from the row key in containers every test on the shared Azurite writes to, and test files run in
 * parallel worker processes: with the default row key two migrations would overwrite each other's.
 */
export function freshTables(prefix: string, rowKeyPrefix?: string): Environment {
  tableSeq++;
  return {
    AZURE_ChunkTableName: `${prefix}chunk${process.pid}x${tableSeq}`,
    AZURE_ExportTableName: `${prefix}export${process.pid}x${tableSeq}`,
    AZURE_RowKey: `${rowKeyPrefix ?? `${prefix}row`}${process.pid}x${tableSeq}`,
  };
}

export interface ScenarioDepsOptions {
  /** Settings over the environment's and the fresh tables'. */
  overrides?: Environment;
  log?: (message: string) => void;
}

/** Engine deps for a migration between the scenario's emulators, with in-memory telemetry. */
export function scenarioDeps(
  env: LocalEnvironment,
  tables: Environment,
  options: ScenarioDepsOptions = {},
): EngineDeps & { telemetry: InMemoryTelemetry } {
  const telemetry = new InMemoryTelemetry();
  const settings = settingsFor(env.env({ ...tables, ...options.overrides }));
  return {
    ...createEngineDeps(settings, {
      telemetry,
      ...(options.log === undefined ? {} : { log: options.log }),
    }),
    telemetry,
  };
}
