import { describe, expect, it } from "vitest";
import { FhirOperationError, TransientError } from "../../../src/errors";
import type { AttemptOutcome, BackoffPolicy, RetryOptions } from "../../../src/fhir/retry";
import {
  classifyThrown,
  isTransientStatus,
  retryDelayMs,
  serverDelayMs,
  withRetry,
} from "../../../src/fhir/retry";

const NOW = Date.parse("2024-03-05T10:00:00.000Z");

const headers = (h: Record<string, string>) => new Headers(h);

describe("serverDelayMs", () => {
  it.each<{ name: string; h: Record<string, string>; expected: number | undefined }>([
    { name: "Retry-After delta seconds", h: { "Retry-After": "120" }, expected: 120_000 },
    { name: "Retry-After zero", h: { "Retry-After": "0" }, expected: 0 },
    {
      name: "Retry-After HTTP-date 30 s ahead",
      h: { "Retry-After": new Date(NOW + 30_000).toUTCString() },
      expected: 30_000,
    },
    {
      name: "Retry-After HTTP-date in the past",
      h: { "Retry-After": new Date(NOW - 5_000).toUTCString() },
      expected: 0,
    },
    { name: "x-ms-retry-after-ms", h: { "x-ms-retry-after-ms": "1500" }, expected: 1500 },
    { name: "x-ms-retry-after-ms fraction", h: { "x-ms-retry-after-ms": "12.4" }, expected: 13 },
    {
      name: "x-ms-retry-after-ms wins over Retry-After",
      h: { "x-ms-retry-after-ms": "250", "Retry-After": "9" },
      expected: 250,
    },
    { name: "unparseable Retry-After", h: { "Retry-After": "soon" }, expected: undefined },
    {
      name: "fractional Retry-After is not a delta",
      h: { "Retry-After": "1.5" },
      expected: undefined,
    },
    {
      name: "negative x-ms-retry-after-ms",
      h: { "x-ms-retry-after-ms": "-3" },
      expected: undefined,
    },
    { name: "no header", h: {}, expected: undefined },
  ])("$name", ({ h, expected }) => {
    expect(serverDelayMs(headers(h), NOW)).toBe(expected);
  });
});

describe("retryDelayMs", () => {
  const full: BackoffPolicy = { firstDelayMs: 1000, maxDelayMs: 60_000, jitter: "full" };
  const decorrelated: BackoffPolicy = { ...full, jitter: "decorrelated" };

  it.each([
    { retry: 1, random: 0.5, expected: 500 },
    { retry: 2, random: 0.5, expected: 1000 },
    { retry: 3, random: 0.5, expected: 2000 },
    { retry: 4, random: 0.5, expected: 4000 },
    { retry: 1, random: 0, expected: 0 },
    { retry: 7, random: 0.5, expected: 30_000 },
    // 2^9 s is above the cap: the ceiling is maxDelayMs.
    { retry: 10, random: 0.5, expected: 30_000 },
    { retry: 40, random: 0.999, expected: 59_940 },
  ])("full jitter, retry $retry, random $random → $expected", ({ retry, random, expected }) => {
    expect(retryDelayMs({ retry }, full, () => random)).toBe(expected);
  });

  it.each([
    { previousDelayMs: undefined, random: 0, expected: 1000 },
    { previousDelayMs: undefined, random: 0.5, expected: 2000 },
    { previousDelayMs: 4000, random: 0.5, expected: 6500 },
    { previousDelayMs: 50_000, random: 0.9, expected: 60_000 },
  ])(
    "decorrelated jitter, previous $previousDelayMs, random $random → $expected",
    ({ previousDelayMs, random, expected }) => {
      expect(retryDelayMs({ retry: 2, previousDelayMs }, decorrelated, () => random)).toBe(
        expected,
      );
    },
  );

  it.each([
    { jitter: "full" as const, serverDelayMs: 90_000 },
    { jitter: "decorrelated" as const, serverDelayMs: 2_500 },
  ])(
    "honours a server delay of $serverDelayMs ms as is ($jitter), even above the cap",
    ({ jitter, serverDelayMs }) => {
      expect(retryDelayMs({ retry: 3, serverDelayMs }, { ...full, jitter }, () => 0.5)).toBe(
        serverDelayMs,
      );
    },
  );

  it("keeps full jitter within [0, min(cap, first * 2^(retry-1)))", () => {
    for (let retry = 1; retry <= 12; retry++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (retry - 1));
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const d = retryDelayMs({ retry }, full, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });

  it("keeps decorrelated jitter within [first, min(cap, previous * 3)]", () => {
    for (const previous of [1000, 3000, 9000, 27_000, 81_000]) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
        const d = retryDelayMs({ retry: 2, previousDelayMs: previous }, decorrelated, () => r);
        expect(d).toBeGreaterThanOrEqual(1000);
        expect(d).toBeLessThanOrEqual(Math.min(60_000, previous * 3));
      }
    }
  });
});

