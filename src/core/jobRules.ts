/**
 * The job runner's decisions (src/engine/jobRunner.ts), pure over row values: who may still write
 * a job's row, when a claim that never recorded its status URL is stale, and what a failed kick-off
 * does. Every job kind (export, import, isolation part, reindex) is decided here, by the parameters
 * it declares; the runner only carries the decisions out.
 */
import { isInFlight, type JobState } from "./jobLifecycle";

/** One attempt of a job as its row shows it: enough to tell whether the row still is that attempt. */
export interface JobAttempt {
  state: JobState | undefined;
  /** The server job's status URL, once recorded. */
  url: string | undefined;
  /** What each claim changes: the claim's time (export), the attempt count (import, part), none (reindex). */
  claim: string | number | undefined;
}

/**
 * Whose kick-off may record its status URL:
 * - "sameClaim": only the claim that kicked off, still unrecorded ($export is not idempotent: a
 *   late answer of a claim taken over is a second job, cancelled);
 * - "sameBody": any claim of this attempt or an earlier one, even one reset meanwhile: the server
 *   dedupes identical $import bodies, so each kick-off of one attempt returns the same job.
 */
export type RecordRule = "sameClaim" | "sameBody";

/** The row is still the claim `mine` made, and no status URL was recorded for it. */
export function isUnrecordedClaim(current: JobAttempt, mine: JobAttempt): boolean {
  return current.state === "claimed" && current.url === undefined && current.claim === mine.claim;
}

/** Whether the kick-off of the claim `mine` may record its status URL on the row as it is now. */
export function mayRecord(current: JobAttempt, mine: JobAttempt, rule: RecordRule): boolean {
  if (rule === "sameClaim") return isUnrecordedClaim(current, mine);
  if (current.state !== "queued" && current.state !== "claimed") return false;
  return typeof current.claim === "number" && typeof mine.claim === "number"
    ? current.claim <= mine.claim
    : current.claim === mine.claim;
}

/** The row still is the attempt the runner acted on (same claim, same job): its outcome may be written. */
export function isSameAttempt(
  current: JobAttempt,
  actedOn: Pick<JobAttempt, "url" | "claim">,
): boolean {
  return (
    current.state !== undefined &&
    isInFlight(current.state) &&
    current.url === actedOn.url &&
    current.claim === actedOn.claim
  );
}

/**
 * A claim whose kick-off never recorded a status URL (a crash or a lost answer): after `waitMs` it
 * is either put back without using an attempt ("retry") or counted as a failed attempt ("fail").
 */
export interface UnrecordedClaimPolicy {
  waitMs: number;
  then: "retry" | "fail";
}

export function unrecordedClaimAction(
  ageMs: number,
  policy: UnrecordedClaimPolicy,
): "wait" | "retry" | "fail" {
  return ageMs < policy.waitMs ? "wait" : policy.then;
}

/** A job older than its kind's time-out is cancelled and counted as failed. */
export function isTimedOut(ageMs: number, timeoutMs: number): boolean {
  return ageMs > timeoutMs;
}

/** How the runner sees an error: the server's answer to a request, a transient refusal, or neither. */
export type ErrorClass = "operation" | "transient" | "unknown";

/**
 * What a failed kick-off does:
 * - "fail": a failed attempt, counted by the kind (requeued, or failed for good, and maybe a halt);
 * - "retry": the claim is put back without using an attempt; the activity goes on;
 * - "retryAndRethrow": put back, and the error goes to the activity's retry;
 * - "rethrow": the claim stays (the unrecorded-claim policy settles it) and the error goes on.
 * A FHIR operation error (the server refused the request) always fails the attempt.
 */
export type KickOffAction = "fail" | "retry" | "retryAndRethrow" | "rethrow";

export interface KickOffErrorPolicy {
  transient: KickOffAction;
  unknown: KickOffAction;
}

export function kickOffAction(error: ErrorClass, policy: KickOffErrorPolicy): KickOffAction {
  return error === "operation" ? "fail" : policy[error];
}

/**
 * A failed status request: the server's answer (an operation error) is the job's failure, judged by
 * the kind; anything else goes to the activity's retry and the job is polled again.
 */
export function pollFailureAction(error: ErrorClass): "jobFailed" | "rethrow" {
  return error === "operation" ? "jobFailed" : "rethrow";
}

/** The age of a job started at `startTime` (ISO); a job with no start time is new. */
export function jobAgeMs(nowMs: number, startTime: string | undefined): number {
  return startTime === undefined ? 0 : nowMs - Date.parse(startTime);
}
