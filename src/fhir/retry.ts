/**
 * The one retry policy of the FHIR client. Every HTTP call goes through `withRetry`:
 * - transient answers (408, 429, 500, 502, 503, 504), connection failures and timeouts are retried;
 * - the delay is what the server asked for (`x-ms-retry-after-ms`, `Retry-After`), otherwise
 *   exponential backoff with jitter capped at maxDelayMs;
 * - retries stop after maxRetries or when the next wait would exceed budgetMs, and then a
 *   TransientError is thrown (the caller's activity/orchestration decides what next). It never
 *   returns a default value.
 * Time is injected (`sleep`, `now`, `random`) so tests run instantly and deterministically.
 */
import type { RetrySettings } from "../config/settings";
import type { HttpFacts } from "../errors";
import { TransientError, ensureError, isTransientError } from "../errors";

/** HTTP statuses worth retrying: throttling, gateway and server hiccups. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * What went wrong with an attempt that did not produce a final answer:
 * - "status": the server answered with a transient status;
 * - "notSent": the connection could not be opened (refused, DNS hiccup, connect timeout): the
 *   request certainly did not reach the server;
 * - "connection": the connection broke (reset, hang-up, broken pipe) after the request may have
 *   been sent;
 * - "timeout": no complete answer within the request timeout; the request may have been processed.
 */
export type FailureKind = "status" | "notSent" | "connection" | "timeout";

/** Error codes (Node sockets and undici) for a connection that was never established. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Error codes for a connection that broke while a request was (possibly) in flight. */
const BROKEN_CONNECTION_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const SOCKET_HANG_UP = /socket hang up|other side closed|terminated/i;

/** The errors behind a fetch failure: fetch wraps socket errors in `cause`, happy-eyeballs in `errors`. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 16) {
    const next = pending.shift();
    if (next === undefined || next === null || chain.includes(next)) continue;
    chain.push(next);
    if (typeof next === "object") {
      const { cause, errors } = next as { cause?: unknown; errors?: unknown };
      if (cause !== undefined) pending.push(cause);
      if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
    }
  }
  return chain;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error || (typeof error === "object" && error !== null)
    ? String((error as { name?: unknown }).name)
    : undefined;
}

/**
 * Classifies an exception thrown by fetch (or by reading the body). Returns undefined when the
 * failure is final (a programming error, an invalid URL, a TLS certificate problem, DNS NXDOMAIN...).
 */
export function classifyThrown(error: unknown): Exclude<FailureKind, "status"> | undefined {
  const chain = causeChain(error);
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError. A plain AbortError would
  // be a deliberate cancellation, which is final.
  if (chain.some((e) => errorName(e) === "TimeoutError")) return "timeout";
  const codes = chain.map(errorCode).filter((c): c is string => c !== undefined);
  if (codes.some((c) => BROKEN_CONNECTION_CODES.has(c))) return "connection";
  if (codes.some((c) => NOT_SENT_CODES.has(c))) return "notSent";
  // fetch reports a dropped socket as TypeError("fetch failed" / "terminated"), sometimes without a code.
  if (
    chain[0] instanceof TypeError &&
    chain.some((e) => e instanceof Error && SOCKET_HANG_UP.test(e.message))
  ) {
    return "connection";
  }
  return undefined;
}

/**
 * The delay the server asked for, in milliseconds: `x-ms-retry-after-ms` (Cosmos DB / FHIR
 * service throttling, precise) wins over `Retry-After` (delta seconds or HTTP-date, RFC 9110 10.2.3).
 * Unparseable values are ignored (the backoff applies instead).
 */
export function serverDelayMs(
  headers: { get(name: string): string | null },
  nowMs: number,
): number | undefined {
  const ms = headers.get("x-ms-retry-after-ms")?.trim();
  if (ms !== undefined && ms !== "" && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter === undefined || retryAfter === "") return undefined;
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  // HTTP-date (IMF-fixdate, RFC 850 or asctime): a day/month name and a hh:mm:ss time. Date.parse
  // alone would accept things like "1.5" as a date.
  if (!/[A-Za-z]{3}/.test(retryAfter) || !/\d{2}:\d{2}:\d{2}/.test(retryAfter)) return undefined;
  const at = Date.parse(retryAfter);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export type Jitter = "full" | "decorrelated";

export interface BackoffPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  jitter: Jitter;
}

export interface DelayInput {
  /** 1 for the first retry. */
  retry: number;
  /** The delay used before the previous retry (decorrelated jitter grows from it). */
  previousDelayMs?: number;
  /** What the server asked for, if anything. */
  serverDelayMs?: number;
}

/**
 * Delay before a retry, in milliseconds.
 * - A server-requested delay is honoured as is, even above maxDelayMs (retrying earlier only
 *   earns another 429); the budget check in withRetry still applies to it.
 * - "full": uniform in [0, min(maxDelayMs, firstDelayMs * 2^(retry-1))).
 * - "decorrelated": uniform in [firstDelayMs, previous * 3), capped at maxDelayMs.
 * `random` returns a number in [0, 1).
 */
