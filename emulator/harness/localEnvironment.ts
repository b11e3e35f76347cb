import type { Environment } from "../../src/config/settings";
import { parseSettings } from "../../src/config/settings";
import type { AzuriteInstance } from "../../src/local/azurite";
import { startAzurite } from "../../src/local/azurite";
import { startFhirEmulator } from "../index";
import type { EmulatorClock, FhirEmulator, LatencyModel } from "../types";

export interface LocalEnvironment {
  connectionString: string;
  blobEndpoint: string;
  source: FhirEmulator;
  destination: FhirEmulator;
  /** App settings for a migration between the two emulators; overrides win. */
  env(overrides?: Environment): Environment;
  stop(): Promise<void>;
}

export interface LocalEnvironmentOptions {
  /** Reuse a running Azurite (tests); otherwise one is started and stopped with the environment. */
  azurite?: { connectionString: string; blobEndpoint: string };
  latency?: LatencyModel;
  clock?: EmulatorClock;
  /** Separate clock for the source (seeding history); defaults to `clock`. */
  sourceClock?: EmulatorClock;
  rollingFileResources?: number;
}

/**
 * Azurite plus two emulators: the source as Azure API for FHIR, the destination as an AHDS FHIR
 * service, both configured with the same staging account (the tool's documented prerequisite).
 */
export async function startLocalEnvironment(
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  let owned: AzuriteInstance | undefined;
  const storage = options.azurite ?? (owned = await startAzurite());
  const common = {
    storageConnectionString: storage.connectionString,
    storageBlobEndpoint: storage.blobEndpoint,
    // The export status grace period (15 s on the server) is scaled with the rest of the latency
    // model: as long as an export's fixed part unless the caller sets it.
    latency: { exportStatusGraceMs: options.latency?.exportFixedMs ?? 0, ...options.latency },
    rollingFileResources: options.rollingFileResources,
  };
  const source = await startFhirEmulator({
    ...common,
    flavour: "apiForFhir",
    clock: options.sourceClock ?? options.clock,
  });
  const destination = await startFhirEmulator({ ...common, flavour: "ahds", clock: options.clock });
  return {
    connectionString: storage.connectionString,
    blobEndpoint: storage.blobEndpoint,
    source,
    destination,
    env: (overrides = {}) => ({
      AZURE_SourceUri: source.baseUrl,
      AZURE_DestinationUri: destination.baseUrl,
      AzureWebJobsStorage: storage.connectionString,
      AZURE_StagingStorageConnectionString: storage.connectionString,
      AZURE_ScheduleInterval: "0.01",
      AZURE_IdlePollMinutes: "0.02",
      AZURE_SafetyLagSeconds: "1",
      AZURE_ExportConfirmDelaySeconds: "1",
      AZURE_RetryCount: "8",
      AZURE_WaitForRetry: "0.05",
      AZURE_RetryMaxSeconds: "30",
      // One AZURE_ExportChunkTime step per window, so small seeded datasets still make several
      // windows; window sizing has its own tests (test/integration/engine/windowSizing.test.ts).
      AZURE_ChunkTargetResources: "0",
      // Every window of these small datasets would be self-staged from `_history`; tests of the
      // export path keep exporting. Self-staging has its own tests
      // (test/integration/engine/selfStaging.test.ts); the demo and the bench use the shipped default.
      AZURE_SelfStageMaxVersions: "0",
      ...overrides,
    }),
    async stop() {
      await source.close();
      await destination.close();
      await owned?.stop();
    },
  };
}

export function settingsFor(env: Environment) {
  return parseSettings(env);
}
