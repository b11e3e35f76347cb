/**
 * URLs end up in error messages, telemetry and tables. Storage SAS tokens (`sig`, `se`, `sp`, ...),
 * Functions keys (`code`) and OAuth-style parameters are credentials, so their values are replaced
 * before a URL leaves this module's callers. Parameter names stay visible so the message still says
 * which parameters were sent.
 */

const SECRET_KEYS = new Set([
  // Shared access signatures (account, service and user-delegation SAS).
  "sig",
  "se",
  "st",
  "sp",
  "sv",
  "sr",
  "srt",
  "ss",
  "si",
  "sip",
  "spr",
  "sdd",
  "skoid",
  "sktid",
  "skt",
  "ske",
  "sks",
  "skv",
  "saoid",
  "suoid",
  "scid",
  // Azure Functions keys and common API-key names.
  "code",
  "key",
  "apikey",
  "subscription-key",
  "client_secret",
  "assertion",
]);

/** Names that look like credentials even when not listed above (access_token, id_token, x-api-key, ...). */
const SECRET_KEY_PATTERN = /token|secret|password|passwd|signature|api[-_]?key|credential/i;

export const REDACTED = "REDACTED";

export function isSecretQueryKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase()) || SECRET_KEY_PATTERN.test(key);
}

/**
 * Returns the URL with the values of credential-like query parameters and any user-info replaced.
 * The rest of the query is kept verbatim (including its encoding), so FHIR search parameters stay
 * readable. A string that is not an absolute URL loses its whole query string: better to hide too
 * much than to leak a signature.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const q = url.indexOf("?");
    return q < 0 ? url : `${url.slice(0, q)}?${REDACTED}`;
  }
  const hadUserInfo = parsed.username !== "" || parsed.password !== "";
  const hashIndex = url.indexOf("#");
  const withoutHash = hashIndex < 0 ? url : url.slice(0, hashIndex);
  const queryIndex = withoutHash.indexOf("?");
  let head = queryIndex < 0 ? withoutHash : withoutHash.slice(0, queryIndex);
  if (hadUserInfo) {
    parsed.username = "";
    parsed.password = "";
    const q = parsed.href.indexOf("?");
    const h = parsed.href.indexOf("#");
    head = parsed.href.slice(0, q >= 0 ? q : h >= 0 ? h : undefined);
  }
  if (queryIndex < 0) return head;
  const query = withoutHash.slice(queryIndex + 1);
  const redacted = query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      } catch {
        // A malformed escape in the key: judge the raw text instead.
      }
      return eq >= 0 && isSecretQueryKey(key) ? `${rawKey}=${REDACTED}` : pair;
    })
    .join("&");
  return `${head}?${redacted}`;
}
