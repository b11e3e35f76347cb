/**
 * Reads the parts of a storage connection string this layer needs (account name and service
 * endpoints). The SDK clients are still built from the full string; the key never leaves it.
 */

export interface ConnectionStringInfo {
  accountName: string;
  /** Blob service endpoint without a trailing slash, e.g. http://127.0.0.1:10000/devstoreaccount1. */
  blobEndpoint: string | undefined;
  /** Table service endpoint without a trailing slash. */
  tableEndpoint: string | undefined;
}

const DEVELOPMENT_ACCOUNT = "devstoreaccount1";

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function accountFromEndpoint(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  const firstSegment = url.pathname.split("/").find((s) => s !== "");
  // Path-style endpoints (emulators) carry the account in the path; host-style ones in the host.
  return firstSegment ?? url.hostname.split(".")[0];
}

/** Throws (without echoing the string, which holds a key) when the string has no usable account. */
export function parseStorageConnectionString(connectionString: string): ConnectionStringInfo {
  const parts = new Map<string, string>();
  for (const segment of connectionString.split(";")) {
    const eq = segment.indexOf("=");
    if (eq <= 0) continue;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  if (parts.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    return {
      accountName: DEVELOPMENT_ACCOUNT,
      blobEndpoint: `http://127.0.0.1:10000/${DEVELOPMENT_ACCOUNT}`,
      tableEndpoint: `http://127.0.0.1:10002/${DEVELOPMENT_ACCOUNT}`,
    };
  }
  const explicitBlob = parts.get("blobendpoint");
  const explicitTable = parts.get("tableendpoint");
  const accountName =
    parts.get("accountname") ??
    (explicitBlob !== undefined ? accountFromEndpoint(explicitBlob) : undefined) ??
    (explicitTable !== undefined ? accountFromEndpoint(explicitTable) : undefined);
  if (accountName === undefined || accountName === "") {
    throw new Error(
      "The storage connection string names no account: expected AccountName=... or " +
        "BlobEndpoint=.../TableEndpoint=..., or UseDevelopmentStorage=true",
    );
  }
  const protocol = (parts.get("defaultendpointsprotocol") ?? "https").toLowerCase();
  const suffix = parts.get("endpointsuffix") ?? "core.windows.net";
  const derive = (service: "blob" | "table") =>
    parts.has("accountname") ? `${protocol}://${accountName}.${service}.${suffix}` : undefined;
  return {
    accountName,
    blobEndpoint: withoutTrailingSlash(explicitBlob ?? derive("blob") ?? "") || undefined,
    tableEndpoint: withoutTrailingSlash(explicitTable ?? derive("table") ?? "") || undefined,
  };
}
