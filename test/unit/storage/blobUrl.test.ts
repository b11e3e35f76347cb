import { describe, expect, it } from "vitest";
import { allowedBlobAccounts } from "../../../src/storage/allowedBlobAccounts";
import {
  BlobUrlRefusedError,
  assertAllowedBlobUrl,
  isBlobUrlRefusedError,
  parseBlobUrl,
} from "../../../src/storage/blobUrl";

// Pure parsing (no Azurite needed); it sits with the blob store tests it serves.
describe("parseBlobUrl", () => {
  it("parses a host-style Azure URL", () => {
    expect(
      parseBlobUrl("https://fhirstaging01.blob.core.windows.net/export-4721/Patient-4730-1.ndjson"),
    ).toEqual({
      accountName: "fhirstaging01",
      serviceUrl: "https://fhirstaging01.blob.core.windows.net",
      containerName: "export-4721",
      blobName: "Patient-4730-1.ndjson",
      style: "host",
    });
  });

  it("parses a path-style Azurite URL", () => {
    expect(
      parseBlobUrl("http://127.0.0.1:41234/devstoreaccount1/fhirlogs/Observation5012_5019.ndjson"),
    ).toEqual({
      accountName: "devstoreaccount1",
      serviceUrl: "http://127.0.0.1:41234/devstoreaccount1",
      containerName: "fhirlogs",
      blobName: "Observation5012_5019.ndjson",
      style: "path",
    });
  });

  it("treats the emulator's default port on a named host as path-style", () => {
    expect(parseBlobUrl("http://azurite:10000/devstoreaccount1/c1/b").style).toBe("path");
  });

  it("keeps folders in the blob name and decodes it", () => {
    expect(
      parseBlobUrl("https://acct.blob.core.windows.net/import/run%201/import_payload_0.json")
        .blobName,
    ).toBe("run 1/import_payload_0.json");
  });

  it("ignores a SAS query string", () => {
    expect(
      parseBlobUrl("https://acct.blob.core.windows.net/c/b.ndjson?sv=1&sig=abc").blobName,
    ).toBe("b.ndjson");
  });

  it("rejects a URL without a blob name", () => {
    expect(() => parseBlobUrl("https://acct.blob.core.windows.net/container")).toThrow(
      /no blob name/,
    );
  });

  it("rejects text that is not a URL", () => {
    expect(() => parseBlobUrl("not a url")).toThrow(/not an absolute URL/);
  });

  it("does not echo a SAS in its errors", () => {
    expect(() =>
      parseBlobUrl("https://acct.blob.core.windows.net/container?sig=SECRET"),
    ).not.toThrow(/SECRET/);
  });
});

describe("assertAllowedBlobUrl", () => {
  const allowed = [
    "https://fhirstaging01.blob.core.windows.net",
    "http://127.0.0.1:10000/devstoreaccount1",
  ];

  it("allows a blob on a named account, host-style and path-style", () => {
    expect(() =>
      assertAllowedBlobUrl(
        "https://FHIRSTAGING01.blob.core.windows.net/fhirlogs/a.ndjson",
        allowed,
      ),
    ).not.toThrow();
    expect(() =>
      assertAllowedBlobUrl("http://127.0.0.1:10000/devstoreaccount1/fhirlogs/a.ndjson", allowed),
    ).not.toThrow();
  });

  it("refuses another host, naming it without its query and listing what is allowed", () => {
    expect(() =>
      assertAllowedBlobUrl("https://evil.example.com/fhirlogs/a.ndjson?sig=secret", allowed),
    ).toThrow(new BlobUrlRefusedError("https://evil.example.com/fhirlogs/a.ndjson", allowed));
    try {
      assertAllowedBlobUrl("https://evil.example.com/fhirlogs/a.ndjson?sig=secret", allowed);
    } catch (error) {
      expect(isBlobUrlRefusedError(error)).toBe(true);
      expect(String(error)).not.toContain("secret");
    }
  });

  it("refuses a host that only starts with a named account's host", () => {
    expect(() =>
      assertAllowedBlobUrl(
        "https://fhirstaging01.blob.core.windows.net.evil.com/c/a.ndjson",
        allowed,
      ),
    ).toThrow(BlobUrlRefusedError);
  });

  it("refuses another account on the same emulator host, and another port", () => {
    expect(() =>
      assertAllowedBlobUrl("http://127.0.0.1:10000/otheraccount/c/a.ndjson", allowed),
    ).toThrow(BlobUrlRefusedError);
    expect(() =>
      assertAllowedBlobUrl("http://127.0.0.1:10001/devstoreaccount1/c/a.ndjson", allowed),
    ).toThrow(BlobUrlRefusedError);
  });

  it("refuses text that is not a blob URL", () => {
    expect(() => assertAllowedBlobUrl("file:///etc/passwd", allowed)).toThrow(BlobUrlRefusedError);
  });
});

describe("allowedBlobAccounts", () => {
  it("names the app's blob account and the staging account", () => {
    expect(
      allowedBlobAccounts({
        tables: { kind: "identity", endpoint: "https://app.table.core.windows.net" },
        blobs: { kind: "identity", endpoint: "https://app.blob.core.windows.net/" },
        stagingAccountName: "fhirstaging01",
        stagingConnectionString: undefined,
        cursorTable: "chunk",
        exportTable: "export",
        partitionKey: "pk",
        rowKey: "rk",
      }),
    ).toEqual(["https://app.blob.core.windows.net", "https://fhirstaging01.blob.core.windows.net"]);
  });

  it("reads the blob endpoint of a connection string", () => {
    expect(
      allowedBlobAccounts({
        tables: { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
        blobs: { kind: "connectionString", connectionString: "UseDevelopmentStorage=true" },
        stagingAccountName: undefined,
        stagingConnectionString: "UseDevelopmentStorage=true",
        cursorTable: "chunk",
        exportTable: "export",
        partitionKey: "pk",
        rowKey: "rk",
      }),
    ).toEqual(["http://127.0.0.1:10000/devstoreaccount1"]);
  });
});
