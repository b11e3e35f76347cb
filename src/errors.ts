/**
 * The project's error taxonomy: every error class, what it means to a caller and what the caller
 * does with it. Three kinds matter to callers, each with a type guard below that also holds for
 * its subclasses (a guard reads the class's `kind`):
 *
 * - TransientError (`isTransientError`): worth retrying (throttling, 5xx, resets, timeouts). Carries
 *   the delay the server asked for. Retried in src/fhir/retry.ts only; past the retry budget it
 *   escapes the activity and the pass records it (RecordPassFailure) and tries again.
 *   - OutcomeUnknownError (src/fhir/http.ts): a non-idempotent request whose outcome is unknown (the
 *     server may have acted). Not repeated blindly: the caller looks for what it may have started.
 *   - RequestTimeoutError (src/fhir/http.ts): a request that asked not to retry timeouts got none.
 * - FhirOperationError (`isFhirOperationError`): the FHIR server answered and the answer is final
 *   for this request (4xx, a failed $export/$import job). Carries status, diagnostics and the URL
 *   (never a token). The job's own code decides: count a failure, record it, or halt.
 * - ConfigurationError (`isConfigurationError`): the settings are wrong; nothing works until a person
 *   fixes them. Names each setting, what it received and what it accepts. Thrown where settings
 *   are parsed (once, src/config/) or first found wanting. The CLI exits 2 and points at
 *   docs/configuration.md; in the Functions app it fails the activity, which the pass records.
 *   - BlobUrlRefusedError (src/storage/blobUrl.ts): a server named a blob on a storage account the
 *     settings do not name; it is never read (the app's token would go there). A payload build
 *     halts the migration with it; an import's error file is recorded as not read.
 *
 * Plus a storage race, not a failure:
 * - ConcurrencyConflictError (`isConcurrencyConflictError`): an ETag-guarded write lost to another
 *   writer. The caller reads again and re-decides (the read-decide-write loops do this).
 *   - RowAlreadyExistsError (src/storage/tableRepository.ts): an insert found the row there.
 *
 * Errors that are local to one module and its callers, and why they stay outside the three kinds:
 * - BlobNotFoundError (src/storage/blobStore.ts): a blob read by URL is not there. Final for that
 *   read; the caller says which file is missing (an import's error file, a copy's source).
 * - MigrationStateMissingError (src/status/statusState.ts): the state tables do not exist yet, so
 *   there is no migration to report on; the status page and `fhir-migrate status` say so.
 * - UsageError, OperationFailedError (src/cli/errors.ts): the CLI's exit codes (2: nothing was
 *   attempted, the command line or a file named on it is wrong; 1: the operation ran and failed,
 *   its report already printed). Only commands throw them.
 * - CutoverRefusedError (src/local/localCutover.ts): a local cutover request the state refuses; the
 *   CLI turns it into OperationFailedError.
 * - OrchestrationFailedError (src/local/orchestrationFailure.ts): the local runtime's orchestration threw;
 *   carries the message without durable-functions' state dump, the original as its cause.
 * - PortTakenError (src/local/azurite.ts, not exported): a chosen port was taken; the start retries.
 * - ExportManifestError (src/core/importPayload.ts): a manifest cannot be turned into $import bodies;
 *   lists every problem. `fhir-migrate import-payload` reports it as a UsageError (its input file).
 * - RawJsonError (src/core/rawJson.ts): malformed JSON text, a SyntaxError like JSON.parse's, so one
 *   check covers both parsers.
 * - IllegalJobTransitionError (src/core/jobLifecycle.ts): a job moved in a way the transition table
 *   forbids: a defect in the code, never caught; it fails the activity visibly.
 *
 * Nothing catches an error to return a default: a catch names the errors it handles and rethrows
 * the rest.
 */

/** What an error means to a caller; the guards below read it, so subclasses count as their kind. */
export type ErrorKind = "transient" | "fhir-operation" | "configuration" | "conflict";

export interface SettingIssue {
  /** App setting name, e.g. AZURE_PayloadCount. */
  setting: string;
  /** What was received, already masked when the setting is a secret. */
  received: string;
  /** What would be accepted. */
  expected: string;
}

export class ConfigurationError extends Error {
  override readonly name: string = "ConfigurationError";
  readonly kind: ErrorKind = "configuration";
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
  override readonly name: string = "TransientError";
  readonly kind: ErrorKind = "transient";
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
  override readonly name: string = "FhirOperationError";
  readonly kind: ErrorKind = "fhir-operation";
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
  override readonly name: string = "ConcurrencyConflictError";
  readonly kind: ErrorKind = "conflict";
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(
      `Concurrent update of ${table}/${key}: the row changed since it was read (ETag mismatch)`,
    );
  }
}

/** Whether `error` is of `kind`: by its class's kind, or by the base class's name. */
function isOfKind(error: unknown, kind: ErrorKind, name: string): boolean {
  if (!(error instanceof Error)) return false;
  return ("kind" in error && error.kind === kind) || error.name === name;
}

export function isTransientError(error: unknown): error is TransientError {
  return isOfKind(error, "transient", "TransientError");
}

export function isFhirOperationError(error: unknown): error is FhirOperationError {
  return isOfKind(error, "fhir-operation", "FhirOperationError");
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return isOfKind(error, "configuration", "ConfigurationError");
}

export function isConcurrencyConflictError(error: unknown): error is ConcurrencyConflictError {
  return isOfKind(error, "conflict", "ConcurrencyConflictError");
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
