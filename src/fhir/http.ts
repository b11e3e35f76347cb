/**
 * One HTTP exchange with a FHIR server: global fetch, a per-request timeout, the User-Agent, the
 * bearer token (refreshed once on 401), and the retry module around all of it. It returns every
 * final answer (any status) to the caller, which maps statuses to results or errors; transient
 * answers and connection failures are retried here and end in a TransientError when retries run out.
 */
import type { RetrySettings } from "../config/settings";
import type { HttpFacts } from "../errors";
import { FhirOperationError, TransientError } from "../errors";
import type { TokenProvider } from "./auth";
import type { HttpAnswer } from "./outcome";
import { describeBody, isOperationOutcome } from "./outcome";
import { redactUrl } from "./redact";
import type { Jitter, RetryEvent, TransientFailure } from "./retry";
import { isTransientStatus, serverDelayMs, withRetry } from "./retry";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface HttpOptions {
  baseUrl: string;
  userAgent: string;
  timeoutMs: number;
  retry: RetrySettings & { jitter?: Jitter };
}

export interface HttpDeps {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Absent: no Authorization header (loopback emulators). */
  tokens?: TokenProvider;
  onRetry?: (event: RetryEvent) => void;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL; must be on the base URL's origin (tokens go nowhere else). */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the default timeout (import status polls may be held by the server, 4.1). */
  timeoutMs?: number;
  /**
   * False when sending the request twice could do the work twice (the $export kick-off creates a
   * new job for every request, docs/server-behaviour.md §1.5). Then only failures that prove the server did not
   * act on the request are retried: the connection was never opened, or the server answered 429,
   * 503, or 500 with an OperationOutcome (its exception filter rejected the request). Timeouts,
   * resets, 408, 502 and 504 leave the outcome unknown and end in a TransientError at once.
   */
  idempotent: boolean;
  /**
   * Answers that are final for this operation although their status is usually transient: a failed
   * export/import job is reported on the status URL as 500 or 429 with "... operation failed for
   * reason: ..." (docs/server-behaviour.md §2.1, §4.1); retrying the GET cannot change that.
   */
  isFinalAnswer?: (answer: HttpAnswer) => boolean;
  /**
   * False when a request that found no answer in time (the request timeout, or 408/504 from the
   * server or a gateway) should not be repeated as it is: the caller has a better next step (a count
   * asks for two halves of its range). It then ends at once in a RequestTimeoutError.
   */
  retryTimeouts?: boolean;
}

/** Responses that prove a non-idempotent request was rejected before it did anything. */
function provesRejection(answer: HttpAnswer): boolean {
  if (answer.status === 429 || answer.status === 503) return true;
  return answer.status === 500 && isOperationOutcome(answer.text);
}

/**
 * A non-idempotent request failed in a way that leaves its outcome unknown: the server may have
 * acted on it (for an $export kick-off: an export job may be running that nobody tracks). It is a
 * TransientError (isTransientError() holds), but a caller must not blindly repeat the request.
 */
export class OutcomeUnknownError extends TransientError {
  readonly outcomeUnknown = true;
}

export function isOutcomeUnknown(error: unknown): error is OutcomeUnknownError {
  return error instanceof OutcomeUnknownError;
}

/** A request asked not to retry timeouts (HttpRequest.retryTimeouts) found no answer in time. */
export class RequestTimeoutError extends TransientError {
  readonly timedOut = true;
}

export function isRequestTimeout(error: unknown): error is RequestTimeoutError {
  return error instanceof RequestTimeoutError;
}

/** The request found no answer in time: our timeout, or 408/504 from the server or a gateway. */
function isTimeout(failure: TransientFailure): boolean {
  if (failure.kind === "timeout") return true;
  const status = failure.error.facts.status;
  return failure.kind === "status" && (status === 408 || status === 504);
}

