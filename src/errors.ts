/**
 * The project's small error taxonomy. Three kinds matter to callers:
 * - TransientError: worth retrying (throttling, 5xx, resets, timeouts). Carries a server-requested delay.
 * - FhirOperationError: the FHIR server answered and the answer is final for this request
 *   (4xx, a failed $export/$import job). Carries status, diagnostics and the URL (never a token).
 * - ConfigurationError: the settings are wrong; nothing will work until a person fixes them.
 * Plus ConcurrencyConflictError for ETag-guarded state updates that lost a race.
 */

export interface SettingIssue {
  /** App setting name, e.g. AZURE_PayloadCount. */
  setting: string;
  /** What was received, already masked when the setting is a secret. */
  received: string;
  /** What would be accepted. */
  expected: string;
}

export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  readonly issues: readonly SettingIssue[];
  /** Warnings about the settings that are valid (check-config shows them beside the errors). */
  readonly warnings: readonly string[];

  constructor(
    issues: readonly SettingIssue[],
    heading = "Invalid settings",
    warnings: readonly string[] = [],
  ) {
    super(
      `${heading} (${issues.length}):\n` +
        issues
          .map((i) => `  - ${i.setting}: received ${i.received}; expected ${i.expected}`)
          .join("\n"),
    );
    this.issues = issues;
    this.warnings = warnings;
  }
}

export interface HttpFacts {
  method: string;
  /** The request URL with any query-string secrets removed. */
  url: string;
  status?: number;
}

export class TransientError extends Error {
  override readonly name = "TransientError";
  readonly facts: HttpFacts;
  /** Delay the server asked for (Retry-After / x-ms-retry-after-ms), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, facts: HttpFacts, retryAfterMs?: number, options?: ErrorOptions) {
    super(message, options);
    this.facts = facts;
    this.retryAfterMs = retryAfterMs;
  }
}

export class FhirOperationError extends Error {
  override readonly name = "FhirOperationError";
  readonly facts: HttpFacts;
  /** OperationOutcome diagnostics (or the raw body, trimmed) from the server. */
  readonly diagnostics: string;

  constructor(message: string, facts: HttpFacts, diagnostics: string, options?: ErrorOptions) {
    super(message, options);
    this.facts = facts;
    this.diagnostics = diagnostics;
  }

  get status(): number | undefined {
    return this.facts.status;
  }
}

export class ConcurrencyConflictError extends Error {
  override readonly name = "ConcurrencyConflictError";
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(
      `Concurrent update of ${table}/${key}: the row changed since it was read (ETag mismatch)`,
    );
  }
}

export function isTransientError(error: unknown): error is TransientError {
  return error instanceof Error && error.name === "TransientError";
}

export function isFhirOperationError(error: unknown): error is FhirOperationError {
  return error instanceof Error && error.name === "FhirOperationError";
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof Error && error.name === "ConfigurationError";
}

export function isConcurrencyConflictError(error: unknown): error is ConcurrencyConflictError {
  return error instanceof Error && error.name === "ConcurrencyConflictError";
}

/** Normalises anything thrown into an Error, so callers can read .message safely. */
export function ensureError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === "string") return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
