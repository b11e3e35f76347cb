import {
  BlobClient,
  BlobSASPermissions,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type BlobBeginCopyFromUrlPollState,
  type ContainerClient,
  type UserDelegationKey,
} from "@azure/storage-blob";
import type { TokenCredential } from "@azure/identity";
import type { StorageTarget } from "../config/settings";
import { assertAllowedBlobUrl, normalizeServiceUrl, parseBlobUrl } from "./blobUrl";
import { defaultStorageCredential } from "./credential";
import { splitLines } from "./lines";
import { withoutQuery } from "../fhir/redact";
import { isStorageError, storageErrorCode, storageStatus } from "./storageErrors";

/**
 * Blob access: the app's own container (import payload bodies, stored manifests) by name, and any
 * blob by absolute URL (export outputs, import error files in the staging account). URLs returned
 * and printed never carry a query string, so a SAS never leaks into rows, logs or messages.
 */
export interface BlobStore {
  /** The blob service URL of this store's own account (no trailing slash, no query). */
  readonly serviceUrl: string;
  /** Creates the container if it does not exist. */
  ensureContainer(container: string): Promise<void>;
  /** Writes (or overwrites) a UTF-8 text blob. */
  putText(
    container: string,
    name: string,
    text: string,
    contentType?: string,
  ): Promise<{ url: string }>;
  /** The blob's text, or undefined when the blob does not exist (a missing container is an error). */
  getText(container: string, name: string): Promise<string | undefined>;
  /** Blob names under the prefix, in name order, fetched page by page. */
  list(container: string, prefix?: string): AsyncIterable<string>;
  /** Blobs under the prefix with their sizes; a container that does not exist holds none. */
  listSizes(container: string, prefix?: string): AsyncIterable<{ name: string; bytes: number }>;
  /** Deletes one blob (and its snapshots); false when it was not there. */
  deleteBlob(container: string, name: string): Promise<boolean>;
  /** Deletes every blob under the (non-empty) prefix; returns how many were deleted. */
  deletePrefix(container: string, prefix: string): Promise<number>;
  /** Reads a blob by URL line by line while it downloads (see lines.ts for the line rules). */
  readLinesByUrl(url: string): AsyncIterable<string>;
  /** Reads a whole blob by URL as UTF-8 text (byte order mark removed). */
  readTextByUrl(url: string): Promise<string>;
  /**
   * Writes (or overwrites) a UTF-8 text blob at an absolute URL, with the access used for reading
   * that URL (a known account's key, the URL's SAS, or the app's identity): blobs next to export
   * files in the staging account, whatever account this store's own container is in.
   */
  putTextAtUrl(url: string, text: string, contentType?: string): Promise<void>;
  /** Deletes the blob at an absolute URL; a blob that is not there is not an error. */
  deleteAtUrl(url: string): Promise<void>;
  /** Server-side copy of the blob at sourceUrl into this store's container; waits until done. */
  copyFromUrl(sourceUrl: string, container: string, name: string): Promise<{ url: string }>;
}

export interface BlobStoreOptions {
  /** Credential for identity targets and for URLs on accounts without a connection string. */
  credential?: TokenCredential;
  /**
   * Connection strings of other accounts whose blobs are read or copied by URL (local runs: the
   * staging account's Azurite). URLs on those accounts use that account's key or SAS.
   */
  urlConnectionStrings?: readonly string[];
  /**
   * When set, blobs are read by URL only from these blob service URLs (the accounts the settings
   * name); any other URL is refused with BlobUrlRefusedError before a request is sent.
   */
  allowedUrlAccounts?: readonly string[];
  /** How often a pending server-side copy is checked (default 2 s). */
  copyPollIntervalMs?: number;
  /** How long a server-side copy may stay pending before it is aborted (default 1 h). */
  copyTimeoutMs?: number;
  /** Test seams. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/** Thrown when a blob read by URL does not exist. The URL is shown without its query string. */
export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
  constructor(readonly url: string) {
    super(`Blob not found: ${url}`);
  }
}

const CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const DELETE_CONCURRENCY = 16;
/** Lifetime of the read SAS a copy source gets: long enough for a large cross-account copy. */
const COPY_SAS_MS = 4 * 60 * 60_000;
const CLOCK_SKEW_MS = 5 * 60_000;

interface KnownAccount {
  /** Service URL: origin + path, no trailing slash, no query. */
  endpoint: string;
  service: BlobServiceClient;
}

function endpointKey(url: string): string {
  const u = new URL(withoutQuery(url));
  return u.origin + u.pathname.replace(/\/+$/, "");
}

function checkContainer(container: string): void {
  if (!CONTAINER_NAME.test(container)) {
    throw new TypeError(
      `Container name "${container}" is invalid: expected 3-63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit`,
    );
  }
}

/** Clear messages for the failures a person must act on; everything else passes unchanged. */
function readFailure(error: unknown, url: string): unknown {
  const shown = withoutQuery(url);
  const status = storageStatus(error);
  if (status === 404) return new BlobNotFoundError(shown);
  if (status === 401 || status === 403) {
    const code = storageErrorCode(error);
    return new Error(
      `No access to blob ${shown} (HTTP ${status}${code === undefined ? "" : ` ${code}`}): ` +
        "the app's identity needs the Storage Blob Data Reader role on that storage account",
    );
  }
  return error;
}

