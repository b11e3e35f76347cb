/**
 * Shared set-up for client tests: a stub server, a client on it with instant sleeps (their
 * arguments recorded), and a fake TokenCredential that counts getToken calls.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import type { Settings } from "../../../src/config/settings";
import type { FhirClientDeps } from "../../../src/fhir/client";
import { createFhirClient } from "../../../src/fhir/client";
import type { FhirClient } from "../../../src/fhir/types";
import type { StubServer } from "../../support/stubServer";

export const USER_AGENT = "fhir-migrate-test/1.0";

export function httpSettings(overrides: Partial<Settings["http"]> = {}): Settings["http"] {
  return {
    userAgent: USER_AGENT,
    timeoutMs: 5_000,
    retry: { maxRetries: 3, firstDelayMs: 100, maxDelayMs: 1_000, budgetMs: 60_000 },
    ...overrides,
  };
}

export interface FakeCredential extends TokenCredential {
  readonly scopes: string[];
  readonly issued: string[];
}

/** Issues `secret-token-1`, `secret-token-2`, ... valid for an hour. */
export function fakeCredential(): FakeCredential {
  const scopes: string[] = [];
  const issued: string[] = [];
  return {
    scopes,
    issued,
    async getToken(scope: string | string[]): Promise<AccessToken> {
      scopes.push(...[scope].flat());
      const token = `secret-token-${issued.length + 1}`;
      issued.push(token);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

export interface Harness {
  client: FhirClient;
  /** Arguments of every sleep the client asked for (sleeps resolve at once). */
  sleeps: number[];
}

export function clientFor(
  stub: StubServer,
  options: {
    http?: Partial<Settings["http"]>;
    deps?: FhirClientDeps;
    basePath?: string;
  } = {},
): Harness {
  const sleeps: number[] = [];
  const client = createFhirClient(
    { baseUrl: `${stub.origin}${options.basePath ?? ""}`, auth: { kind: "none" } },
    httpSettings(options.http),
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...options.deps,
    },
  );
  return { client, sleeps };
}

export const outcome = (diagnostics: string, code = "invalid") => ({
  resourceType: "OperationOutcome",
  issue: [{ severity: "error", code, diagnostics }],
});

export const manifest = {
  transactionTime: "2024-03-05T10:21:07.203+00:00",
  request: "https://fhir.example/$export?_isParallel=true",
  requiresAccessToken: false,
  output: [
    {
      type: "Observation",
      url: "https://acct.blob.core.windows.net/export-4721/Observation-4723-1.ndjson",
      count: 10000,
    },
    {
      type: "Patient",
      url: "https://acct.blob.core.windows.net/export-4721/Patient-4730-1.ndjson",
      count: 977,
    },
  ],
  error: [],
  issues: [],
};

export const importResult = {
  transactionTime: "2024-03-05T11:02:44.327+00:00",
  request: "https://dest.example/$import",
  output: [
    {
      type: "Patient",
      count: 977,
      inputUrl: "https://acct.blob.core.windows.net/export-4721/Patient-4730-1.ndjson",
    },
  ],
  error: [
    {
      type: "Observation",
      count: 3,
      inputUrl: "https://acct.blob.core.windows.net/export-4721/Observation-4723-1.ndjson",
      url: "https://acct.blob.core.windows.net/fhirlogs/Observation5012_5019.ndjson",
    },
  ],
};

export const searchset = (total?: number, entries: unknown[] = [], next?: string) => ({
  resourceType: "Bundle",
  type: "searchset",
  ...(total === undefined ? {} : { total }),
  link: next === undefined ? [] : [{ relation: "next", url: next }],
  ...(entries.length > 0 ? { entry: entries } : {}),
});
