/**
 * Before a command's first step: does the storage answer, and does every Microsoft Entra ID
 * credential the settings use give a token? Each is asked once, without retries, so a machine that
 * is not signed in, or a storage emulator that is not running, is said in one line within seconds
 * instead of after minutes of retried steps and a halt.
 */
import { connect } from "node:net";
import type { Settings, StorageTarget } from "../config/settings";
import { isLoopbackUrl } from "../config/schema";
import type { CredentialTarget } from "../engine/checkAccess";
import {
  checkCredentials,
  credentialTargets,
  describeCredentialFailures,
} from "../engine/checkAccess";
import { parseStorageConnectionString } from "../storage/connectionString";
import { OperationFailedError } from "./errors";
import type { CliRuntime } from "./runtime";

/** How long one storage endpoint may take to accept a connection. */
const CONNECT_TIMEOUT_MS = 5_000;

interface StorageEndpoint {
  /** "table", "blob", "staging blob". */
  service: string;
  url: string;
  /** The settings that name it, for the message. */
  settings: string;
}

function endpointOf(target: StorageTarget, service: "table" | "blob"): string | undefined {
  if (target.kind === "identity") return target.endpoint;
  const info = parseStorageConnectionString(target.connectionString);
  return service === "table" ? info.tableEndpoint : info.blobEndpoint;
}

/** The storage endpoints the settings name, one per host and port. */
export function storageEndpoints(settings: Settings): StorageEndpoint[] {
  const { storage } = settings;
  const named = (target: StorageTarget, uriSetting: string) =>
    target.kind === "connectionString"
      ? "AzureWebJobsStorage"
      : `${uriSetting} or AzureWebJobsStorage__accountName`;
  const candidates: (StorageEndpoint | undefined)[] = [
    {
      service: "table",
      url: endpointOf(storage.tables, "table") ?? "",
      settings: named(storage.tables, "AZURE_StagingStorageUri"),
    },
    {
      service: "blob",
      url: endpointOf(storage.blobs, "blob") ?? "",
      settings: named(storage.blobs, "AZURE_BlobStorageUri"),
    },
    storage.stagingConnectionString !== undefined
      ? {
          service: "staging blob",
          url: parseStorageConnectionString(storage.stagingConnectionString).blobEndpoint ?? "",
          settings: "AZURE_StagingStorageConnectionString",
        }
      : storage.stagingAccountName !== undefined
        ? {
            service: "staging blob",
            url: `https://${storage.stagingAccountName}.blob.core.windows.net`,
            settings: "AZURE_stagingStorageAccountName",
          }
        : undefined,
  ];
  const seen = new Set<string>();
  return candidates.filter((e): e is StorageEndpoint => {
    if (e === undefined || e.url === "") return false;
    const key = new URL(e.url).host;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "http:" ? 80 : 443;
}

/** The error code of a failed connection, or undefined when it connected. */
function tryConnect(url: URL): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: portOf(url) });
    const done = (code: string | undefined) => {
      socket.destroy();
      resolve(code);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done("ETIMEDOUT"));
    socket.once("connect", () => done(undefined));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** What to do when nothing answers at a storage endpoint. */
export function unreachableStorageText(endpoint: StorageEndpoint, code: string): string {
  const url = new URL(endpoint.url);
  const where = `${url.hostname}:${portOf(url)}`;
  if (isLoopbackUrl(url))
    return (
      `Nothing answers at ${where} (${code}), the ${endpoint.service} endpoint of ${endpoint.settings}: it names a local storage emulator. ` +
      "Start Azurite there (`npx azurite --location .azurite`, in another terminal), or remove AzureWebJobsStorage from the settings: " +
      "`fhir-migrate run` then keeps the state in its own Azurite under .fhir-migrate."
    );
  return `The ${endpoint.service} endpoint ${url.origin} (${endpoint.settings}) cannot be reached (${code}): check the account name and this machine's network route to it (private endpoints: docs/private-link.md).`;
}

/** Throws OperationFailedError naming the first storage endpoint that does not accept a connection. */
export async function checkStorageReachable(settings: Settings): Promise<void> {
  const endpoints = storageEndpoints(settings);
  const codes = await Promise.all(endpoints.map((e) => tryConnect(new URL(e.url))));
  const failed = endpoints.findIndex((_, i) => codes[i] !== undefined);
  if (failed >= 0)
    throw new OperationFailedError(unreachableStorageText(endpoints[failed]!, codes[failed]!));
}

/**
 * The storage answers and every credential gives a token, or one line that says what to do
 * (OperationFailedError, exit 1). With --debug, what each credential answered comes first.
 */
export async function preflight(
  settings: Settings,
  runtime: CliRuntime,
  options: {
    debug: boolean;
    /** Whether the command talks to the FHIR servers (status and reset-retries read tables only). */
    servers: boolean;
  },
): Promise<void> {
  await checkStorageReachable(settings);
  const targets: CredentialTarget[] = (runtime.credentialTargets ?? credentialTargets)(
    settings,
  ).filter((t) => options.servers || t.use === "storage");
  const failures = await checkCredentials(targets);
  if (failures.length === 0) return;
  if (options.debug)
    for (const f of failures)
      runtime.stderr(`${f.target.target}: ${f.error.name}: ${f.error.message}\n`);
  throw new OperationFailedError(describeCredentialFailures(failures));
}
