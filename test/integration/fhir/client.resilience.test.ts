import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FhirOperationError, TransientError } from "../../../src/errors";
import type { RetryEvent } from "../../../src/fhir/retry";
import type { StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, fakeCredential, outcome, searchset } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

const ok = () => ({ status: 200, body: searchset(7) });
const patient = () => ({ status: 200, body: { resourceType: "Patient", id: "p1" } });

describe("transient failures", () => {
  it("survives a burst of 503s", async () => {
    stub.enqueue({ status: 503 }, { status: 503 }, { status: 503 }, ok());
    const { client, sleeps } = clientFor(stub);
    await expect(client.count({ type: "Patient" })).resolves.toBe(7);
    expect(stub.requests).toHaveLength(4);
    // Full jitter with random 0.5 from a 100 ms first delay: 50, 100, 200.
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it.each([408, 429, 500, 502, 504])("retries HTTP %i", async (status) => {
    // A read: a count that times out (408, 504) is cut in two instead (test/unit/fhir/countSplit.test.ts).
    stub.enqueue({ status, body: outcome("try later", "transient") }, patient());
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).resolves.toMatchObject({ id: "p1" });
    expect(stub.requests).toHaveLength(2);
  });

  it("honours Retry-After on 429 (the sleep gets the server's delay)", async () => {
    stub.enqueue({ status: 429, headers: { "Retry-After": "12" } }, ok());
    const { client, sleeps } = clientFor(stub);
    await client.count({ type: "Patient" });
    expect(sleeps).toEqual([12_000]);
  });

  it("honours x-ms-retry-after-ms above the backoff cap", async () => {
    stub.enqueue({ status: 429, headers: { "x-ms-retry-after-ms": "4500" } }, ok());
    const { client, sleeps } = clientFor(stub, {
      http: { retry: { maxRetries: 3, firstDelayMs: 100, maxDelayMs: 1_000, budgetMs: 60_000 } },
    });
    await client.count({ type: "Patient" });
    expect(sleeps).toEqual([4_500]);
  });

  it.each([
    { name: "a connection reset", reply: { reset: true } as const },
    { name: "a connection closed without an answer", reply: { hangUp: true } as const },
  ])("survives $name", async ({ reply }) => {
    stub.enqueue(reply, ok());
    const { client } = clientFor(stub);
    await expect(client.count({ type: "Patient" })).resolves.toBe(7);
    expect(stub.requests).toHaveLength(2);
  });

  it("survives a timeout", async () => {
    stub.enqueue({ ...patient(), delayMs: 2_000 }, patient());
    const { client } = clientFor(stub, { http: { timeoutMs: 100 } });
    await expect(client.read("Patient", "p1")).resolves.toMatchObject({ id: "p1" });
    expect(stub.requests).toHaveLength(2);
  });

  it("rejects with TransientError when the retry budget is spent", async () => {
    stub.fallback(() => ({ status: 429, headers: { "Retry-After": "2" } }));
    const { client, sleeps } = clientFor(stub, {
      http: { retry: { maxRetries: 10, firstDelayMs: 100, maxDelayMs: 1_000, budgetMs: 5_000 } },
    });
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow(
      /would exceed the retry budget of 5\.0 s \(setting AZURE_RetryMaxSeconds\)/,
    );
    await expect(promise).rejects.toMatchObject({
      retryAfterMs: 2_000,
      facts: { method: "GET", url: `${stub.origin}/Patient?_summary=count`, status: 429 },
    });
    expect(sleeps).toEqual([2_000, 2_000]);
  });

  it("rejects with TransientError naming the last status when retries run out", async () => {
    stub.fallback(() => ({ status: 503, body: outcome("The service is busy.", "transient") }));
    const { client } = clientFor(stub);
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow(
      `GET ${stub.origin}/Patient?_summary=count answered HTTP 503: The service is busy. (gave up after 4 attempt(s) (retry limit 3, setting AZURE_RetryCount))`,
    );
    expect(stub.requests).toHaveLength(4);
  });

  it("reports each retry to onRetry", async () => {
    const events: RetryEvent[] = [];
    stub.enqueue({ status: 503 }, ok());
    const { client } = clientFor(stub, { deps: { onRetry: (e) => events.push(e) } });
    await client.count({ type: "Patient" });
    expect(events).toEqual([
      expect.objectContaining({
        kind: "status",
        retry: 1,
        delayMs: 50,
        facts: expect.objectContaining({ status: 503 }),
      }),
    ]);
  });
});

describe("error bodies", () => {
  it("includes the first 300 characters of a non-JSON body", async () => {
    const text = `${"x".repeat(300)}TAIL-NOT-SHOWN`;
    stub.enqueue({ status: 400, headers: { "Content-Type": "text/plain" }, body: text });
    const { client } = clientFor(stub);
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(`failed with HTTP 400: ${"x".repeat(300)}…`);
    await expect(promise).rejects.not.toThrow(/TAIL-NOT-SHOWN/);
  });

  it("includes an HTML error page's text rather than a JSON parse error", async () => {
    stub.enqueue({ status: 403, body: "<html><body>Forbidden by policy</body></html>" });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).rejects.toThrow(
      /GET .*\/Patient\/p1 failed with HTTP 403: <html><body>Forbidden by policy<\/body><\/html>/,
    );
  });

  it("says when the error body is empty", async () => {
    stub.enqueue({ status: 403 });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).rejects.toThrow(/HTTP 403: \(empty body\)/);
  });

  it("joins the diagnostics of every issue", async () => {
    stub.enqueue({
      status: 400,
      body: {
        resourceType: "OperationOutcome",
        issue: [
          { severity: "error", code: "invalid", diagnostics: "first problem" },
          { severity: "error", code: "invalid", details: { text: "second problem" } },
        ],
      },
    });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).rejects.toThrow(
      /HTTP 400: first problem; second problem$/,
    );
  });

  it("does not follow a redirect", async () => {
    stub.enqueue({ status: 302, headers: { Location: "https://elsewhere.example/Patient/p1" } });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).rejects.toThrow(/failed with HTTP 302/);
    expect(stub.requests).toHaveLength(1);
  });

  it("redacts signature-like query values in error URLs", async () => {
    stub.enqueue({ status: 404, body: outcome("not found", "not-found") });
    const { client } = clientFor(stub);
    const promise = client.exportStatus(
      `${stub.origin}/_operations/export/1?sig=SECRETSIG&code=FUNCKEY`,
    );
    await expect(promise).rejects.toThrow(
      /\/_operations\/export\/1\?sig=REDACTED&code=REDACTED failed/,
    );
    await expect(promise).rejects.not.toThrow(/SECRETSIG|FUNCKEY/);
  });

  it("refuses to send a request to another origin", async () => {
    let calls = 0;
    const counting: typeof fetch = async (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const { client } = clientFor(stub, { deps: { fetch: counting, credential: fakeCredential() } });
    await expect(
      client.exportStatus("https://elsewhere.example/_operations/export/1"),
    ).rejects.toThrow(
      /Refusing to send GET https:\/\/elsewhere\.example\/_operations\/export\/1: it is not on the FHIR server's origin/,
    );
    expect(calls).toBe(0);
  });
});

