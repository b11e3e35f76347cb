/**
 * Rules every HTTP function applies before it acts: the method (state changes need POST, so a link
 * followed by a browser, a crawler or a prefetch cannot change anything), the query parameters (an
 * unknown name is refused by name instead of ignored, so a typo such as `dryrun` for `dryRun` never
 * does the real thing), and what a refusal echoes back (names cut short and capped in number, so a
 * hostile query cannot make the answer large). Pure: the Functions handlers and the local status
 * server turn a refusal into their own response type.
 */

/** Query parameters the Functions host itself reads (the function key). */
export const HOST_PARAMETERS: readonly string[] = ["code"];

/** At most this many unknown names are echoed, each cut to MAX_ECHOED_NAME characters. */
export const MAX_ECHOED_NAMES = 5;
export const MAX_ECHOED_NAME = 40;

export interface Refusal {
  status: 400 | 405;
  /** Extra response headers (`Allow` on 405). */
  headers: Record<string, string>;
  /** One line naming what is wrong and what is accepted. */
  message: string;
}

/** A received name or value, quoted and cut short, safe to echo in an error message. */
export function echoed(value: string, max = MAX_ECHOED_NAME): string {
  // Control characters are shown escaped by JSON.stringify, so they cannot reach a terminal raw.
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Names quoted and bounded: at most MAX_ECHOED_NAMES, then "and N more". */
export function echoedNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_ECHOED_NAMES).map((n) => echoed(n));
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

/**
 * 405 with `Allow` when the method is not one of `allowed`. The message names the method to use;
 * `hint` may add how to do the read-only part (e.g. `?dryRun=true`).
 */
export function checkMethod(
  method: string,
  allowed: readonly string[],
  endpoint: string,
  hint = "",
): Refusal | undefined {
  const m = method.toUpperCase();
  if (allowed.includes(m)) return undefined;
  return {
    status: 405,
    headers: { Allow: allowed.join(", ") },
    message: `${endpoint}: method ${echoed(m, 10)} is not allowed; use ${allowed.join(" or ")}${hint === "" ? "" : ` (${hint})`}`,
  };
}

/**
 * The parameter names that are neither `accepted` nor host parameters (each distinct name once, in
 * order of appearance). `ignoreCase` for handlers that read their parameters ignoring letter case;
 * otherwise `Format` is unknown where `format` is read. The host's `code` is matched ignoring case.
 */
export function unknownParameterNames(
  names: Iterable<string>,
  accepted: readonly string[],
  ignoreCase = true,
): string[] {
  const fold = (n: string) => (ignoreCase ? n.toLowerCase() : n);
  const known = new Set(accepted.map(fold));
  const unknown: string[] = [];
  for (const name of names) {
    const isKnown = known.has(fold(name)) || HOST_PARAMETERS.includes(name.toLowerCase());
    if (!isKnown && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

/** 400 naming the unknown parameters (bounded) and listing the accepted ones. */
export function checkParameters(
  query: URLSearchParams,
  accepted: readonly string[],
  endpoint: string,
  ignoreCase = true,
): Refusal | undefined {
  const unknown = unknownParameterNames(query.keys(), accepted, ignoreCase);
  if (unknown.length === 0) return undefined;
  const list = accepted.length === 0 ? "none besides the function key `code`" : accepted.join(", ");
  return {
    status: 400,
    headers: {},
    message: `${endpoint}: unknown query parameter${unknown.length === 1 ? "" : "s"} ${echoedNames(unknown)}; accepted: ${list}`,
  };
}
