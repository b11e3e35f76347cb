import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import type { Environment, Settings } from "../../../src/config/settings";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import type { MigrationOutcome } from "../../../src/engine/migrationOrchestrator";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { NullTelemetry } from "../../../src/telemetry/createTelemetry";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { customSearchParameter, generateOperations } from "../../../emulator/harness/syntheticData";

export interface SampleMigration {
  environment: LocalEnvironment;
  /** The app settings of the migration (unique state tables on the shared Azurite). */
  env: Environment;
  settings: Settings;
  deps: EngineDeps;
  stop(): Promise<void>;
}

export interface SampleOptions {
  resources?: number;
  /** Import error lines the destination returns (the first N lines of the first import). */
  failedResources?: number;
  failureMessage?: string;
}

/**
 * A small real migration through the local runtime: two emulators on the test run's Azurite,
 * about a year of synthetic history on the source (plus one custom SearchParameter), migrated
 * until caught up into state tables of its own.
 */
export async function runSampleMigration(options: SampleOptions = {}): Promise<SampleMigration> {
  let seedingAt: number | undefined;
  const environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock: { now: () => seedingAt ?? Date.now() },
    latency: { exportFixedMs: 20, importFixedMs: 20 },
  });
  try {
    const endMs = Date.now() - 60_000;
    for (const op of generateOperations({
      resources: options.resources ?? 120,
      years: 1,
      seed: 11,
      endMs,
    })) {
      seedingAt = op.at;
      if (op.kind === "create") environment.source.store.create(op.resource);
      else if (op.kind === "update") environment.source.store.update(op.resource);
      else environment.source.store.softDelete(op.resourceType, op.id);
    }
    seedingAt = endMs;
    environment.source.store.create(customSearchParameter());
    seedingAt = undefined;
    if ((options.failedResources ?? 0) > 0) {
      environment.destination.faults.add({
        kind: "import-partial-errors",
        count: options.failedResources,
        message: options.failureMessage,
      });
    }
    const unique = randomUUID().replace(/-/g, "").slice(0, 12);
    const env = environment.env({
      AZURE_ChunkTableName: `stchunk${unique}`,
      AZURE_ExportTableName: `stexport${unique}`,
      // Staged blobs are named from the row key in containers shared with parallel files.
      AZURE_RowKey: `strow${unique}`,
      AZURE_ExportChunkTime: "90",
      AZURE_ChunkLimit: "60",
    });
    const settings = settingsFor(env);
    const deps = createEngineDeps(settings, { telemetry: new NullTelemetry() });
    const { output } = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    const outcome = output as MigrationOutcome | undefined;
    if (outcome?.outcome !== "caught-up") {
      const cursor = await deps.state.getCursor();
      throw new Error(
        `The sample migration did not catch up: ${JSON.stringify(outcome)}; halt reason: ${cursor.haltReason ?? "none"}`,
      );
    }
    return { environment, env, settings, deps, stop: () => environment.stop() };
  } catch (error) {
    await environment.stop();
    throw error;
  }
}
