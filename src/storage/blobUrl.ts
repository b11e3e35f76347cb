/**
 * Splits an absolute blob URL into account, service URL, container and blob name. Two styles:
 * - host-style (Azure): https://acct.blob.core.windows.net/container/dir/blob.ndjson
 * - path-style (Azurite and other emulators): http://127.0.0.1:10000/devstoreaccount1/container/blob
 * Path-style is recognised the way the storage SDK does it: an IP address or localhost host, or one
 * of the emulator's well-known ports.
 */
import { ConfigurationError } from "../errors";
import { withoutQuery } from "../fhir/redact";

export interface BlobUrlParts {
  accountName: string;
  /** Blob service URL without a trailing slash, e.g. https://acct.blob.core.windows.net. */
  serviceUrl: string;
  containerName: string;
  /** Decoded blob name, may contain "/". */
  blobName: string;
  style: "host" | "path";
}

/** The storage emulator's default ports (same list as the storage SDK's). */
const EMULATOR_PORTS = new Set([
  "10000",
  "10001",
  "10002",
  "10003",
  "10004",
  "10100",
  "10101",
  "10102",
  "10103",
  "10104",
  "11000",
  "11001",
  "11002",
  "11003",
  "11004",
  "11100",
  "11101",
  "11102",
  "11103",
  "11104",
]);

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

export function isPathStyleHost(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return (
    host.includes(":") || // IPv6
    IPV4.test(host) ||
    host === "localhost" ||
    host === "host.docker.internal" ||
    EMULATOR_PORTS.has(url.port)
  );
}

function invalid(url: URL, why: string): Error {
  // Only origin and path: the query string may carry a SAS signature.
  return new Error(`Not a blob URL (${why}): ${url.origin}${url.pathname}`);
}

export function parseBlobUrl(input: string): BlobUrlParts {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error("Not a blob URL: the text is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw invalid(url, "expected http or https");
  }
  // Split the encoded path, so an encoded "/" (%2F) inside a name does not split it.
  const segments = url.pathname.slice(1).split("/");
  const pathStyle = isPathStyleHost(url);
  const accountName = pathStyle ? segments.shift() : url.hostname.split(".")[0];
  const containerName = segments.shift();
  let blobName: string;
  try {
    blobName = segments.map(decodeURIComponent).join("/");
  } catch {
    throw invalid(url, "malformed percent-encoding in the blob name");
  }
  if (accountName === undefined || accountName === "") throw invalid(url, "no account name");
  if (containerName === undefined || containerName === "") throw invalid(url, "no container");
  if (blobName === "") throw invalid(url, "no blob name");
  return {
    accountName,
    serviceUrl: pathStyle ? `${url.origin}/${accountName}` : url.origin,
    containerName,
    blobName,
    style: pathStyle ? "path" : "host",
  };
}

/**
 * Blobs named by a server (export output files, import error files) are read only from the storage
 * accounts the settings name: the app's own blob account and the staging account. Any other host
 * would receive the app's storage token (or a request carrying a foreign SAS), so such a URL is
 * refused before any request is sent.
 */
export class BlobUrlRefusedError extends ConfigurationError {
  override readonly name: string = "BlobUrlRefusedError";
  constructor(
    /** The refused URL without its query string. */
    readonly url: string,
    readonly allowed: readonly string[],
  ) {
    const accounts = allowed.length === 0 ? "none" : allowed.join(", ");
    super([
      {
        setting: "AZURE_stagingStorageAccountName",
        received: `a setting under which ${url} is not allowed (allowed: ${accounts})`,
        expected: "the storage account both FHIR servers use for $export and $import",
      },
    ]);
    this.message = `Refused to read ${url}: it is not on a storage account the settings name (allowed: ${accounts}; set AZURE_stagingStorageAccountName to the account both FHIR servers use)`;
  }
}

export function isBlobUrlRefusedError(error: unknown): error is BlobUrlRefusedError {
  return error instanceof Error && error.name === "BlobUrlRefusedError";
}

/** A blob service URL in the form compared by the guard: lower case, no trailing slash. */
export function normalizeServiceUrl(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, "").toLowerCase();
}

/**
 * Throws BlobUrlRefusedError unless `url` is a blob URL on one of `allowedServiceUrls` (blob service
 * URLs such as https://acct.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1).
 */
export function assertAllowedBlobUrl(url: string, allowedServiceUrls: readonly string[]): void {
  const shown = withoutQuery(url);
  let serviceUrl: string;
  try {
    serviceUrl = normalizeServiceUrl(parseBlobUrl(url).serviceUrl);
  } catch {
    throw new BlobUrlRefusedError(shown.slice(0, 500), allowedServiceUrls);
  }
  if (!allowedServiceUrls.some((allowed) => normalizeServiceUrl(allowed) === serviceUrl)) {
    throw new BlobUrlRefusedError(shown.slice(0, 500), allowedServiceUrls);
  }
}
