/**
 * Engine deps for activity tests that fake one server answer: real state tables on the shared
 * Azurite (test/support/globalSetup.ts), in-memory telemetry, and the clients of the settings given,
 * with some of their methods replaced by `withFakes`.
 */
import { inject } from "vitest";
import type { Environment } from "../../src/config/settings";
import { parseSettings } from "../../src/config/settings";
import { createEngineDeps } from "../../src/engine/createDeps";
import type { EngineDeps } from "../../src/engine/deps";
import type { FhirClient } from "../../src/fhir/types";
import type { BlobStore } from "../../src/storage/blobStore";
import { InMemoryTelemetry } from "../../src/telemetry/telemetry";

/** Servers nothing listens on (a test fakes every call it expects) and the shared Azurite. */
export function unreachableServers(): Environment {
  return {
    AZURE_SourceUri: "http://127.0.0.1:9",
    AZURE_DestinationUri: "http://127.0.0.1:10",
    AzureWebJobsStorage: inject("azuriteConnectionString"),
  };
}

/** Deps from `env` with in-memory telemetry, their state tables created. */
export async function depsWithTables(
  env: Environment,
): Promise<EngineDeps & { telemetry: InMemoryTelemetry }> {
  const telemetry = new InMemoryTelemetry();
  const deps = createEngineDeps(parseSettings(env), { telemetry });
  await deps.state.ensure();
  return { ...deps, telemetry };
}

export interface Fakes {
  source?: Partial<FhirClient>;
  destination?: Partial<FhirClient>;
  staging?: Partial<BlobStore>;
}

/** The same deps with the given methods of the source, destination and staging store replaced. */
export function withFakes<D extends EngineDeps>(deps: D, fakes: Fakes): D {
  return {
    ...deps,
    source: { ...deps.source, ...fakes.source },
    destination: { ...deps.destination, ...fakes.destination },
    staging: { ...deps.staging, ...fakes.staging },
  };
}
