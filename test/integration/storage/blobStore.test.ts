import { randomUUID } from "node:crypto";
import { BlobClient, BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import type { StorageTarget } from "../../../src/config/settings";
import { BlobNotFoundError, createBlobStore, type BlobStore } from "../../../src/storage/blobStore";

const target = (): StorageTarget => ({
  kind: "connectionString",
  connectionString: inject("azuriteConnectionString"),
});
const uniqueContainer = () => `c-${randomUUID()}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}

describe("blob store against Azurite", () => {
  let store: BlobStore;
  let container: string;

  beforeEach(async () => {
    store = createBlobStore(target());
    container = uniqueContainer();
    await store.ensureContainer(container);
  });

  it("ensureContainer succeeds when the container already exists", async () => {
    await expect(store.ensureContainer(container)).resolves.toBeUndefined();
  });

  it("getText returns what putText stored", async () => {
    await store.putText(container, "dir/a.json", '{"a":"é"}', "application/json");
    expect(await store.getText(container, "dir/a.json")).toBe('{"a":"é"}');
  });

  it("putText returns the blob's URL", async () => {
    const { url } = await store.putText(container, "dir/a.json", "{}");
    expect(url).toBe(`${inject("azuriteBlobEndpoint")}/${container}/dir/a.json`);
  });

  it("getText of a missing blob returns undefined", async () => {
    expect(await store.getText(container, "missing.json")).toBeUndefined();
  });

  it("getText in a missing container rejects", async () => {
    await expect(store.getText(uniqueContainer(), "a.json")).rejects.toThrow(
      /container does not exist/i,
    );
  });

  it("list returns the names under the prefix only", async () => {
    for (const name of ["run1/a", "run1/b", "run2/a"]) await store.putText(container, name, "x");
    expect(await collect(store.list(container, "run1/"))).toEqual(["run1/a", "run1/b"]);
  });

  it("deletePrefix deletes the blobs under the prefix and counts them", async () => {
    for (const name of ["run1/a", "run1/b", "run2/a"]) await store.putText(container, name, "x");
    expect(await store.deletePrefix(container, "run1/")).toBe(2);
    expect(await collect(store.list(container))).toEqual(["run2/a"]);
  });

  it("deletePrefix refuses an empty prefix", async () => {
    await expect(store.deletePrefix(container, "")).rejects.toThrow(/non-empty prefix/);
  });

  it("rejects an invalid container name, naming it", async () => {
    await expect(store.getText("Bad_Name", "a")).rejects.toThrow(/Container name "Bad_Name"/);
  });

  it("readTextByUrl reads a blob of the connection string's account by URL", async () => {
    const { url } = await store.putText(container, "manifest.json", '{"output":[]}');
    expect(await store.readTextByUrl(url)).toBe('{"output":[]}');
  });

  it("readTextByUrl of a missing blob rejects with BlobNotFoundError", async () => {
    const url = `${inject("azuriteBlobEndpoint")}/${container}/missing.ndjson`;
    await expect(store.readTextByUrl(url)).rejects.toThrow(BlobNotFoundError);
  });

  it("readLinesByUrl streams a multi-MB CRLF blob line by line", async () => {
    const count = 40_000;
    const line = (i: number) => `{"resourceType":"Patient","id":"p${i}","pad":"${"x".repeat(80)}"}`;
    // CRLF everywhere and no newline after the last line; about 4 MB.
    const body = Array.from({ length: count }, (_, i) => line(i)).join("\r\n");
    const { url } = await store.putText(container, "Patient-1.ndjson", body);
    let seen = 0;
    for await (const got of store.readLinesByUrl(url)) {
      if (got !== line(seen)) throw new Error(`line ${seen} differs: ${got.slice(0, 60)}`);
      seen += 1;
    }
    expect(seen).toBe(count);
  });

  it("readLinesByUrl lets the caller stop early", async () => {
    const { url } = await store.putText(container, "a.ndjson", "one\ntwo\nthree\n");
    const first: string[] = [];
    for await (const got of store.readLinesByUrl(url)) {
      first.push(got);
      break;
    }
    expect(first).toEqual(["one"]);
  });

  it("copyFromUrl copies a blob server-side", async () => {
    const { url } = await store.putText(container, "src/Patient-1.ndjson", "a\nb\n");
    const target2 = uniqueContainer();
    await store.ensureContainer(target2);
    const copied = await store.copyFromUrl(url, target2, "copy/Patient-1.ndjson");
    expect(copied.url).toBe(`${inject("azuriteBlobEndpoint")}/${target2}/copy/Patient-1.ndjson`);
    expect(await store.getText(target2, "copy/Patient-1.ndjson")).toBe("a\nb\n");
  });

  it("copyFromUrl into a missing container rejects without blaming the source", async () => {
    const { url } = await store.putText(container, "a.ndjson", "a");
    await expect(store.copyFromUrl(url, uniqueContainer(), "a.ndjson")).rejects.toThrow(
      /container does not exist/i,
    );
  });

  it("copyFromUrl of a missing source rejects with BlobNotFoundError", async () => {
    const url = `${inject("azuriteBlobEndpoint")}/${container}/missing.ndjson`;
    await expect(store.copyFromUrl(url, container, "copy.ndjson")).rejects.toThrow(
      BlobNotFoundError,
    );
  });
});

describe("blob store reading URLs of other accounts", () => {
  const fakeCredential = {
    getToken: async () => ({ token: "fake", expiresOnTimestamp: Date.now() + 3600_000 }),
  };
  /** A store whose own account is elsewhere, so Azurite URLs are "another account" to it. */
  const foreignStore = () =>
    createBlobStore(
      { kind: "identity", endpoint: "https://migstor.blob.core.windows.net" },
      { credential: fakeCredential },
    );

  async function seed(name: string, text: string) {
    const service = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
    const containerClient = service.getContainerClient(uniqueContainer());
    await containerClient.create();
    const blob = containerClient.getBlockBlobClient(name);
    await blob.upload(text, Buffer.byteLength(text));
    return blob;
  }

  it("reads with the key of a matching extra connection string", async () => {
    const blob = await seed("Patient.ndjson", "a\r\nb");
    const store = createBlobStore(
      { kind: "identity", endpoint: "https://migstor.blob.core.windows.net" },
      { credential: fakeCredential, urlConnectionStrings: [inject("azuriteConnectionString")] },
    );
    expect(await collect(store.readLinesByUrl(blob.url))).toEqual(["a", "b"]);
  });

  it("putTextAtUrl writes next to a file of another account, and deleteAtUrl removes it", async () => {
    const blob = await seed("Observation-1.ndjson", "x");
    const store = createBlobStore(
      { kind: "identity", endpoint: "https://migstor.blob.core.windows.net" },
      { credential: fakeCredential, urlConnectionStrings: [inject("azuriteConnectionString")] },
    );
    const url = blob.url.replace("Observation-1.ndjson", "parts/p.ndjson");
    await store.putTextAtUrl(url, "a\nb\n", "application/fhir+ndjson");
    expect(await store.readTextByUrl(url)).toBe("a\nb\n");
    await store.deleteAtUrl(url);
    await expect(store.readTextByUrl(url)).rejects.toThrow(BlobNotFoundError);
    await expect(store.deleteAtUrl(url)).resolves.toBeUndefined();
  });

  it("reads a SAS URL of an unknown account with the SAS alone", async () => {
    const blob = await seed("error.ndjson", "line");
    const sasUrl = await blob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    expect(await foreignStore().readTextByUrl(sasUrl)).toBe("line");
  });

  it("reads a URL of an unknown account without SAS with the token credential", async () => {
    const blob = await seed("x.ndjson", "line");
    // The bearer-token policy refuses plain http before any request: proof the token path was taken.
    await expect(foreignStore().readTextByUrl(blob.url)).rejects.toThrow(/Bearer token/i);
  });

  it("keeps the SAS out of a not-found error", async () => {
    const blob = await seed("present.ndjson", "line");
    const sasUrl = await blob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const missing = sasUrl.replace("present.ndjson", "absent.ndjson");
    const error = await foreignStore()
      .readTextByUrl(missing)
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("absent.ndjson");
    expect((error as Error).message).not.toMatch(/sig=|sv=/);
  });
});

describe("blob store waiting for a pending copy", () => {
  // Azurite finishes copies at once, so the service's "pending" answers are simulated.
  const pending = () =>
    vi.spyOn(BlobClient.prototype, "beginCopyFromURL").mockResolvedValue({
      getOperationState: () => ({ isCompleted: false, copyId: "copy-1" }),
    } as never);
  const statuses = (...copyStatus: string[]) => {
    const spy = vi.spyOn(BlobClient.prototype, "getProperties");
    for (const status of copyStatus) spy.mockResolvedValueOnce({ copyStatus: status } as never);
    return spy;
  };
  const source = () => `${inject("azuriteBlobEndpoint")}/src/a.ndjson`;

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("polls until the copy succeeds, sleeping between checks", async () => {
    pending();
    statuses("pending", "success");
    const sleeps: number[] = [];
    const store = createBlobStore(target(), {
      copyPollIntervalMs: 250,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await store.copyFromUrl(source(), "dest", "a.ndjson");
    expect(sleeps).toEqual([250, 250]);
  });

  it("rejects when the copy ends aborted", async () => {
    pending();
    statuses("aborted");
    const store = createBlobStore(target(), { sleep: async () => {} });
    await expect(store.copyFromUrl(source(), "dest", "a.ndjson")).rejects.toThrow(
      /ended with status aborted/,
    );
  });

  it("aborts a copy still pending after the time limit", async () => {
    pending();
    statuses("pending", "pending", "pending");
    const abort = vi.spyOn(BlobClient.prototype, "abortCopyFromURL").mockResolvedValue({} as never);
    let clock = 0;
    const store = createBlobStore(target(), {
      copyTimeoutMs: 1000,
      copyPollIntervalMs: 600,
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
      },
    });
    await expect(store.copyFromUrl(source(), "dest", "a.ndjson")).rejects.toThrow(
      /still pending after 1000 ms; aborted/,
    );
    expect(abort).toHaveBeenCalledWith("copy-1");
  });
});
