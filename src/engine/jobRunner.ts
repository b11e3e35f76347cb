/**
 * The one driver of every asynchronous server job (export, import, isolation part, reindex):
 * claim, kick off, record the status URL, poll, time out and cancel, put back a claim that never
 * recorded a URL, and hand completion or failure to the kind. Each kind declares what is its own
 * (a JobSpec: its row, request, status calls and what completion records); the decisions on who
 * may write and what a failure does are src/core/jobRules.ts; every status the runner writes goes
 * through the transition table (src/core/jobLifecycle.ts), so an illegal move cannot be written.
 * docs/architecture-jobs.md draws it.
 */
import type { JobEvent, JobKind } from "../core/jobLifecycle";
import {
  isUnrecordedClaim,
  isTimedOut,
  jobAgeMs,
  kickOffAction,
  mayRecord,
  pollFailureAction,
  unrecordedClaimAction,
  type ErrorClass,
  type JobAttempt,
  type KickOffErrorPolicy,
  type RecordRule,
  type UnrecordedClaimPolicy,
} from "../core/jobRules";
import { isFhirOperationError, isTransientError, type FhirOperationError } from "../errors";
import type { Change } from "../storage/rowStore";
import type { ActivityResult, EngineDeps } from "./deps";
import { nowIso } from "./deps";
import { describeError } from "./failures";

/** A status answer: still running, or finished with the kind's result. */
export interface JobStatus {
  state: string;
}

/** A status answer of a finished job. */
export type Finished<Status> = Exclude<Status, { state: "running" }>;

/** What one job kind declares; built per job (its row's key is in the closures). */
export interface JobSpec<R, S extends string, Request, Status extends JobStatus> {
  readonly kind: JobKind<S>;
  change(decide: (row: R) => R | undefined): Promise<Change<R>>;
  /** The stored status word, and the row with another one. */
  status(row: R): S;
  withStatus(row: R, status: S): R;
  /** The attempt the row shows (state, status URL, claim): what the ownership rules compare. */
  attempt(row: R): JobAttempt;
  startTime(row: R): string | undefined;

  /** A further condition for a claim (an export of a window already processed is not claimed). */
  claimable?(row: R): boolean;
  /** The kind's fields on a claim (attempt counted, start time, URL cleared). */
  claimed(row: R, now: string): R;
  /** The request of the claimed job, or the activity's result when there is nothing to post. */
  prepare(claimed: R): Promise<{ request: Request } | { done: ActivityResult }>;
  kickOff(request: Request): Promise<{ statusUrl: string }>;
  recordRule: RecordRule;
  recorded(row: R, statusUrl: string, mine: R): R;
  /** Events and follow-ups once recording was tried (`record.written` says whether it was). */
  afterRecord(record: Change<R>, statusUrl: string, mine: R): Promise<void>;
  /** A claim put back without using an attempt. */
  unclaimed(row: R): R;
  kickOffErrors: KickOffErrorPolicy;
  kickOffFailedReason(error: string): string;
  /**
   * A counted failure of the attempt `actedOn`: the kind's accounting (requeue or fail for good,
   * events, the failure count, a halt). It writes only while the row is still that attempt.
   */
  fail(actedOn: R, reason: string, statusCode?: number): Promise<void>;