export function retryDelayMs(
  input: DelayInput,
  policy: BackoffPolicy,
  random: () => number,
): number {
  if (input.serverDelayMs !== undefined) return Math.max(0, Math.ceil(input.serverDelayMs));
  const r = Math.min(Math.max(random(), 0), 1);
  const first = Math.max(0, policy.firstDelayMs);
  const cap = Math.max(first, policy.maxDelayMs);
  if (policy.jitter === "full") {
    const exponent = Math.min(Math.max(input.retry - 1, 0), 52);
    const ceiling = Math.min(cap, first * 2 ** exponent);
    return Math.floor(r * ceiling);
  }
  const previous = Math.max(input.previousDelayMs ?? first, first);
  return Math.min(cap, Math.floor(first + r * (previous * 3 - first)));
}

export interface RetryOptions {
  policy: RetrySettings & { jitter?: Jitter };
  /** What is being attempted; used for the TransientError facts and message. */
  facts: HttpFacts;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /**
   * Whether a transient failure may be retried. Defaults to every failure the attempt did not mark
   * `retryable: false`. Non-idempotent requests pass a stricter predicate (http.ts).
   */
  canRetry?: (failure: TransientFailure) => boolean;
  /**
   * The error thrown when canRetry refuses a failure (default: the failure's TransientError with
   * "not retried" appended).
   */
  notRetried?: (failure: TransientFailure) => Error;
  onRetry?: (event: RetryEvent) => void;
}

export interface TransientFailure {
  kind: FailureKind;
  error: TransientError;
  /** Set by the attempt for status answers it knows more about (e.g. a body proving rejection). */
  retryable?: boolean;
}

export interface RetryEvent {
  facts: HttpFacts;
  kind: FailureKind;
  retry: number;
  delayMs: number;
  message: string;
}

/**
 * An attempt either produces a value, or reports a transient status answer. Exceptions it throws
 * are classified with classifyThrown(); unclassified exceptions are final and propagate unchanged.
 */
export type AttemptOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; kind: "status"; error: TransientError; retryable?: boolean };

function toFailure(thrown: unknown, facts: HttpFacts): TransientFailure | undefined {
  if (isTransientError(thrown)) return { kind: "status", error: thrown };
  const kind = classifyThrown(thrown);
  if (kind === undefined) return undefined;
  const cause = ensureError(thrown);
  const detail =
    kind === "timeout"
      ? "no complete answer within the request timeout"
      : `connection failure (${describeCause(thrown)})`;
  return {
    kind,
    error: new TransientError(`${facts.method} ${facts.url}: ${detail}`, facts, undefined, {
      cause,
    }),
  };
}

function describeCause(thrown: unknown): string {
  const chain = causeChain(thrown);
  const codes = chain.map(errorCode).filter((c): c is string => c !== undefined);
  const last = chain[chain.length - 1];
  const message = last instanceof Error ? last.message : String(last);
  return codes.length > 0 ? `${codes[0]}: ${message}` : message;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * Runs `attempt` until it succeeds, fails finally, or the retry budget is spent.
 * Budget: at most `maxRetries` retries, and no wait that would end after `budgetMs` measured from
 * the first attempt (time spent = the larger of the clock and the sum of waits, so an injected
 * sleep still consumes budget).
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions,
): Promise<T> {
  const { policy, facts } = options;
  const backoff: BackoffPolicy = {
    firstDelayMs: policy.firstDelayMs,
    maxDelayMs: policy.maxDelayMs,
    jitter: policy.jitter ?? "full",
  };
  const startedAt = options.now();
  let slept = 0;
  let previousDelayMs: number | undefined;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let failure: TransientFailure | undefined;
    try {
      const outcome = await attempt(attemptNumber);
      if (outcome.ok) return outcome.value;
      failure = { kind: outcome.kind, error: outcome.error, retryable: outcome.retryable };
    } catch (thrown) {
      failure = toFailure(thrown, facts);
      if (failure === undefined) throw thrown;
    }
    const last = failure.error;
    const canRetry = options.canRetry ?? ((f: TransientFailure) => f.retryable !== false);
    if (!canRetry(failure)) {
      throw (
        options.notRetried?.(failure) ??
        new TransientError(`${last.message} (not retried)`, last.facts, last.retryAfterMs, {
          cause: last,
        })
      );
    }

    const retry = attemptNumber;
    const delayMs = retryDelayMs(
      { retry, previousDelayMs, serverDelayMs: last.retryAfterMs },
      backoff,
      options.random,
    );
    const spent = Math.max(options.now() - startedAt, slept);
    const outOfRetries = retry > policy.maxRetries;
    const outOfBudget = spent + delayMs > policy.budgetMs;
    if (outOfRetries || outOfBudget) {
      const why = outOfRetries
        ? `gave up after ${attemptNumber} attempt(s) (retry limit ${policy.maxRetries}, setting AZURE_RetryCount)`
        : `gave up after ${attemptNumber} attempt(s) in ${seconds(spent)}: the next wait of ${seconds(delayMs)} would exceed the retry budget of ${seconds(policy.budgetMs)} (setting AZURE_RetryMaxSeconds)`;
      throw new TransientError(`${last.message} (${why})`, last.facts, last.retryAfterMs, {
        cause: last,
      });
    }
    options.onRetry?.({
      facts: last.facts,
      kind: failure.kind,
      retry,
      delayMs,
      message: last.message,
    });
    await options.sleep(delayMs);
    slept += delayMs;
    previousDelayMs = delayMs;
  }
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