describe("isTransientStatus", () => {
  it.each([408, 429, 500, 502, 503, 504])("%i is transient", (status) => {
    expect(isTransientStatus(status)).toBe(true);
  });
  it.each([200, 202, 400, 401, 403, 404, 409, 410, 412, 413, 422, 423, 501])(
    "%i is final",
    (status) => {
      expect(isTransientStatus(status)).toBe(false);
    },
  );
});

function fetchFailure(cause: unknown): TypeError {
  return new TypeError("fetch failed", { cause });
}
function coded(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("classifyThrown", () => {
  it.each([
    {
      name: "ECONNRESET",
      error: fetchFailure(coded("ECONNRESET", "read ECONNRESET")),
      kind: "connection",
    },
    { name: "EPIPE", error: fetchFailure(coded("EPIPE", "write EPIPE")), kind: "connection" },
    {
      name: "undici socket closed",
      error: fetchFailure(coded("UND_ERR_SOCKET", "other side closed")),
      kind: "connection",
    },
    {
      name: "body terminated",
      error: new TypeError("terminated", { cause: coded("UND_ERR_SOCKET", "other side closed") }),
      kind: "connection",
    },
    {
      name: "socket hang up without code",
      error: fetchFailure(new Error("socket hang up")),
      kind: "connection",
    },
    {
      name: "ECONNREFUSED",
      error: fetchFailure(coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")),
      kind: "notSent",
    },
    {
      name: "ECONNREFUSED on every address",
      error: fetchFailure(new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")])),
      kind: "notSent",
    },
    {
      name: "connect timeout",
      error: fetchFailure(coded("UND_ERR_CONNECT_TIMEOUT")),
      kind: "notSent",
    },
    {
      name: "AbortSignal.timeout",
      error: new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      kind: "timeout",
    },
    {
      name: "deliberate abort",
      error: new DOMException("This operation was aborted", "AbortError"),
      kind: undefined,
    },
    {
      name: "DNS name not found",
      error: fetchFailure(coded("ENOTFOUND", "getaddrinfo ENOTFOUND x")),
      kind: undefined,
    },
    { name: "bad certificate", error: fetchFailure(coded("CERT_HAS_EXPIRED")), kind: undefined },
    { name: "invalid URL", error: new TypeError("Invalid URL"), kind: undefined },
    { name: "plain error", error: new Error("boom"), kind: undefined },
    {
      name: "a FHIR operation error",
      error: new FhirOperationError("x", { method: "GET", url: "u" }, ""),
      kind: undefined,
    },
  ])("$name → $kind", ({ error, kind }) => {
    expect(classifyThrown(error)).toBe(kind);
  });
});

const facts = { method: "GET", url: "https://fhir.example/Patient?_summary=count" };

function harness(overrides: Partial<RetryOptions> = {}) {
  const sleeps: number[] = [];
  const options: RetryOptions = {
    policy: { maxRetries: 3, firstDelayMs: 100, maxDelayMs: 1000, budgetMs: 60_000 },
    facts,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
  };
  return { sleeps, options };
}

function statusFailure(status: number, retryAfterMs?: number): AttemptOutcome<never> {
  return {
    ok: false,
    kind: "status",
    error: new TransientError(`answered HTTP ${status}`, { ...facts, status }, retryAfterMs),
  };
}

describe("withRetry", () => {
  it("returns the value after transient failures", async () => {
    const { sleeps, options } = harness();
    let calls = 0;
    const value = await withRetry(async () => {
      calls++;
      return calls < 3 ? statusFailure(503) : { ok: true, value: "done" };
    }, options);
    expect(value).toBe("done");
    expect(sleeps).toEqual([50, 100]);
  });

  it("sleeps for the server-requested delay", async () => {
    const { sleeps, options } = harness();
    let calls = 0;
    await withRetry(async () => {
      calls++;
      return calls === 1 ? statusFailure(429, 7_000) : { ok: true, value: 1 };
    }, options);
    expect(sleeps).toEqual([7_000]);
  });

  it("stops after maxRetries and rejects with a TransientError carrying status, URL and delay", async () => {
    const { options } = harness();
    let calls = 0;
    const promise = withRetry(async () => {
      calls++;
      return statusFailure(503, 200);
    }, options);
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow(
      /gave up after 4 attempt\(s\) \(retry limit 3, setting AZURE_RetryCount\)/,
    );
    await expect(promise).rejects.toMatchObject({
      facts: { method: "GET", url: facts.url, status: 503 },
      retryAfterMs: 200,
    });
    expect(calls).toBe(4);
  });

  it("rejects when the next wait would exceed the budget, even if retries remain", async () => {
    const { sleeps, options } = harness({
      policy: { maxRetries: 10, firstDelayMs: 100, maxDelayMs: 1000, budgetMs: 5_000 },
    });
    const promise = withRetry(async () => statusFailure(429, 3_000), options);
    await expect(promise).rejects.toThrow(
      /would exceed the retry budget of 5\.0 s \(setting AZURE_RetryMaxSeconds\)/,
    );
    await expect(promise).rejects.toMatchObject({ retryAfterMs: 3_000, facts: { status: 429 } });
    // The first wait fits (3 s); the second would end at 6 s.
    expect(sleeps).toEqual([3_000]);
  });

  it("counts elapsed clock time against the budget", async () => {
    let clock = NOW;
    const { options } = harness({
      policy: { maxRetries: 10, firstDelayMs: 100, maxDelayMs: 1000, budgetMs: 10_000 },
      now: () => clock,
    });
    let calls = 0;
    const promise = withRetry(async () => {
      calls++;
      clock += 6_000; // each attempt takes 6 s
      return statusFailure(500);
    }, options);
    await expect(promise).rejects.toThrow(TransientError);
    expect(calls).toBe(2);
  });

  it("propagates a final error unchanged, without retrying", async () => {
    const { sleeps, options } = harness();
    const final = new FhirOperationError("bad request", { ...facts, status: 400 }, "bad");
    await expect(
      withRetry(async () => {
        throw final;
      }, options),
    ).rejects.toBe(final);
    expect(sleeps).toEqual([]);
  });

  it("wraps a connection reset in a TransientError with the cause, and retries it", async () => {
    const { sleeps, options } = harness({ policy: { ...harness().options.policy, maxRetries: 1 } });
    const reset = fetchFailure(coded("ECONNRESET", "read ECONNRESET"));
    const promise = withRetry(async () => {
      throw reset;
    }, options);
    await expect(promise).rejects.toThrow(/connection failure \(ECONNRESET: read ECONNRESET\)/);
    expect(sleeps).toHaveLength(1);
  });

  it("does not retry what canRetry refuses, and says why", async () => {
    const { sleeps, options } = harness({
      canRetry: () => false,
      notRetried: (f) => new TransientError(`${f.error.message} (not idempotent)`, f.error.facts),
    });
    const promise = withRetry(async () => {
      throw new DOMException("timeout", "TimeoutError");
    }, options);
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow(
      /no complete answer within the request timeout \(not idempotent\)/,
    );
    expect(sleeps).toEqual([]);
  });

  it("does not retry a status answer the attempt marks as not retryable", async () => {
    const { sleeps, options } = harness();
    const promise = withRetry(async () => ({ ...statusFailure(502), retryable: false }), options);
    await expect(promise).rejects.toThrow(TransientError);
    await expect(promise).rejects.toThrow("answered HTTP 502 (not retried)");
    expect(sleeps).toEqual([]);
  });

  it("with maxRetries 0, fails on the first transient answer", async () => {
    const { options } = harness({ policy: { ...harness().options.policy, maxRetries: 0 } });
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        return statusFailure(503);
      }, options),
    ).rejects.toThrow(TransientError);
    expect(calls).toBe(1);
  });
});