/**
 * A failed copy start: the service reports an unreadable source as CannotVerifyCopySource (Azurite
 * as BlobNotFound); ContainerNotFound and other 403s concern the destination.
 */
function copyFailure(error: unknown, sourceUrl: string, destinationUrl: string): unknown {
  const code = storageErrorCode(error);
  if (code === "CannotVerifyCopySource" || code === "BlobNotFound") {
    return storageStatus(error) === 404
      ? new BlobNotFoundError(withoutQuery(sourceUrl))
      : readFailure(error, sourceUrl);
  }
  const status = storageStatus(error);
  if (status === 401 || status === 403) {
    return new Error(
      `No write access to ${destinationUrl} (HTTP ${status}${code === undefined ? "" : ` ${code}`}): ` +
        "the app's identity needs the Storage Blob Data Contributor role on that storage account",
    );
  }
  return error;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) {
    parts.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  }
  return Buffer.concat(parts);
}

function decodeText(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function createBlobStore(target: StorageTarget, options: BlobStoreOptions = {}): BlobStore {
  const credential = () => options.credential ?? defaultStorageCredential();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? (() => new Date());
  const pollMs = options.copyPollIntervalMs ?? 2000;
  const copyTimeoutMs = options.copyTimeoutMs ?? 60 * 60_000;

  const primary =
    target.kind === "connectionString"
      ? BlobServiceClient.fromConnectionString(target.connectionString)
      : new BlobServiceClient(target.endpoint, credential());
  const known: KnownAccount[] = [
    ...(target.kind === "connectionString" ? [target.connectionString] : []),
    ...(options.urlConnectionStrings ?? []),
  ].map((cs) => {
    const service = BlobServiceClient.fromConnectionString(cs);
    return { endpoint: endpointKey(service.url), service };
  });
  const delegationKeys = new Map<string, { key: UserDelegationKey; expiresOn: Date }>();

  const container = (name: string): ContainerClient => {
    checkContainer(name);
    return primary.getContainerClient(name);
  };

  /** The client to read a URL with: a known account's key, the URL's own SAS, or the token. */
  function clientForUrl(url: string): { client: BlobClient; kind: "known" | "sas" | "token" } {
    parseBlobUrl(url); // validates the shape first, with an error that never shows the query
    const key = endpointKey(url);
    for (const account of known) {
      if (!key.startsWith(`${account.endpoint}/`)) continue;
      const rest = key.slice(account.endpoint.length + 1);
      const slash = rest.indexOf("/");
      if (slash <= 0 || slash === rest.length - 1) {
        throw new Error(`Not a blob URL (no container or blob name): ${withoutQuery(url)}`);
      }
      const containerName = rest.slice(0, slash);
      const blobName = rest
        .slice(slash + 1)
        .split("/")
        .map(decodeURIComponent)
        .join("/");
      return {
        client: account.service.getContainerClient(containerName).getBlobClient(blobName),
        kind: "known",
      };
    }
    if (new URL(url).searchParams.has("sig")) return { client: new BlobClient(url), kind: "sas" };
    return { client: new BlobClient(withoutQuery(url), credential()), kind: "token" };
  }

  async function download(url: string): Promise<NodeJS.ReadableStream> {
    if (options.allowedUrlAccounts !== undefined)
      assertAllowedBlobUrl(url, options.allowedUrlAccounts);
    const { client } = clientForUrl(url);
    let body: NodeJS.ReadableStream | undefined;
    try {
      // maxRetryRequests: the SDK resumes a broken download from the last byte received.
      body = (await client.download(0, undefined, { maxRetryRequests: 5 })).readableStreamBody;
    } catch (error) {
      throw readFailure(error, url);
    }
    if (body === undefined) throw new Error(`Blob ${withoutQuery(url)} returned no body`);
    return body;
  }

  /** A URL the destination service can read the source from. */
  async function readableSourceUrl(sourceUrl: string): Promise<string> {
    if (options.allowedUrlAccounts !== undefined)
      assertAllowedBlobUrl(sourceUrl, options.allowedUrlAccounts);
    const { client, kind } = clientForUrl(sourceUrl);
    if (kind === "sas") return sourceUrl;
    const startsOn = new Date(now().getTime() - CLOCK_SKEW_MS);
    const expiresOn = new Date(now().getTime() + COPY_SAS_MS);
    const permissions = BlobSASPermissions.parse("r");
    if (kind === "known") {
      if (client.credential instanceof StorageSharedKeyCredential) {
        return client.generateSasUrl({ permissions, startsOn, expiresOn });
      }
      return client.url; // a SAS connection string: the client URL already carries the SAS
    }
    // Token: a user delegation SAS, signed with a key the app's identity obtains for that account.
    const parts = parseBlobUrl(sourceUrl);
    let cached = delegationKeys.get(parts.serviceUrl);
    if (cached === undefined || cached.expiresOn.getTime() - now().getTime() < COPY_SAS_MS) {
      const keyExpiresOn = new Date(now().getTime() + 2 * COPY_SAS_MS);
      const service = new BlobServiceClient(parts.serviceUrl, credential());
      cached = {
        key: await service.getUserDelegationKey(startsOn, keyExpiresOn),
        expiresOn: keyExpiresOn,
      };
      delegationKeys.set(parts.serviceUrl, cached);
    }
    return client.generateUserDelegationSasUrl({ permissions, startsOn, expiresOn }, cached.key);
  }

  return {
    serviceUrl: normalizeServiceUrl(withoutQuery(primary.url)),

    async ensureContainer(name) {
      await container(name).createIfNotExists();
    },

    async putText(name, blobName, text, contentType = "text/plain; charset=utf-8") {
      const blob = container(name).getBlockBlobClient(blobName);
      await blob.uploadData(Buffer.from(text, "utf8"), {
        blobHTTPHeaders: { blobContentType: contentType },
      });
      return { url: withoutQuery(blob.url) };
    },

    async putTextAtUrl(url, text, contentType = "text/plain; charset=utf-8") {
      const { client } = clientForUrl(url);
      await client.getBlockBlobClient().uploadData(Buffer.from(text, "utf8"), {
        blobHTTPHeaders: { blobContentType: contentType },
      });
    },

    async deleteAtUrl(url) {
      const { client } = clientForUrl(url);
      await client.deleteIfExists();
    },

    async getText(name, blobName) {
      try {
        const response = await container(name).getBlobClient(blobName).download();
        if (response.readableStreamBody === undefined) {
          throw new Error(`Blob ${name}/${blobName} returned no body`);
        }
        return decodeText(await readAll(response.readableStreamBody));
      } catch (error) {
        // BlobNotFound only: ContainerNotFound (also 404) is a setup error and propagates.
        if (isStorageError(error, 404, ["BlobNotFound"])) return undefined;
        throw error;
      }
    },

    async *list(name, prefix) {
      for await (const item of container(name).listBlobsFlat(
        prefix === undefined ? {} : { prefix },
      )) {
        yield item.name;
      }
    },

    async *listSizes(name, prefix) {
      try {
        for await (const item of container(name).listBlobsFlat(
          prefix === undefined ? {} : { prefix },
        ))
          yield { name: item.name, bytes: item.properties.contentLength ?? 0 };
      } catch (error) {
        if (!isStorageError(error, 404, ["ContainerNotFound"])) throw error;
      }
    },

    async deleteBlob(name, blobName) {
      const result = await container(name)
        .getBlobClient(blobName)
        .deleteIfExists({ deleteSnapshots: "include" });
      return result.succeeded;
    },

    async deletePrefix(name, prefix) {
      if (prefix === "") {
        throw new TypeError(`deletePrefix needs a non-empty prefix (container "${name}")`);
      }
      const client = container(name);
      let deleted = 0;
      let batch: Promise<void>[] = [];
      const drain = async () => {
        await Promise.all(batch);
        batch = [];
      };
      for await (const item of client.listBlobsFlat({ prefix })) {
        batch.push(
          client
            .getBlobClient(item.name)
            .deleteIfExists({ deleteSnapshots: "include" })
            .then((r) => {
              if (r.succeeded) deleted += 1;
            }),
        );
        if (batch.length >= DELETE_CONCURRENCY) await drain();
      }
      await drain();
      return deleted;
    },

    async *readLinesByUrl(url) {
      yield* splitLines(await download(url));
    },

    async readTextByUrl(url) {
      return decodeText(await readAll(await download(url)));
    },

    async copyFromUrl(sourceUrl, name, blobName) {
      const destination = container(name).getBlobClient(blobName);
      const shown = `${withoutQuery(sourceUrl)} to ${withoutQuery(destination.url)}`;
      let status: string | undefined;
      let copyId: string | undefined;
      try {
        // Only the start is taken from the SDK's poller (it polls no further than this): its loop
        // never ends on an "aborted" copy, so waiting is done below.
        const poller = await destination.beginCopyFromURL(await readableSourceUrl(sourceUrl));
        const state = poller.getOperationState() as BlobBeginCopyFromUrlPollState;
        status = state.isCompleted ? "success" : "pending";
        copyId = state.copyId;
      } catch (error) {
        throw copyFailure(error, sourceUrl, withoutQuery(destination.url));
      }
      const deadline = now().getTime() + copyTimeoutMs;
      let description: string | undefined;
      while (status === "pending") {
        if (now().getTime() > deadline) {
          if (copyId !== undefined) await destination.abortCopyFromURL(copyId);
          throw new Error(`Copy of ${shown} still pending after ${copyTimeoutMs} ms; aborted`);
        }
        await sleep(pollMs);
        const properties = await destination.getProperties();
        status = properties.copyStatus;
        description = properties.copyStatusDescription;
      }
      if (status !== "success") {
        throw new Error(
          `Copy of ${shown} ended with status ${status ?? "unknown"}${description === undefined ? "" : `: ${description}`}`,
        );
      }
      return { url: withoutQuery(destination.url) };
    },
  };
}