function outcomeUnknown(failure: TransientFailure): OutcomeUnknownError {
  const what =
    failure.kind === "timeout"
      ? "the request timed out"
      : failure.kind === "connection"
        ? "the connection broke"
        : `the server answered HTTP ${failure.error.facts.status ?? "?"}`;
  const { error } = failure;
  return new OutcomeUnknownError(
    `${error.message} (not retried: ${what} after the request may have reached the server, and repeating it could start the operation twice; check the server for a job started by this request)`,
    error.facts,
    error.retryAfterMs,
    { cause: error },
  );
}

export class FhirHttp {
  readonly baseUrl: string;
  private readonly origin: string;

  constructor(
    private readonly options: HttpOptions,
    private readonly deps: HttpDeps,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.baseUrl).origin;
  }

  /** `{base}/{path}`; path is relative to the base (a leading slash is ignored). */
  url(pathAndQuery: string): string {
    return `${this.baseUrl}/${pathAndQuery.replace(/^\/+/, "")}`;
  }

  isSameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  async request(request: HttpRequest): Promise<HttpAnswer> {
    const safeUrl = redactUrl(request.url);
    const facts: HttpFacts = { method: request.method, url: safeUrl };
    if (!this.isSameOrigin(request.url)) {
      throw new FhirOperationError(
        `Refusing to send ${request.method} ${safeUrl}: it is not on the FHIR server's origin ${this.origin} (the server's access token must not be sent elsewhere)`,
        facts,
        "",
      );
    }
    const { deps } = this;
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs;
    let refreshedAfter401 = false;

    const attemptOnce = async (): Promise<HttpAnswer> => {
      const headers: Record<string, string> = {
        "User-Agent": this.options.userAgent,
        ...request.headers,
      };
      const token = deps.tokens === undefined ? undefined : await deps.tokens.getToken();
      if (token !== undefined) headers.Authorization = `Bearer ${token}`;
      const signal = AbortSignal.timeout(timeoutMs);
      const response = await deps.fetch(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal,
        // A redirect could carry the Authorization header to another host; FHIR APIs do not
        // redirect, so a 3xx is reported as an unexpected answer instead of being followed.
        redirect: "manual",
      });
      const received = await response.text();
      // A server or proxy that echoes the request must not put the token into our errors.
      const text = token === undefined ? received : received.split(token).join("[token]");
      return {
        method: request.method,
        url: safeUrl,
        status: response.status,
        headers: response.headers,
        text,
      };
    };

    return withRetry<HttpAnswer>(
      async () => {
        let answer = await attemptOnce();
        // A 401 usually means the cached token was revoked or expired early: fetch a new one
        // and try once more. A second 401 is final (wrong audience, tenant or identity).
        if (answer.status === 401 && deps.tokens !== undefined && !refreshedAfter401) {
          refreshedAfter401 = true;
          deps.tokens.invalidate();
          answer = await attemptOnce();
        }
        if (!isTransientStatus(answer.status) || request.isFinalAnswer?.(answer) === true) {
          return { ok: true, value: answer };
        }
        const error = new TransientError(
          `${answer.method} ${answer.url} answered HTTP ${answer.status}: ${describeBody(answer.text)}`,
          { ...facts, status: answer.status },
          serverDelayMs(answer.headers, deps.now()),
        );
        return {
          ok: false,
          kind: "status",
          error,
          retryable: request.idempotent || provesRejection(answer),
        };
      },
      {
        policy: this.options.retry,
        facts,
        sleep: deps.sleep,
        random: deps.random,
        now: deps.now,
        onRetry: deps.onRetry,
        canRetry: (f) => {
          if (request.retryTimeouts === false && isTimeout(f)) return false;
          return request.idempotent
            ? f.retryable !== false
            : f.kind === "notSent" || (f.kind === "status" && f.retryable === true);
        },
        notRetried: (f) =>
          request.retryTimeouts === false && isTimeout(f)
            ? new RequestTimeoutError(
                `${f.error.message} (not retried: the caller splits the request instead)`,
                f.error.facts,
                f.error.retryAfterMs,
                { cause: f.error },
              )
            : outcomeUnknown(f),
      },
    );
  }
}
