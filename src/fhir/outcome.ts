/**
 * Turns FHIR server answers into the project's errors. The server reports problems as an
 * OperationOutcome (docs/server-behaviour.md §1.4), except the initial-import lock, whose 423 body is a
 * bare `{severity, code, diagnostics}` object (3.4), and gateways, which may answer with HTML or
 * plain text. Whatever the body, the error names the method, the URL (redacted), the status and
 * what the server said; a body that is not JSON never turns into a JSON parse error.
 */
import { FhirOperationError } from "../errors";

/** How much of a non-JSON (or unrecognised JSON) body goes into an error message. */
export const BODY_EXCERPT_CHARS = 300;

/** What an HTTP answer looks like to the client: the body is always read as text first. */
export interface HttpAnswer {
  method: string;
  /** Redacted URL (see redact.ts). */
  url: string;
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > BODY_EXCERPT_CHARS ? `${trimmed.slice(0, BODY_EXCERPT_CHARS)}…` : trimmed;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The OperationOutcome issues' diagnostics (or details.text), if the body is an OperationOutcome. */
export function outcomeDiagnostics(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (record.resourceType === "OperationOutcome" && Array.isArray(record.issue)) {
    const texts = (record.issue as unknown[]).flatMap((issue) => {
      if (typeof issue !== "object" || issue === null) return [];
      const i = issue as { diagnostics?: unknown; details?: { text?: unknown }; code?: unknown };
      if (typeof i.diagnostics === "string" && i.diagnostics !== "") return [i.diagnostics];
      if (typeof i.details?.text === "string" && i.details.text !== "") return [i.details.text];
      return typeof i.code === "string" ? [`(issue code ${i.code})`] : [];
    });
    return texts.length > 0 ? texts.join("; ") : "(OperationOutcome without diagnostics)";
  }
  // 423 Locked from InitialImportLockMiddleware: not an OperationOutcome (docs/server-behaviour.md §3.4).
  if (typeof record.diagnostics === "string") return record.diagnostics;
  return undefined;
}

export function isOperationOutcome(text: string): boolean {
  const body = tryParse(text);
  return (
    typeof body === "object" &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === "OperationOutcome"
  );
}

/** What the server said, for an error message: diagnostics when it is JSON, else the start of the text. */
export function describeBody(text: string): string {
  if (text.trim() === "") return "(empty body)";
  return outcomeDiagnostics(tryParse(text)) ?? excerpt(text);
}

/** A final non-2xx answer. */
export function failedAnswer(answer: HttpAnswer, context?: string): FhirOperationError {
  const diagnostics = describeBody(answer.text);
  const prefix = context === undefined ? "" : `${context}: `;
  return new FhirOperationError(
    `${prefix}${answer.method} ${answer.url} failed with HTTP ${answer.status}: ${diagnostics}`,
    { method: answer.method, url: answer.url, status: answer.status },
    diagnostics,
  );
}

/** A 2xx answer that is not what the protocol promises. `expected` says what should have come. */
export function unexpectedAnswer(answer: HttpAnswer, expected: string): FhirOperationError {
  const body = answer.text.trim() === "" ? "(empty body)" : excerpt(answer.text);
  return new FhirOperationError(
    `${answer.method} ${answer.url} answered HTTP ${answer.status}, but expected ${expected}; body: ${body}`,
    { method: answer.method, url: answer.url, status: answer.status },
    body,
  );
}

/** Parses a JSON body or throws a FhirOperationError saying what was expected. */
export function parseJsonBody(answer: HttpAnswer, expected: string): unknown {
  if (answer.text.trim() === "") throw unexpectedAnswer(answer, expected);
  const body = tryParse(answer.text);
  if (body === undefined) throw unexpectedAnswer(answer, `${expected} (the body is not JSON)`);
  return body;
}