  unrecordedClaim: UnrecordedClaimPolicy;
  unrecordedReason: string;
  /** A job still running after `ms` is cancelled and failed; undefined: the kind has no time-out. */
  timeout?: {
    ms: number;
    reason(minutes: number): string;
    cancel(statusUrl: string): Promise<void>;
  };
  poll(statusUrl: string): Promise<Status>;
  /** A running job's progress, written while the row is still that attempt. */
  onRunning?(row: R, status: Status): Promise<void>;
  /** The status request failed with the server's answer: the job failed; the kind judges why. */
  jobFailed(row: R, error: FhirOperationError): Promise<void>;
  /** The job finished: the kind checks and records its result. */
  accept(row: R, status: Finished<Status>): Promise<ActivityResult>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySpec<R> = JobSpec<R, any, any, any>;

export function errorClassOf(error: unknown): ErrorClass {
  if (isFhirOperationError(error)) return "operation";
  return isTransientError(error) ? "transient" : "unknown";
}

/** The row moved by `event`, refused (thrown) where the transition table has no such move. */
export function moved<R>(spec: AnySpec<R>, row: R, event: JobEvent): R {
  const from = spec.attempt(row).state;
  const to =
    from === undefined ? spec.kind.next(spec.status(row), event) : spec.kind.nextFrom(from, event);
  return spec.withStatus(row, to);
}

/** Puts the claim `mine` back to the queue without using an attempt, if it still is that claim. */
async function unclaim<R>(spec: AnySpec<R>, mine: R): Promise<void> {
  await spec.change((row) =>
    isUnrecordedClaim(spec.attempt(row), spec.attempt(mine))
      ? spec.unclaimed(moved(spec, row, "requeue"))
      : undefined,
  );
}

/** Claims the job, posts it and records its status URL; a failed kick-off follows the kind's policy. */
export async function startJob<R>(deps: EngineDeps, spec: AnySpec<R>): Promise<ActivityResult> {
  const claimedAt = nowIso(deps);
  const claim = await spec.change((row) =>
    spec.kind.can(spec.status(row), "claim") && (spec.claimable?.(row) ?? true)
      ? spec.claimed(moved(spec, row, "claim"), claimedAt)
      : undefined,
  );
  const mine = claim.after;
  if (!claim.written || mine === undefined) return { changed: false };
  const prepared = await spec.prepare(mine);
  if ("done" in prepared) return prepared.done;
  try {
    const { statusUrl } = await spec.kickOff(prepared.request);
    const record = await spec.change((row) =>
      mayRecord(spec.attempt(row), spec.attempt(mine), spec.recordRule)
        ? spec.recorded(moved(spec, row, "record"), statusUrl, mine)
        : undefined,
    );
    await spec.afterRecord(record, statusUrl, mine);
    return { changed: true };
  } catch (error) {
    const action = kickOffAction(errorClassOf(error), spec.kickOffErrors);
    if (action === "rethrow") throw error;
    if (action === "fail") {
      const status = isFhirOperationError(error) ? error.status : undefined;
      await spec.fail(mine, spec.kickOffFailedReason(describeError(error)), status);
      return { changed: true };
    }
    await unclaim(spec, mine);
    if (action === "retryAndRethrow") throw error;
    return { changed: false };
  }
}

/**
 * One poll of an in-flight job: a claim without a status URL is settled by the kind's policy, a job
 * past its time-out is cancelled and failed, a failed status request is the kind's to judge, and a
 * finished job's result goes to the kind.
 */
export async function pollJob<R>(
  deps: EngineDeps,
  spec: AnySpec<R>,
  row: R,
): Promise<ActivityResult> {
  if (!spec.kind.isInFlight(spec.status(row))) return { changed: false };
  const url = spec.attempt(row).url;
  const age = jobAgeMs(deps.clock.now(), spec.startTime(row));
  if (url === undefined) {
    const action = unrecordedClaimAction(age, spec.unrecordedClaim);
    if (action === "wait") return { changed: false };
    if (action === "fail") await spec.fail(row, spec.unrecordedReason);
    else await unclaim(spec, row);
    return { changed: true };
  }
  if (spec.timeout !== undefined && isTimedOut(age, spec.timeout.ms)) {
    await spec.timeout.cancel(url);
    await spec.fail(row, spec.timeout.reason(Math.round(age / 60_000)));
    return { changed: true };
  }
  let status;
  try {
    status = await spec.poll(url);
  } catch (error) {
    if (pollFailureAction(errorClassOf(error)) === "rethrow" || !isFhirOperationError(error))
      throw error;
    await spec.jobFailed(row, error);
    return { changed: true };
  }
  if (status.state === "running") {
    await spec.onRunning?.(row, status);
    return { changed: false };
  }
  return spec.accept(row, status as Finished<typeof status>);
}