describe("authentication", () => {
  it("sends a bearer token for the server's origin scope and reuses it", async () => {
    const credential = fakeCredential();
    stub.enqueue(ok(), ok());
    const { client } = clientFor(stub, { basePath: "/fhir", deps: { credential } });
    await client.count({ type: "Patient" });
    await client.count({ type: "Patient" });
    expect(credential.scopes).toEqual([`${stub.origin}/.default`]);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer secret-token-1",
      "Bearer secret-token-1",
    ]);
  });

  it("survives one 401 by fetching a fresh token", async () => {
    const credential = fakeCredential();
    stub.enqueue({ status: 401, headers: { "WWW-Authenticate": "Bearer" } }, ok());
    const { client, sleeps } = clientFor(stub, { deps: { credential } });
    await expect(client.count({ type: "Patient" })).resolves.toBe(7);
    expect(credential.issued).toEqual(["secret-token-1", "secret-token-2"]);
    expect(stub.requests[1]?.headers.authorization).toBe("Bearer secret-token-2");
    expect(sleeps).toEqual([]);
  });

  it("fails with FhirOperationError on a second 401, without the token in the message", async () => {
    const credential = fakeCredential();
    stub.fallback((request) => ({
      status: 401,
      // A server that echoes what it received must not make the token appear in our errors.
      body: outcome(`Invalid token: ${request.headers.authorization ?? ""}`, "login"),
    }));
    const { client } = clientFor(stub, { deps: { credential } });
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toMatchObject({ status: 401 });
    await expect(promise).rejects.not.toThrow(/secret-token/);
    expect(stub.requests).toHaveLength(2);
  });

  it("keeps the token out of transient errors and retry events", async () => {
    const credential = fakeCredential();
    const events: RetryEvent[] = [];
    stub.fallback((request) => ({
      status: 503,
      body: `busy; you sent ${request.headers.authorization ?? ""}`,
    }));
    const { client } = clientFor(stub, { deps: { credential, onRetry: (e) => events.push(e) } });
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.not.toThrow(/secret-token/);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toMatch(/secret-token/);
  });

  it("reports a credential failure with the scope", async () => {
    const failing = {
      getToken: async () => {
        throw new Error("ManagedIdentityCredential: no managed identity endpoint found");
      },
    };
    stub.enqueue(ok());
    const { client } = clientFor(stub, { deps: { credential: failing } });
    await expect(client.count({ type: "Patient" })).rejects.toThrow(
      `Could not get an access token for ${stub.origin}/.default: ManagedIdentityCredential: no managed identity endpoint found`,
    );
    expect(stub.requests).toHaveLength(0);
  });
});
