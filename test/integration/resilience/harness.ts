/**
 * Shared set-up of the resilience suites: two emulators on an Azurite, seeded synthetic history,
 * engine dependencies on fresh tables, and a clock that skips ahead over durable timers.
 */
import type { TokenCredential } from "@azure/identity";
import { afterAll, beforeAll, expect, inject } from "vitest";
import type { Environment, Settings } from "../../../src/config/settings";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { createFhirClient } from "../../../src/fhir/client";
import type { AzuriteInstance } from "../../../src/local/azurite";
import { startAzurite } from "../../../src/local/azurite";
import type { Clock } from "../../../src/local/durableRuntime";
import type { LocalMigrationOptions } from "../../../src/local/localMigration";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { LatencyModel } from "../../../emulator/types";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { customSearchParameter, generateOperations } from "../../../emulator/harness/syntheticData";

/**
 * Real time plus an offset that grows whenever the orchestration waits on a durable timer: a timer
 * fires at once and the clock jumps to its due time. Everything that reads time (the engine, the
 * emulators' job latency and timestamps) shares it, so a one-minute watchdog or a poll interval
 * costs no real time, while HTTP timeouts and Retry-After waits stay real.
 */
export class SkipAheadClock implements Clock {
  private offsetMs = 0;

  now = (): number => Date.now() + this.offsetMs;

  sleepUntil = async (instantMs: number): Promise<void> => {
    const ahead = instantMs - this.now();
    if (ahead > 0) this.offsetMs += ahead;
    // Let responses and other activities run, as a real wait would.
    await new Promise((resolve) => setImmediate(resolve));
  };
}

export interface ResilienceEnvironment extends LocalEnvironment {
  clock: SkipAheadClock;
  /** Seeds `resources` resources (with updates and soft deletes) over two years, plus one custom SearchParameter. */
  seed(resources: number, seedNumber?: number): void;
  /** Sets the source's clock this many ms ahead of the app's (negative: behind). */
  setSourceSkew(ms: number): void;
}

export interface ResilienceOptions {
  latency?: LatencyModel;
  rollingFileResources?: number;
  /** Storage to use; default the run's shared Azurite. */
  azurite?: { connectionString: string; blobEndpoint: string };
}

