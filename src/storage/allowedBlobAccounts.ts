import type { Settings, StorageTarget } from "../config/settings";
import { normalizeServiceUrl } from "./blobUrl";
import { parseStorageConnectionString } from "./connectionString";

function blobEndpointOf(target: StorageTarget): string | undefined {
  if (target.kind === "identity") return target.endpoint;
  return parseStorageConnectionString(target.connectionString).blobEndpoint;
}

/**
 * The blob service URLs the app reads server-named blobs from: its own blob account (payload
 * bodies, stored manifests) and the staging account (AZURE_stagingStorageAccountName, or
 * AZURE_StagingStorageConnectionString for local runs). Every other account is refused
 * (src/storage/blobUrl.ts, assertAllowedBlobUrl).
 */
export function allowedBlobAccounts(storage: Settings["storage"]): string[] {
  const endpoints = [
    blobEndpointOf(storage.blobs),
    storage.stagingAccountName === undefined
      ? undefined
      : `https://${storage.stagingAccountName}.blob.core.windows.net`,
    storage.stagingConnectionString === undefined
      ? undefined
      : parseStorageConnectionString(storage.stagingConnectionString).blobEndpoint,
  ];
  return [
    ...new Set(
      endpoints.filter((e): e is string => e !== undefined && e !== "").map(normalizeServiceUrl),
    ),
  ];
}
