import { DefaultAzureCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";

let shared: TokenCredential | undefined;

/**
 * One DefaultAzureCredential per process, created on first use: each instance keeps its own token
 * cache, so sharing it avoids a token request per client. In Azure it resolves to the app's
 * managed identity; locally to the developer's Azure CLI / environment login.
 */
export function defaultStorageCredential(): TokenCredential {
  shared ??= new DefaultAzureCredential();
  return shared;
}
