/**
 * The one redaction module. URLs and server messages end up in error messages, table rows,
 * telemetry and logs. Storage SAS tokens (`sig`, `se`, `sp`, ...), Functions keys (`code`),
 * OAuth-style parameters, account keys and bearer tokens are credentials, so their values are
 * replaced where text enters those places (src/storage/migrationRows.ts, the telemetry sinks, the
 * engine's log), not only where it is shown. Names stay visible so a message still says which
 * parameters were sent.
 */

import { stripControlCharacters } from "../core/terminalText";

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
  // Storage connection-string keys, should one appear as a query parameter.
  "accountkey",
  "sharedaccesskey",
  "sharedaccesssignature",
  "pwd",
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

/**
 * The URL without its query string and fragment: the strictest form, for a blob URL whose query
 * may hold a SAS signature. It is also the form a token-authenticated blob client is built with and
 * an account is matched by (src/storage/blobStore.ts), and the form a file is named by in a message.
 */
export function withoutQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * Connection-string keys whose value is a credential; the value runs to the next `;` (also written
 * `Key: value`, `Key%3Dvalue`, or quoted).
 */
const CONNECTION_STRING_SECRET =
  /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)(\s*(?:=|:|%3D)\s*)(?:"[^"]*"?|'[^']*'?|[^;\s"'<>\\)]+)/gi;

/** `name=value` in free text (a query string or form body quoted in a message). */
// Names are bounded so a long run of letters without "=" costs a bounded look-ahead per position.
const PAIR = /([A-Za-z][\w.-]{0,63})=([^&\s;"'<>,)\\]+)/g;

/**
 * `"name": "value"` in JSON quoted in a message. Narrower than isSecretQueryKey: JSON here may be a
 * FHIR resource, whose `code` and `key` fields are data, not credentials.
 */
const JSON_PAIR = /"([A-Za-z][\w.-]{0,63})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;
const JSON_SECRET_KEY =
  /^(access_token|refresh_token|id_token|client_secret|assertion|sig|accountkey|sharedaccesskey|sharedaccesssignature|apikey|api_key)$|password|passwd|secret/i;

/**
 * A value no credential has: a switch. `AZURE_ClientCredential=true` in advice names a setting
 * whose value is a yes or no, and stays readable.
 */
const NOT_A_CREDENTIAL = /^(?:true|false)[.:!?]*$/i;

/** `Authorization: Bearer ...` or `Basic ...` quoted in a message. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{8,}=*/g;

/** A JSON Web Token (an access token) anywhere in text. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

// A backslash ends a URL or a value: in JSON text it starts an escape, which must stay whole.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>\\]+/gi;

/**
 * Free text (a server's error message, a failure reason, a log line) with every credential-like
 * value replaced: query values in URLs (redactUrl), connection-string keys (`AccountKey=`,
 * `SharedAccessSignature=`), `name=value` pairs with a credential-like name (`sig=`, `code=`,
 * `client_secret=`), the same in JSON, bearer/basic credentials and JWTs. Idempotent. Length is
 * not changed beyond the replacements; callers that store text cut it themselves.
 */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (match) => {
      // Punctuation that ends a sentence is not part of the URL.
      const url = match.replace(/[.,:;!?)]+$/, "");
      return redactUrl(url) + match.slice(url.length);
    })
    .replace(CONNECTION_STRING_SECRET, (_m, key: string, separator: string) =>
      separator.trim() === ":" ? `${key}: ${REDACTED}` : `${key}=${REDACTED}`,
    )
    .replace(PAIR, (m, key: string, value: string) =>
      isSecretQueryKey(key) && !NOT_A_CREDENTIAL.test(value)
        ? `${key}=${REDACTED}${/[.:!?]*$/.exec(value)?.[0] ?? ""}`
        : m,
    )
    .replace(JSON_PAIR, (m, key: string, colon: string) =>
      JSON_SECRET_KEY.test(key) ? `"${key}"${colon}"${REDACTED}"` : m,
    )
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT, REDACTED);
}

/**
 * Server text as it may be stored, shown and logged: credentials redacted (redactText) and control
 * characters and terminal escape sequences removed (src/core/terminalText.ts), so a row, a report, a
 * page, a log line or a terminal never receives a planted escape. Idempotent.
 */
export function cleanText(text: string): string {
  return stripControlCharacters(redactText(text));
}

/**
 * Every string inside a value (plain objects and arrays walked), cleaned with cleanText; other
 * values as they are. A record is cleaned this way where it enters the tables (src/storage/rowSpec.ts).
 */
export function cleanDeep<T>(value: T): T {
  if (typeof value === "string") return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanDeep(v)) as T;
  if (
    typeof value === "object" &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanDeep(v);
    return out as T;
  }
  return value;
}

/** redactText for a value that may be absent (an optional table column). */
export function redactOptional(text: string | undefined): string | undefined {
  return text === undefined ? undefined : redactText(text);
}

/**
 * An error fit to be recorded: its message redacted, and its stack too (a stack's first line
 * repeats the message). The original's name and cause are kept.
 */
export function redactError(error: Error): Error {
  const copy = new Error(redactText(error.message), { cause: error.cause });
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redactText(error.stack);
  return copy;
}
