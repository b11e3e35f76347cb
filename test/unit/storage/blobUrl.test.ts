import { describe, expect, it } from "vitest";
import { parseBlobUrl } from "../../../src/storage/blobUrl";

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
