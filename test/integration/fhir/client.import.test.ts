import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FhirOperationError } from "../../../src/errors";
import type { ImportParameters } from "../../../src/fhir/types";
import type { StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, importResult, outcome } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

const body: ImportParameters = {
  resourceType: "Parameters",
  parameter: [
    { name: "inputFormat", valueString: "application/fhir+ndjson" },
    { name: "mode", valueString: "IncrementalLoad" },
    {
      name: "input",
      part: [
        { name: "type", valueString: "Patient" },
        {
          name: "url",
          valueUri: "https://acct.blob.core.windows.net/export-4721/Patient-4730-1.ndjson",
        },
      ],
    },
  ],
};

const accepted = () => ({
  status: 202,
  headers: { "Content-Location": `${stub.origin}/_operations/import/5012` },
});

describe("importKickOff", () => {
  it("POSTs $import with the exact headers and body, and returns the Content-Location", async () => {
    stub.enqueue(accepted());
    const { client } = clientFor(stub);
    await expect(client.importKickOff(body)).resolves.toEqual({
      statusUrl: `${stub.origin}/_operations/import/5012`,
    });
    const [request] = stub.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/$import");
    expect(request?.headers.prefer).toBe("respond-async");
    expect(request?.headers["content-type"]).toBe("application/fhir+json");
    expect(JSON.parse(request?.body ?? "")).toEqual(body);
  });

  it("is retried after a connection reset (the server de-duplicates the same body)", async () => {
    stub.enqueue({ reset: true }, accepted());
    const { client } = clientFor(stub);
    await expect(client.importKickOff(body)).resolves.toHaveProperty("statusUrl");
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[1]?.body).toBe(stub.requests[0]?.body);
  });

  it("is retried after a timeout", async () => {
    stub.enqueue({ ...accepted(), delayMs: 2_000 }, accepted());
    const { client } = clientFor(stub, { http: { timeoutMs: 100 } });
    await expect(client.importKickOff(body)).resolves.toHaveProperty("statusUrl");
    expect(stub.requests).toHaveLength(2);
  });

  it("maps the 423 initial-import lock body to FhirOperationError with its diagnostics", async () => {
    stub.enqueue({
      status: 423,
      body: {
        severity: "Error",
        code: "Locked",
        diagnostics: "Service is locked for initial import mode.",
      },
    });
    const { client } = clientFor(stub);
    await expect(client.importKickOff(body)).rejects.toThrow(
      /import kick-off: POST .*\/\$import failed with HTTP 423: Service is locked for initial import mode\./,
    );
  });
});

describe("importStatus", () => {
  const statusUrl = () => `${stub.origin}/_operations/import/5012`;

  it("maps 202 without a body to running", async () => {
    stub.enqueue({ status: 202 });
    const { client } = clientFor(stub);
    await expect(client.importStatus(statusUrl())).resolves.toEqual({ state: "running" });
  });

  it("maps 202 with a partial body to running with the partial result", async () => {
    stub.enqueue({ status: 202, body: importResult });
    const { client } = clientFor(stub);
    await expect(client.importStatus(statusUrl())).resolves.toEqual({
      state: "running",
      partial: importResult,
    });
  });

  it("maps 200 to the result, keeping null types", async () => {
    const result = {
      ...importResult,
      output: [{ type: null, count: 5, inputUrl: "https://acct.blob.core.windows.net/c/x.ndjson" }],
    };
    stub.enqueue({ status: 200, body: result });
    const { client } = clientFor(stub);
    await expect(client.importStatus(statusUrl())).resolves.toEqual({ state: "completed", result });
  });

  it("rejects a 200 whose error entries lack the error file url", async () => {
    const { url: _url, ...withoutUrl } = importResult.error[0]!;
    stub.enqueue({ status: 200, body: { ...importResult, error: [withoutUrl] } });
    const { client } = clientFor(stub);
    await expect(client.importStatus(statusUrl())).rejects.toThrow(
      /expected an import result .*error\.0\.url/,
    );
  });

  it.each([
    {
      status: 400,
      reason: "import operation failed for reason: Input file Etag not match. https://a/b",
    },
    { status: 500, reason: "import operation failed for reason: InternalServerError" },
    { status: 400, reason: "User requested cancellation of operation." },
  ])(
    "maps a failed job (HTTP $status) to FhirOperationError, without retrying",
    async ({ status, reason }) => {
      stub.enqueue({ status, body: outcome(reason, "processing") });
      const { client } = clientFor(stub);
      const promise = client.importStatus(statusUrl());
      await expect(promise).rejects.toThrow(FhirOperationError);
      await expect(promise).rejects.toMatchObject({ status, diagnostics: reason });
      expect(stub.requests).toHaveLength(1);
    },
  );

  it("waits at least 120 s for a held poll even when the request timeout is shorter", async () => {
    // The server may hold an import status poll ~60 s (docs/server-behaviour.md §4.1); a 100 ms timeout would
    // abort this 300 ms answer if it applied.
    stub.enqueue({ status: 202, delayMs: 300 });
    const { client } = clientFor(stub, { http: { timeoutMs: 100 } });
    await expect(client.importStatus(statusUrl())).resolves.toEqual({ state: "running" });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("cancelImport", () => {
  it.each([202, 404, 409])("treats %i as success", async (status) => {
    stub.enqueue({
      status,
      body: status === 202 ? "" : outcome("Import operation has already completed"),
    });
    const { client } = clientFor(stub);
    await expect(
      client.cancelImport(`${stub.origin}/_operations/import/5012`),
    ).resolves.toBeUndefined();
    expect(stub.requests[0]?.method).toBe("DELETE");
  });

  it("maps 400 to FhirOperationError", async () => {
    stub.enqueue({ status: 400, body: outcome("bad") });
    const { client } = clientFor(stub);
    await expect(client.cancelImport(`${stub.origin}/_operations/import/5012`)).rejects.toThrow(
      FhirOperationError,
    );
  });
});
