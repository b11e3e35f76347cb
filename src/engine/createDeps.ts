import type { Settings } from "../config/settings";
import type { ProgressSink } from "../core/progress";
import { createFhirClient } from "../fhir/client";
import { cleanText } from "../fhir/redact";
import { allowedBlobAccounts } from "../storage/allowedBlobAccounts";
import { createBlobStore } from "../storage/blobStore";
import { MigrationStateStore } from "../storage/migrationStateStore";
import { createTableRepository } from "../storage/tableRepository";
import { createTelemetry } from "../telemetry/createTelemetry";
import type { Telemetry } from "../telemetry/telemetry";
import type { EngineClock, EngineDeps } from "./deps";

export interface DepsOverrides {
  telemetry?: Telemetry;
  clock?: EngineClock;
  log?: (message: string) => void;
  progress?: ProgressSink;
}

/**
 * A log function that cleans every line (src/fhir/redact.ts: credentials redacted, control
 * characters removed) before passing it on.
 */
export function redactingLog(log: (message: string) => void): (message: string) => void {
  return (message) => log(cleanText(message));
}

/** Builds the real clients and stores from settings. */
export function createEngineDeps(settings: Settings, overrides: DepsOverrides = {}): EngineDeps {
  // Bound once, so a clock object with ordinary methods works wherever `now` is passed alone.
  const given = overrides.clock;
  const clock: EngineClock =
    given === undefined
      ? {
          now: () => Date.now(),
          sleepUntil: (instantMs) =>
            new Promise((resolve) => setTimeout(resolve, Math.max(0, instantMs - Date.now()))),
        }
      : { now: () => given.now(), sleepUntil: (instantMs) => given.sleepUntil(instantMs) };
  const { storage } = settings;
  const extraAccounts =
    storage.stagingConnectionString === undefined ? [] : [storage.stagingConnectionString];
  // Server-named blob URLs are read only from the accounts the settings name.
  const allowedUrlAccounts = allowedBlobAccounts(storage);
  const blobs = createBlobStore(storage.blobs, {
    urlConnectionStrings: extraAccounts,
    allowedUrlAccounts,
  });
  // Self-staging writes files into the staging account's containers by name: the staging store's
  // own account must be the staging account (by connection string, or by name with the app's identity).
  const staging =
    storage.stagingConnectionString !== undefined
      ? createBlobStore(
          { kind: "connectionString", connectionString: storage.stagingConnectionString },
          { allowedUrlAccounts },
        )
      : storage.stagingAccountName !== undefined
        ? createBlobStore(
            {
              kind: "identity",
              endpoint: `https://${storage.stagingAccountName}.blob.core.windows.net`,
            },
            { allowedUrlAccounts },
          )
        : blobs;
  return {
    settings,
    source: createFhirClient(settings.source, settings.http, { now: clock.now }),
    destination: createFhirClient(settings.destination, settings.http, { now: clock.now }),
    state: new MigrationStateStore(
      createTableRepository(storage.tables, storage.cursorTable),
      createTableRepository(storage.tables, storage.exportTable),
      { partitionKey: storage.partitionKey, rowKey: storage.rowKey },
      clock.now,
    ),
    blobs,
    staging,
    telemetry: overrides.telemetry ?? createTelemetry(settings.telemetry),
    clock,
    // Log lines quote servers' messages and URLs: redacted here, where they enter the log.
    log: overrides.log === undefined ? () => {} : redactingLog(overrides.log),
    ...(overrides.progress === undefined ? {} : { progress: overrides.progress }),
  };
}
