/**
 * Response helpers and the error type handlers throw. Errors become OperationOutcome bodies the
 * way the server's OperationOutcomeExceptionFilterAttribute maps exceptions (docs/server-behaviour.md §1.4).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { stringifyLossless } from "../src/core/losslessJson";

export const FHIR_JSON = "application/fhir+json; charset=utf-8";

export interface Issue {
  severity: "error" | "warning" | "information" | "fatal";
  code: string;
  diagnostics?: string;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  /** Serialized with stringifyLossless; a string is sent as is. Absent = empty body. */
  body?: unknown;
  contentType?: string;
}

export function operationOutcome(issues: readonly Issue[]): Record<string, unknown> {
  return { resourceType: "OperationOutcome", id: randomUUID(), issue: issues };
}

/** Thrown by handlers; turned into an OperationOutcome reply by the router. */
export class FhirHttpError extends Error {
  readonly issues: readonly Issue[];
  constructor(
    readonly status: number,
    diagnostics: string | readonly Issue[],
    code = defaultIssueCode(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(
      typeof diagnostics === "string"
        ? diagnostics
        : diagnostics.map((i) => i.diagnostics).join("; "),
    );
    this.issues =
      typeof diagnostics === "string" ? [{ severity: "error", code, diagnostics }] : diagnostics;
  }

  toReply(): HttpReply {
    return {
      status: this.status,
      headers: this.headers,
      body: operationOutcome(this.issues),
      contentType: FHIR_JSON,
    };
  }
}

function defaultIssueCode(status: number): string {
  if (status === 404 || status === 410) return "not-found";
  if (status === 409) return "conflict";
  if (status === 429) return "throttled";
  if (status === 423) return "lock-error";
  if (status >= 500) return "exception";
  return "invalid";
}

export const badRequest = (diagnostics: string): FhirHttpError =>
  new FhirHttpError(400, diagnostics, "invalid");
export const notFound = (diagnostics: string): FhirHttpError =>
  new FhirHttpError(404, diagnostics, "not-found");

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function send(res: ServerResponse, reply: HttpReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload = "";
  if (reply.body !== undefined) {
    payload = typeof reply.body === "string" ? reply.body : stringifyLossless(reply.body);
    headers["Content-Type"] = reply.contentType ?? FHIR_JSON;
  }
  headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** C# HttpStatusCode names, as the server prints them in "201 Created" style statuses. */
const STATUS_NAMES: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "NoContent",
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Gone",
  412: "PreconditionFailed",
  422: "UnprocessableEntity",
  423: "Locked",
  429: "TooManyRequests",
  500: "InternalServerError",
  503: "ServiceUnavailable",
};

export function statusText(status: number): string {
  return `${status} ${STATUS_NAMES[status] ?? "Unknown"}`;
}
