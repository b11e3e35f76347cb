import type { AccessToken, TokenCredential } from "@azure/identity";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import {
  REFRESH_MARGIN_MS,
  createCredential,
  createTokenProvider,
  tokenScope,
} from "../../../src/fhir/auth";

const T0 = Date.parse("2024-03-05T10:00:00.000Z");

function scriptedCredential(tokens: AccessToken[]): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken(): Promise<AccessToken | null> {
      const token = tokens[credential.calls];
      credential.calls++;
      return token ?? null;
    },
  };
  return credential;
}

describe("tokenScope", () => {
  it.each([
    [
      "https://ws-fhirsvc.fhir.azurehealthcareapis.com",
      "https://ws-fhirsvc.fhir.azurehealthcareapis.com/.default",
    ],
    ["https://myapi.azurehealthcareapis.com/", "https://myapi.azurehealthcareapis.com/.default"],
    ["http://127.0.0.1:8080/fhir", "http://127.0.0.1:8080/.default"],
  ])("%s → %s", (baseUrl, scope) => {
    expect(tokenScope(baseUrl)).toBe(scope);
  });
});

describe("createCredential", () => {
  it("uses DefaultAzureCredential for a managed identity", () => {
    expect(createCredential({ kind: "managedIdentity" })).toBeInstanceOf(DefaultAzureCredential);
  });

  it("uses ClientSecretCredential for a client secret", () => {
    const credential = createCredential({
      kind: "clientSecret",
      tenantId: "00000000-0000-0000-0000-000000000001",
      clientId: "00000000-0000-0000-0000-000000000002",
      clientSecret: "not-a-real-secret",
    });
    expect(credential).toBeInstanceOf(ClientSecretCredential);
  });

  it("has no credential for unauthenticated local servers", () => {
    expect(createCredential({ kind: "none" })).toBeUndefined();
  });
});

describe("createTokenProvider", () => {
  const token = (
    name: string,
    expiresInMs: number,
    extra: Partial<AccessToken> = {},
  ): AccessToken => ({
    token: name,
    expiresOnTimestamp: T0 + expiresInMs,
    ...extra,
  });

  it("reuses the token until five minutes before it expires", async () => {
    let now = T0;
    const credential = scriptedCredential([token("a", 3_600_000), token("b", 7_200_000)]);
    const provider = createTokenProvider(credential, "https://x/.default", () => now);
    await expect(provider.getToken()).resolves.toBe("a");
    now = T0 + 3_600_000 - REFRESH_MARGIN_MS - 1;
    await expect(provider.getToken()).resolves.toBe("a");
    now = T0 + 3_600_000 - REFRESH_MARGIN_MS;
    await expect(provider.getToken()).resolves.toBe("b");
    expect(credential.calls).toBe(2);
  });

  it("refreshes at refreshAfterTimestamp when the credential gives one", async () => {
    let now = T0;
    const credential = scriptedCredential([
      token("a", 3_600_000, { refreshAfterTimestamp: T0 + 60_000 }),
      token("b", 3_600_000),
    ]);
    const provider = createTokenProvider(credential, "https://x/.default", () => now);
    await provider.getToken();
    now = T0 + 60_000;
    await expect(provider.getToken()).resolves.toBe("b");
  });

  it("fetches a new token after invalidate()", async () => {
    const credential = scriptedCredential([token("a", 3_600_000), token("b", 3_600_000)]);
    const provider = createTokenProvider(credential, "https://x/.default", () => T0);
    await provider.getToken();
    provider.invalidate();
    await expect(provider.getToken()).resolves.toBe("b");
  });

  it("shares one token request between concurrent callers", async () => {
    const credential = scriptedCredential([token("a", 3_600_000), token("b", 3_600_000)]);
    const provider = createTokenProvider(credential, "https://x/.default", () => T0);
    const tokens = await Promise.all([
      provider.getToken(),
      provider.getToken(),
      provider.getToken(),
    ]);
    expect(tokens).toEqual(["a", "a", "a"]);
    expect(credential.calls).toBe(1);
  });

  it("fails clearly when the credential returns no token", async () => {
    const provider = createTokenProvider(scriptedCredential([]), "https://x/.default", () => T0);
    await expect(provider.getToken()).rejects.toThrow(
      "Could not get an access token for https://x/.default: the credential returned none",
    );
  });

  it("says a machine with no sign-in in one line, keeping the credential chain as the cause", async () => {
    const chain = new Error(
      "ChainedTokenCredential authentication failed.\nCredentialUnavailableError: a\nCredentialUnavailableError: b",
    );
    chain.name = "AggregateAuthenticationError";
    const provider = createTokenProvider(
      { getToken: () => Promise.reject(chain) },
      "https://x/.default",
      () => T0,
    );
    const error = (await provider.getToken().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toBe(
      "Not signed in to Azure: no credential gave a token for https://x. Run `az login` on this machine (in Azure the app's managed identity is used; a source in another tenant needs AZURE_ClientCredential=true). --debug shows what each credential answered.",
    );
    expect(error.cause).toBe(chain);
  });

  it("names the client-credential settings when Entra ID refuses them", async () => {
    const refused = new Error("AADSTS7000215: Invalid client secret provided.\nTrace ID: 1");
    refused.name = "AuthenticationError";
    const provider = createTokenProvider(
      { getToken: () => Promise.reject(refused) },
      "https://x/.default",
      () => T0,
      "clientSecret",
    );
    await expect(provider.getToken()).rejects.toThrow(
      "Microsoft Entra ID refused the client credentials for https://x (AADSTS7000215: Invalid client secret provided.): check AZURE_TenantId, AZURE_ClientId and AZURE_ClientSecret.",
    );
  });
});
