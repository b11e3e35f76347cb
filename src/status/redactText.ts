import { withoutStack } from "../core/errorText";
import { cleanText, redactUrl } from "../fhir/redact";

/** Longest free text (a failure reason, a check's details) the report carries per entry. */
export const MAX_TEXT = 2000;

/**
 * Free text as the report shows it. Failure reasons and check details come from servers. They are
 * cleaned (credentials redacted, control characters removed) where they enter the tables
 * (src/storage/rowSpec.ts), and again here, with the one cleaning (src/fhir/redact.ts, nothing of
 * its own), for rows written before that; a stack trace is dropped and long text is cut.
 */
export function reportText(text: string, max = MAX_TEXT): string {
  const redacted = cleanText(withoutStack(text));
  return redacted.length > max ? `${redacted.slice(0, max - 1)}…` : redacted;
}

/** A status URL or blob URL to show: credential-like query values replaced (src/fhir/redact.ts). */
export function redactLocation(url: string | undefined): string | null {
  return url === undefined ? null : redactUrl(url);
}

/**
 * The job id at the end of a status URL (`{base}/_operations/export/{id}`, docs/server-behaviour.md §3.1,
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
