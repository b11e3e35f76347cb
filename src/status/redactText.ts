import { redactUrl } from "../fhir/redact";

/** Longest free text (a failure reason, a check's details) the report carries per entry. */
export const MAX_TEXT = 2000;

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi;

/**
 * Failure reasons and check details come from servers and are stored as they arrived; a URL inside
 * one may carry a SAS signature or a function key. Every URL in the text has its credential-like
 * query values replaced (src/fhir/redact.ts) before the status shows it, and long text is cut.
 */
export function redactText(text: string, max = MAX_TEXT): string {
  const redacted = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  return redacted.length > max ? `${redacted.slice(0, max - 1)}…` : redacted;
}

/** A status URL or blob URL to show: credential-like query values replaced. */
export function redactLocation(url: string | undefined): string | null {
  return url === undefined ? null : redactUrl(url);
}

/**
 * The job id at the end of a status URL (`{base}/_operations/export/{id}`, protocol reference 3.1,
 * 4.1), or the last path segment of any other URL; null when there is none.
 */
export function jobIdOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  const path = url
    .replace(/[?#].*$/, "")
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "")
    .replace(/\/+$/, "");
  return /\/([^/]+)$/.exec(path)?.[1] ?? null;
}