export async function startResilienceEnvironment(
  options: ResilienceOptions = {},
): Promise<ResilienceEnvironment> {
  const clock = new SkipAheadClock();
  let seedingAt: number | undefined;
  let sourceSkewMs = 0;
  const environment = await startLocalEnvironment({
    azurite: options.azurite ?? {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    clock,
    sourceClock: { now: () => seedingAt ?? clock.now() + sourceSkewMs },
    latency: options.latency ?? { exportFixedMs: 2000, importFixedMs: 2000 },
    rollingFileResources: options.rollingFileResources ?? 20,
  });
  return {
    ...environment,
    clock,
    setSourceSkew(ms) {
      sourceSkewMs = ms;
    },
    seed(resources, seedNumber = 11) {
      const endMs = clock.now() - 120_000;
      for (const op of generateOperations({
        resources,
        years: 2,
        seed: seedNumber,
        endMs,
        updateShare: 0.3,
        deleteShare: 0.1,
      })) {
        seedingAt = op.at;
        if (op.kind === "create") environment.source.store.create(op.resource);
        else if (op.kind === "update") environment.source.store.update(op.resource);
        else environment.source.store.softDelete(op.resourceType, op.id);
      }
      seedingAt = endMs;
      environment.source.store.create(customSearchParameter());
      seedingAt = undefined;
    },
  };
}

/** A credential that hands out a fresh token each time, so a 401 is answered by a refresh (http.ts). */
export function countingCredential(): TokenCredential {
  let issued = 0;
  return {
    getToken: async () => {
      issued++;
      return { token: `resilience-token-${issued}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/**
 * An Azurite for this test file alone. Emulators number their jobs from 1, so two emulators that
 * export at the same time on one storage account write the same `export-{id}` containers; suites
 * that export run on their own account so that other test files running alongside cannot interfere.
 */
export function useOwnAzurite(): () => AzuriteInstance {
  let azurite: AzuriteInstance | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (azurite === undefined) throw new Error("Azurite is not started yet (use it inside a test)");
    return azurite;
  };
}

let tableSeq = 0;

/** Unique table names and row key for one migration on the shared Azurite. */
export function uniqueTables(label: string): Environment {
  tableSeq++;
  const tag = `${label}${process.pid}x${tableSeq}`.replace(/[^A-Za-z0-9]/g, "");
  return {
    AZURE_ChunkTableName: `c${tag}`.slice(0, 60),
    AZURE_ExportTableName: `e${tag}`.slice(0, 60),
    // Payload and manifest blob names start with the row key: unique across test processes too.
    AZURE_RowKey: `r${process.pid}x${tableSeq}`,
  };
}

/** Fast, small settings: short windows, quick retries, a tight request timeout. */
export const FAST_SETTINGS: Environment = {
  AZURE_ExportChunkTime: "120",
  AZURE_ChunkLimit: "60",
  AZURE_HttpTimeoutSeconds: "5",
  AZURE_RetryCount: "6",
  AZURE_WaitForRetry: "0.05",
  AZURE_RetryMaxSeconds: "60",
  AZURE_ScheduleInterval: "0.05",
  AZURE_IdlePollMinutes: "0.1",
  AZURE_ExportConfirmDelaySeconds: "1",
};

export type TestDeps = EngineDeps & { telemetry: InMemoryTelemetry; settings: Settings };

/**
 * Engine dependencies between the environment's emulators on fresh tables. Both FHIR clients get a
 * credential (the emulators ignore the header), so an injected 401 takes the real refresh path.
 */
export function depsFor(
  environment: ResilienceEnvironment,
  label: string,
  overrides: Environment = {},
): TestDeps {
  const settings = settingsFor(
    environment.env({ ...FAST_SETTINGS, ...uniqueTables(label), ...overrides }),
  );
  return depsFromSettings(environment, settings);
}

/** Fresh clients, store and telemetry for `settings` (a second runner on the same tables gets its own). */
export function depsFromSettings(environment: ResilienceEnvironment, settings: Settings): TestDeps {
  const telemetry = new InMemoryTelemetry();
  const base = createEngineDeps(settings, { telemetry, clock: environment.clock });
  const clientDeps = { now: environment.clock.now, credential: countingCredential() };
  return {
    ...base,
    source: createFhirClient(settings.source, settings.http, clientDeps),
    destination: createFhirClient(settings.destination, settings.http, clientDeps),
    telemetry,
  };
}

export async function migrate(
  environment: ResilienceEnvironment,
  deps: EngineDeps,
  options: LocalMigrationOptions = {},
) {
  return runMigrationLocally(deps, {
    input: { stopWhenCaughtUp: true },
    clock: environment.clock,
    ...options,
  });
}

/** Every source version is on the destination with the same content; returns the versions compared. */
export async function expectEveryVersionCopied(deps: EngineDeps): Promise<number> {
  const { rows, problems } = await compareAllVersions(deps.source, deps.destination);
  expect(problems).toEqual([]);
  const versions = rows.reduce((n, r) => n + r.sourceVersions, 0);
  expect(versions).toBeGreaterThan(0);
  return versions;
}

export async function chunkRows(deps: EngineDeps) {
  const chunks = [];
  for await (const chunk of deps.state.listAllChunks()) chunks.push(chunk);
  return chunks;
}

export async function payloadRows(deps: EngineDeps) {
  const payloads = [];
  for (const chunk of await chunkRows(deps))
    payloads.push(...(await deps.state.listPayloads(chunk.seq)));
  return payloads;
}
