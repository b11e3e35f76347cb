import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FhirOperationError, TransientError } from "../../../src/errors";
import { isOutcomeUnknown } from "../../../src/fhir/http";
import type { StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { USER_AGENT, clientFor, manifest, outcome } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

const accepted = (id = "4721") => ({
  status: 202,
  headers: { "Content-Location": `${stub.origin}/_operations/export/${id}` },
});

describe("exportKickOff", () => {
  it("sends GET $export with the exact headers and returns the Content-Location", async () => {
    stub.enqueue(accepted());
    const { client } = clientFor(stub);
    const result = await client.exportKickOff({});
    expect(result).toEqual({ statusUrl: `${stub.origin}/_operations/export/4721` });
    const [request] = stub.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe("/$export");
    expect(request?.headers.accept).toBe("application/fhir+json");
    expect(request?.headers.prefer).toBe("respond-async");
    expect(request?.headers["user-agent"]).toBe(USER_AGENT);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it("sends the query parameters in the documented order", async () => {
    stub.enqueue(accepted());
    const { client } = clientFor(stub);
    await client.exportKickOff({
      anonymizationConfig: "anon config.json",
      container: "migration",
      maxCount: 5000,
      till: "2023-01-31T00:00:00Z",
      since: "2023-01-01T00:00:00.000+00:00",
      includeDeleted: true,
      includeHistory: true,
      isParallel: true,
      types: ["Patient", "Observation"],
    });
    expect(stub.requests[0]?.url).toBe(
      "/$export?_type=Patient,Observation&_isParallel=true&includeAssociatedData=_history,_deleted" +
        "&_since=2023-01-01T00:00:00.000Z&_till=2023-01-31T00:00:00.000Z&_maxCount=5000" +
        "&_container=migration&_anonymizationConfig=anon%20config.json",
    );
  });

  it.each([
    { request: { includeHistory: true }, query: "includeAssociatedData=_history" },
    { request: { includeDeleted: true }, query: "includeAssociatedData=_deleted" },
    { request: { isParallel: false }, query: "_isParallel=false" },
  ])("sends $query", async ({ request, query }) => {
    stub.enqueue(accepted());
    const { client } = clientFor(stub);
    await client.exportKickOff(request);
    expect(stub.requests[0]?.url).toBe(`/$export?${query}`);
  });

  it("keeps the base URL's path", async () => {
    stub.enqueue({
      status: 202,
      headers: { "Content-Location": `${stub.origin}/fhir/bulkstatus/abc` },
    });
    const { client } = clientFor(stub, { basePath: "/fhir" });
    const { statusUrl } = await client.exportKickOff({ types: ["Patient"] });
    expect(stub.requests[0]?.url).toBe("/fhir/$export?_type=Patient");
    expect(statusUrl).toBe(`${stub.origin}/fhir/bulkstatus/abc`);
  });

  it("rejects a 202 without Content-Location, saying what was expected", async () => {
    stub.enqueue({ status: 202 });
    const { client } = clientFor(stub);
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(/expected a Content-Location header/);
  });

  it("rejects a status URL on another origin", async () => {
    stub.enqueue({
      status: 202,
      headers: { "Content-Location": "https://elsewhere.example/_operations/export/1" },
    });
    const { client } = clientFor(stub);
    await expect(client.exportKickOff({})).rejects.toThrow(
      /expected a status URL on http:\/\/127\.0\.0\.1:\d+, not https:\/\/elsewhere\.example/,
    );
  });

  it("rejects a status URL carrying credentials, which would be stored in the job table", async () => {
    stub.enqueue({
      status: 202,
      headers: {
        "Content-Location": `${stub.origin}/_operations/export/1?sig=SIGSECRET&code=CODESECRET`,
      },
    });
    const { client } = clientFor(stub);
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toThrow(
      /expected a status URL without credentials in it, not http:\/\/127\.0\.0\.1:\d+\/_operations\/export\/1\?sig=REDACTED&code=REDACTED/,
    );
    await expect(promise).rejects.not.toThrow(/SIGSECRET|CODESECRET/);
  });

  it("maps a 400 OperationOutcome to FhirOperationError with method, URL, status and diagnostics", async () => {
    stub.enqueue({ status: 400, body: outcome('The "_foo" parameter is not supported.') });
    const { client } = clientFor(stub);
    const promise = client.exportKickOff({ types: ["Patient"] });
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(
      `export kick-off: GET ${stub.origin}/$export?_type=Patient failed with HTTP 400: The "_foo" parameter is not supported.`,
    );
    await expect(promise).rejects.toMatchObject({
      status: 400,
      diagnostics: 'The "_foo" parameter is not supported.',
    });
  });

  it("is retried after 429 with Retry-After, sleeping for the requested delay", async () => {
    stub.enqueue(
      {
        status: 429,
        headers: { "Retry-After": "7" },
        body: outcome("Too many requests", "throttled"),
      },
      accepted(),
    );
    const { client, sleeps } = clientFor(stub);
    await expect(client.exportKickOff({})).resolves.toEqual({
      statusUrl: `${stub.origin}/_operations/export/4721`,
    });
    expect(sleeps).toEqual([7_000]);
    expect(stub.requests).toHaveLength(2);
  });

  it("ends in a plain TransientError (the export did not start) when 429s outlast the retries", async () => {
    stub.fallback(() => ({ status: 429, body: outcome("Too many requests", "throttled") }));
    const { client } = clientFor(stub);
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toThrow(/gave up after 4 attempt/);
    await expect(promise).rejects.not.toSatisfy(isOutcomeUnknown);
  });

  it("is retried after 503 and after a 500 OperationOutcome (the server rejected it)", async () => {
    stub.enqueue(
      { status: 503, body: "Service Unavailable" },
      { status: 500, body: outcome("An unknown error occurred.", "exception") },
      accepted(),
    );
    const { client } = clientFor(stub);
    await expect(client.exportKickOff({})).resolves.toHaveProperty("statusUrl");
    expect(stub.requests).toHaveLength(3);
  });

  it.each([
    { name: "a connection reset", reply: { reset: true } as const },
    { name: "a dropped connection", reply: { hangUp: true } as const },
    { name: "a 504 from a gateway", reply: { status: 504, body: "Gateway Timeout" } },
    {
      name: "a 500 without an OperationOutcome",
      reply: { status: 500, body: "<html>oops</html>" },
    },
  ])("is not retried after $name: the export may have started", async ({ reply }) => {
    stub.enqueue(reply, accepted());
    const { client, sleeps } = clientFor(stub);
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow(/not retried: .* could start the operation twice/);
    await expect(promise).rejects.toSatisfy(isOutcomeUnknown);
    expect(stub.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("is not retried after a timeout", async () => {
    stub.enqueue({ ...accepted(), delayMs: 2_000 }, accepted("2"));
    const { client } = clientFor(stub, { http: { timeoutMs: 100 } });
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toThrow(
      /the request timed out after the request may have reached the server/,
    );
    await expect(promise).rejects.toSatisfy(isOutcomeUnknown);
    expect(stub.requests).toHaveLength(1);
  });

  it("is retried when the connection was refused (nothing was sent)", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    let calls = 0;
    const fetchOnceRefused: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError("fetch failed", { cause: refused });
      return fetch(input, init);
    };
    stub.enqueue(accepted());
    const { client } = clientFor(stub, { deps: { fetch: fetchOnceRefused } });
    await expect(client.exportKickOff({})).resolves.toHaveProperty("statusUrl");
    expect(calls).toBe(2);
  });
});

describe("exportStatus", () => {
  const statusPath = "/_operations/export/4721";
  const statusUrl = () => `${stub.origin}${statusPath}`;

  it("maps 202 to running", async () => {
    stub.enqueue({ status: 202 });
    const { client } = clientFor(stub);
    await expect(client.exportStatus(statusUrl())).resolves.toEqual({ state: "running" });
    expect(stub.requests[0]?.method).toBe("GET");
    expect(stub.requests[0]?.url).toBe(statusPath);
  });

  it("maps 200 to the manifest", async () => {
    stub.enqueue({ status: 200, body: manifest });
    const { client } = clientFor(stub);
    await expect(client.exportStatus(statusUrl())).resolves.toEqual({
      state: "completed",
      manifest,
    });
  });

  it("rejects a 200 whose manifest has no output array", async () => {
    stub.enqueue({ status: 200, body: { ...manifest, output: undefined } });
    const { client } = clientFor(stub);
    const promise = client.exportStatus(statusUrl());
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(/expected an export manifest .*output/);
  });

  it("rejects a 200 whose body is not JSON without throwing a parse error", async () => {
    stub.enqueue({ status: 200, body: "<html>maintenance</html>" });
    const { client } = clientFor(stub);
    await expect(client.exportStatus(statusUrl())).rejects.toThrow(
      /expected an export manifest \(the body is not JSON\); body: <html>maintenance<\/html>/,
    );
  });

  it.each([500, 429, 400, 413])(
    "maps a failed job (HTTP %i) to FhirOperationError with the reason, without retrying",
    async (status) => {
      const reason = "export operation failed for reason: Unknown Error.";
      stub.enqueue({ status, body: outcome(reason, "processing") });
      const { client, sleeps } = clientFor(stub);
      const promise = client.exportStatus(statusUrl());
      await expect(promise).rejects.toThrow(FhirOperationError);
      await expect(promise).rejects.toMatchObject({ status, diagnostics: reason });
      expect(stub.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    },
  );

  it("maps 404 (cancelled or unknown job) to FhirOperationError", async () => {
    stub.enqueue({
      status: 404,
      body: outcome('The requested job "4721" was not found.', "not-found"),
    });
    const { client } = clientFor(stub);
    await expect(client.exportStatus(statusUrl())).rejects.toThrow(
      /HTTP 404: The requested job "4721" was not found\./,
    );
  });

  it("retries a 503 from the front end", async () => {
    stub.enqueue({ status: 503, body: "busy" }, { status: 202 });
    const { client } = clientFor(stub);
    await expect(client.exportStatus(statusUrl())).resolves.toEqual({ state: "running" });
    expect(stub.requests).toHaveLength(2);
  });
});

describe("cancelExport", () => {
  it.each([202, 404])("treats %i as success", async (status) => {
    stub.enqueue({ status });
    const { client } = clientFor(stub);
    await expect(
      client.cancelExport(`${stub.origin}/_operations/export/1`),
    ).resolves.toBeUndefined();
    expect(stub.requests[0]?.method).toBe("DELETE");
    expect(stub.requests[0]?.url).toBe("/_operations/export/1");
  });

  it("maps 403 to FhirOperationError", async () => {
    stub.enqueue({ status: 403, body: outcome("Authorization failed.", "forbidden") });
    const { client } = clientFor(stub);
    await expect(client.cancelExport(`${stub.origin}/_operations/export/1`)).rejects.toThrow(
      /export cancel: DELETE .* failed with HTTP 403: Authorization failed\./,
    );
  });
});
