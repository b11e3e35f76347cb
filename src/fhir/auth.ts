/**
 * Entra ID tokens for one FHIR server. The audience is the server's origin, so the scope is
 * `{origin}/.default` (docs/server-behaviour.md §7). Tokens are cached and refreshed five minutes before
 * they expire, like the original tool's BearerTokenHandler; a 401 invalidates the cache (http.ts).
 * Token values never leave this module except in the Authorization header.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import type { ServerAuth } from "../config/settings";
import type { CredentialKind } from "../core/credentialText";
import { credentialFailureText, isIdentityError } from "../core/credentialText";

/** Refresh this long before expiry, so a token never expires in flight. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** The credential for a server's auth setting; undefined means "send no Authorization header". */
export function createCredential(auth: ServerAuth): TokenCredential | undefined {
  switch (auth.kind) {
    case "managedIdentity":
      return new DefaultAzureCredential();
    case "clientSecret":
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret);
    case "none":
      return undefined;
  }
}

/** The token scope of a FHIR server: its origin (no path, no trailing slash) + `/.default`. */
export function tokenScope(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}

export interface TokenProvider {
  readonly scope: string;
  /** A valid access token, from the cache when it has more than the refresh margin left. */
  getToken(): Promise<string>;
  /** Forget the cached token (the server answered 401 with it). */
  invalidate(): void;
}

/** How the advice of a failed token request reads (src/core/credentialText.ts). */
export function credentialKind(auth: ServerAuth): CredentialKind {
  return auth.kind === "clientSecret" ? "clientSecret" : "default";
}

export function createTokenProvider(
  credential: TokenCredential,
  scope: string,
  now: () => number = Date.now,
  kind: CredentialKind = "default",
): TokenProvider {
  let cached: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;

  const fresh = (token: AccessToken): boolean => {
    const refreshAt = Math.min(
      token.expiresOnTimestamp - REFRESH_MARGIN_MS,
      token.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY,
    );
    return now() < refreshAt;
  };

  const fetchToken = async (): Promise<AccessToken> => {
    let token: AccessToken | null;
    try {
      token = await credential.getToken(scope);
    } catch (thrown) {
      // One line that says what to do; the credential chain (each credential's reason, no token
      // exists yet to leak) stays in the cause, for --debug.
      const reason =
        thrown instanceof Error && isIdentityError(thrown)
          ? credentialFailureText(thrown, kind, scope.replace(/\/\.default$/, ""))
          : `Could not get an access token for ${scope}: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      throw new Error(reason, { cause: thrown });
    }
    if (token === null || token.token === "") {
      throw new Error(`Could not get an access token for ${scope}: the credential returned none`);
    }
    return token;
  };

  return {
    scope,
    async getToken() {
      if (cached !== undefined && fresh(cached)) return cached.token;
      // Concurrent callers share one token request.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      const token = await pending;
      cached = token;
      return token.token;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
