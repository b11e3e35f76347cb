/**
 * The emulator as a process of its own (`npm run emulator -- --profile cosmos`): for trying the
 * migrator, the CLI or a FHIR client against a local server without writing a test. The argument
 * parsing and the start live here; emulator/start.ts is the thin entry point.
 */
import { parseArgs } from "node:util";
import type { AzuriteInstance } from "../src/local/azurite";
import { startAzurite } from "../src/local/azurite";
import { startFhirEmulator } from "./server";
import type { FhirEmulator, Flavour } from "./types";

/** The store profiles, by the name the standalone start takes. */
export const PROFILES = {
  cosmos: { flavour: "apiForFhir", server: "Azure API for FHIR (Cosmos DB store)" },
  sql: { flavour: "ahds", server: "Azure Health Data Services FHIR service (SQL store)" },
} as const satisfies Record<string, { flavour: Flavour; server: string }>;

export type ProfileName = keyof typeof PROFILES;

export interface StandaloneOptions {
  profile: ProfileName;
  /** 0: a free port. */
  port: number;
  /** A storage account connection string with a BlobEndpoint; unset: an in-memory Azurite. */
  storage?: string;
  bearerToken?: string;
  seed?: number;
  initialImportMode: boolean;
}

export const USAGE = `Usage: npm run emulator -- --profile cosmos|sql [options]

Starts one FHIR server emulator on 127.0.0.1 and prints its base URL on the first line of stdout.

  --profile cosmos|sql        cosmos: ${PROFILES.cosmos.server}
                              sql:    ${PROFILES.sql.server}
  --port <n>                  listen port, 0 to 65535 (default 0: a free port)
  --storage <connection>      staging storage account connection string with a BlobEndpoint
                              (default: start an in-memory Azurite, stopped with the emulator)
  --bearer-token <token>      every request but /metadata needs "Authorization: Bearer <token>"
  --seed <n>                  seed of the job id and rate-based fault generators (default 1)
  --initial-import-mode       writes answer 423, as a server in initial import mode does
  --help                      this text`;

/** Bad command-line input: the message names what is wrong and what is accepted. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `${flag} accepts a whole number from ${min} to ${max}; received "${text}".`,
    );
  }
  return Number(text);
}

/** Parses the arguments after `npm run emulator --`; "help" when --help is given. */
export function parseStandaloneArgs(argv: readonly string[]): StandaloneOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        profile: { type: "string" },
        port: { type: "string" },
        storage: { type: "string" },
        "bearer-token": { type: "string" },
        seed: { type: "string" },
        "initial-import-mode": { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help === true) return "help";
  const names = Object.keys(PROFILES).join(", ");
  if (values.profile === undefined) {
    throw new UsageError(`--profile is required; accepted: ${names}.`);
  }
  if (!Object.hasOwn(PROFILES, values.profile)) {
    throw new UsageError(`--profile accepts ${names}; received "${values.profile}".`);
  }
  const storage = values.storage;
  if (storage !== undefined) blobEndpointOf(storage);
  return {
    profile: values.profile as ProfileName,
    port: values.port === undefined ? 0 : integer("--port", values.port, 0, 65_535),
    ...(storage !== undefined ? { storage } : {}),
    ...(values["bearer-token"] !== undefined ? { bearerToken: values["bearer-token"] } : {}),
    ...(values.seed !== undefined
      ? { seed: integer("--seed", values.seed, 0, Number.MAX_SAFE_INTEGER) }
      : {}),
    initialImportMode: values["initial-import-mode"] === true,
  };
}

/** The BlobEndpoint of a connection string: where the emulator writes and reads NDJSON. */
function blobEndpointOf(connectionString: string): string {
  const part = connectionString
    .split(";")
    .map((p) => p.trim())
    .find((p) => p.toLowerCase().startsWith("blobendpoint="));
  const endpoint = part?.slice("blobendpoint=".length);
  if (endpoint === undefined || endpoint === "") {
    throw new UsageError(
      "--storage needs a connection string with BlobEndpoint=<url> (for Azurite " +
        "http://127.0.0.1:<port>/devstoreaccount1); it has none.",
    );
  }
  return endpoint;
}

export interface StandaloneEmulator {
  readonly emulator: FhirEmulator;
  readonly blobEndpoint: string;
  /** Set when the start began its own Azurite (no --storage). */
  readonly azurite: AzuriteInstance | undefined;
  stop(): Promise<void>;
}

/** Starts the emulator (and an Azurite when no storage is given). */
export async function startStandalone(options: StandaloneOptions): Promise<StandaloneEmulator> {
  const azurite = options.storage === undefined ? await startAzurite() : undefined;
  const connectionString = options.storage ?? azurite?.connectionString ?? "";
  const blobEndpoint = blobEndpointOf(connectionString);
  let emulator: FhirEmulator;
  try {
    emulator = await startFhirEmulator({
      flavour: PROFILES[options.profile].flavour,
      storageConnectionString: connectionString,
      storageBlobEndpoint: blobEndpoint,
      port: options.port,
      initialImportMode: options.initialImportMode,
      ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
  } catch (error) {
    await azurite?.stop();
    throw error;
  }
  return {
    emulator,
    blobEndpoint,
    azurite,
    async stop() {
      await emulator.close();
      await azurite?.stop();
    },
  };
}
