import { describe, expect, it } from "vitest";
import { parseStorageConnectionString } from "../../../src/storage/connectionString";

// Pure parsing (no Azurite needed); it sits with the storage tests it serves.
describe("parseStorageConnectionString", () => {
  it("reads explicit endpoints (Azurite style)", () => {
    expect(
      parseStorageConnectionString(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=k==;" +
          "BlobEndpoint=http://127.0.0.1:5000/devstoreaccount1;TableEndpoint=http://127.0.0.1:5002/devstoreaccount1/;",
      ),
    ).toEqual({
      accountName: "devstoreaccount1",
      blobEndpoint: "http://127.0.0.1:5000/devstoreaccount1",
      tableEndpoint: "http://127.0.0.1:5002/devstoreaccount1",
    });
  });

  it("derives endpoints from the account name and suffix", () => {
    expect(
      parseStorageConnectionString(
        "DefaultEndpointsProtocol=https;AccountName=migstor;AccountKey=k==;EndpointSuffix=core.windows.net",
      ),
    ).toEqual({
      accountName: "migstor",
      blobEndpoint: "https://migstor.blob.core.windows.net",
      tableEndpoint: "https://migstor.table.core.windows.net",
    });
  });

  it("maps UseDevelopmentStorage=true to the emulator's default endpoints", () => {
    expect(parseStorageConnectionString("UseDevelopmentStorage=true").tableEndpoint).toBe(
      "http://127.0.0.1:10002/devstoreaccount1",
    );
  });

  it("takes the account from a SAS connection string's endpoint", () => {
    expect(
      parseStorageConnectionString(
        "BlobEndpoint=https://stage1.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x",
      ).accountName,
    ).toBe("stage1");
  });

  it("rejects a string without an account, without echoing it", () => {
    expect(() => parseStorageConnectionString("AccountKey=SECRETKEY")).toThrow(/names no account/);
    expect(() => parseStorageConnectionString("AccountKey=SECRETKEY")).not.toThrow(/SECRETKEY/);
  });
});
