/**
 * What happens to every HTTP request before a handler runs: classify and count it, apply an
 * injected fault, check the bearer token (401 + WWW-Authenticate: Bearer, docs/server-behaviour.md §7),
 * apply the initial-import-mode lock (423, docs/server-behaviour.md §3.4), and complete due jobs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import {
  FhirHttpError,
  FHIR_JSON,
  type HttpReply,
  operationOutcome,
  readBody,
  send,
} from "./http-io";
import * as msg from "./messages";
import { parseRequestTarget, type FhirRequest } from "./request";
import { classify, dispatch } from "./router";
import type { ServerState } from "./state";
import type { HttpFault, Operation } from "./types";

export class RequestCounter {
  private readonly byOperation = new Map<Operation, number>();
  private total = 0;

  count(op: Operation | undefined): void {
    this.total++;
    if (op !== undefined) this.byOperation.set(op, (this.byOperation.get(op) ?? 0) + 1);
  }

  requests(op?: Operation): number {
    return op === undefined ? this.total : (this.byOperation.get(op) ?? 0);
  }

  reset(): void {
    this.byOperation.clear();
    this.total = 0;
  }
}

const DEFAULT_FAULT_TEXT: Record<number, string> = {
  429: "The request rate exceeded the limit. Please retry later.",
  500: "There was an error processing your request.",
  503: "The service is unavailable.",
};

/** The JWT bearer challenge: no body, only the header. */
function unauthorized(error: boolean): HttpReply {
  return {
    status: 401,
    headers: { "WWW-Authenticate": error ? 'Bearer error="invalid_token"' : "Bearer" },
  };
}

function faultReply(fault: Extract<HttpFault, { kind: "status" }>): HttpReply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(fault.retryAfterSeconds);
    headers["x-ms-retry-after-ms"] = String(fault.retryAfterSeconds * 1000);
  }
  const diagnostics =
    fault.message ?? DEFAULT_FAULT_TEXT[fault.status] ?? `Injected status ${fault.status}.`;
  return new FhirHttpError(fault.status, diagnostics, undefined, headers).toReply();
}

/** InitialImportLockMiddleware: all but GET, POST {any}/$import and DELETE {any}/_operations/{kind}/{id} are locked. */
function lockedForInitialImport(req: FhirRequest): boolean {
  const s = req.segments;
  if (req.method === "GET") return s[s.length - 1] === "$reindex";
  if (req.method === "POST" && s[s.length - 1] === "$import") return false;
  if (req.method === "DELETE" && s.length === 3 && s[0] === "_operations") return false;
  return true;
}

function authorized(state: ServerState, req: FhirRequest): boolean | "invalid" {
  if (state.bearerToken === undefined || req.segments[0] === "metadata") return true;
  const auth = req.headers["authorization"];
  if (auth === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m?.[1] === state.bearerToken ? true : "invalid";
}

async function answer(
  state: ServerState,
  req: FhirRequest,
  op: Operation | undefined,
  res: ServerResponse,
  runDueJobs: () => Promise<void>,
): Promise<HttpReply | undefined> {
  const fault = state.faults.takeHttpFault(op);
  if (fault?.kind === "reset") {
    // A TCP RST, so the client sees ECONNRESET rather than an orderly close.
    res.socket?.resetAndDestroy();
    return undefined;
  }
  if (fault?.kind === "delay") await sleep(fault.ms);
  if (fault?.kind === "status") return faultReply(fault);
  if (fault?.kind === "unauthorized") return unauthorized(true);
  const auth = authorized(state, req);
  if (auth !== true) return unauthorized(auth === "invalid");
  if (state.initialImportMode && lockedForInitialImport(req)) {
    // The lock middleware's body is not an OperationOutcome.
    return { status: 423, contentType: "application/json; charset=utf-8", body: msg.LOCKED_BODY };
  }
  await runDueJobs();
  return dispatch(state, req);
}

export async function handleHttp(
  state: ServerState,
  counter: RequestCounter,
  runDueJobs: () => Promise<void>,
  incoming: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // The Date header comes from the server's clock (RFC 9110 §6.6.1; Kestrel writes it from the
  // system clock in every fhir-server response), so a test can give the emulator a skewed clock.
  res.setHeader("Date", new Date(state.clock.now()).toUTCString());
  try {
    const rawUrl = incoming.url ?? "/";
    const req: FhirRequest = {
      method: (incoming.method ?? "GET").toUpperCase(),
      ...parseRequestTarget(rawUrl),
      rawUrl,
      headers: incoming.headers,
      body: await readBody(incoming),
    };
    const op = classify(req);
    counter.count(op);
    const reply = await answer(state, req, op, res, runDueJobs);
    if (reply !== undefined) send(res, reply);
  } catch (error) {
    if (res.headersSent || res.destroyed) return;
    if (error instanceof FhirHttpError) send(res, error.toReply());
    else {
      // An emulator bug must be visible to the test, not look like a server quirk.
      const diagnostics = `Emulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      send(res, {
        status: 500,
        contentType: FHIR_JSON,
        body: operationOutcome([{ severity: "error", code: "exception", diagnostics }]),
      });
    }
  }
}
