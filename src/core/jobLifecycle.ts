/**
 * The lifecycle every server job of the migration follows: an export per chunk, an import per
 * payload, the destination's $reindex. One machine, declared once: its states, the events that move
 * a job between them, and the predicates the planner, the activities and the status page ask.
 * A transition the table does not hold is refused here, with a typed error (docs/architecture-jobs.md).
 *
 *   queued --claim--> claimed --record--> running --complete--> completed
 *      ^                 |                   |
 *      +----requeue------+-------------------+
 *                        +--fail--> failed <-+
 *
 * Each job kind stores the state in its own words (a chunk's exportStatus, a payload's status, the
 * cursor's reindexState); a JobKind translates, so a kind cannot write a status the machine refuses.
 */
import type { PartStatus } from "./importIsolation";
import type { ChunkExportStatus, PayloadStatus, ReindexState } from "./migrationState";

export type JobState = "queued" | "claimed" | "running" | "completed" | "failed";

/**
 * - claim: a runner takes the job (ETag-guarded) before kicking it off;
 * - record: the kick-off's status URL is stored;
 * - requeue: the job goes back to the queue (kick-off refused or interrupted, job failed and retried);
 * - complete: the server reported the job done and its result was accepted;
 * - fail: the job failed for good (no attempt left).
 */
export type JobEvent = "claim" | "record" | "requeue" | "complete" | "fail";

/** The allowed transitions: state → event → next state. Anything not listed is refused. */
export const JOB_TRANSITIONS: Readonly<
  Record<JobState, Readonly<Partial<Record<JobEvent, JobState>>>>
> = {
  queued: {
    claim: "claimed",
    // A claim reset meanwhile (an interrupted kick-off) whose kick-off still answered: the same
    // $import body is the same job on the server, so it is recorded (src/engine/activities/startImport.ts).
    record: "running",
    // A late result: the job ran on the server and its output was accepted.
    complete: "completed",
  },
  claimed: { record: "running", requeue: "queued", fail: "failed", complete: "completed" },
  running: { requeue: "queued", fail: "failed", complete: "completed" },
  // A late result of a job whose failure another runner recorded: its output is on the destination.
  failed: { complete: "completed" },
  completed: {},
};

const EVENTS: readonly JobEvent[] = ["claim", "record", "requeue", "complete", "fail"];

export class IllegalJobTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly event: JobEvent,
    readonly kind: string,
    /** The events allowed from `from`, named in the message. */
    readonly allowed: readonly JobEvent[],
  ) {
    super(
      `${kind} job: cannot ${event} from ${from}; allowed from there: ${allowed.length === 0 ? "nothing" : allowed.join(", ")}`,
    );
    this.name = "IllegalJobTransitionError";
  }
}

export function isIllegalJobTransitionError(error: unknown): error is IllegalJobTransitionError {
  return error instanceof IllegalJobTransitionError;
}

export function canTransition(from: JobState, event: JobEvent): boolean {
  return JOB_TRANSITIONS[from][event] !== undefined;
}

/** The state `event` leads to from `from`; refuses (throws) a transition the table does not hold. */
export function transition(from: JobState, event: JobEvent, kind = "a"): JobState {
  const next = JOB_TRANSITIONS[from][event];
  if (next === undefined) {
    const allowed = EVENTS.filter((e) => JOB_TRANSITIONS[from][e] !== undefined);
    throw new IllegalJobTransitionError(from, event, kind, allowed);
  }
  return next;
}

/** Claimed or running: a server job may be working on it, so it is polled and counts against bounds. */
export function isInFlight(state: JobState): boolean {
  return state === "claimed" || state === "running";
}

/** No event but a late completion moves it on. */
export function isTerminal(state: JobState): boolean {
  return state === "completed" || state === "failed";
}

/** A job kind's own status words, translated to and from the machine's states. */
export interface JobKind<S extends string> {
  readonly name: string;
  /** The machine's state of a stored status; undefined for a status outside the lifecycle. */
  state(status: S): JobState | undefined;
  can(status: S, event: JobEvent): boolean;
  /** The status `event` leads to; refuses (throws) a transition the machine or this kind does not hold. */
  next(status: S, event: JobEvent): S;
  /**
   * The status `event` leads to from the machine's state `from` (for a kind whose stored status
   * does not tell every state apart, e.g. reindex's claim); refuses (throws) what the table refuses.
   */
  nextFrom(from: JobState, event: JobEvent): S;
  isInFlight(status: S): boolean;
  isTerminal(status: S): boolean;
}

function jobKind<S extends string>(
  name: string,
  states: Readonly<Record<S, JobState | undefined>>,
  /** The status a state is stored as, where it is not the only status mapped to that state. */
  stored: Readonly<Partial<Record<JobState, S>>> = {},
): JobKind<S> {
  const storedAs = (state: JobState): S | undefined => {
    const candidates = (Object.keys(states) as S[]).filter((s) => states[s] === state);
    // Two statuses for one state (and no choice declared): the kind cannot tell which to write.
    return stored[state] ?? (candidates.length === 1 ? candidates[0] : undefined);
  };
  const kind: JobKind<S> = {
    name,
    state: (status) => states[status],
    can(status, event) {
      const from = states[status];
      if (from === undefined || !canTransition(from, event)) return false;
      return storedAs(transition(from, event, name)) !== undefined;
    },
    next(status, event) {
      const from = states[status];
      const to =
        from === undefined || !canTransition(from, event)
          ? undefined
          : storedAs(transition(from, event, name));
      if (to === undefined) {
        const allowed = EVENTS.filter((e) => kind.can(status, e));
        throw new IllegalJobTransitionError(status, event, name, allowed);
      }
      return to;
    },
    nextFrom(from, event) {
      const to = storedAs(transition(from, event, name));
      if (to === undefined)
        throw new IllegalJobTransitionError(
          from,
          event,
          name,
          EVENTS.filter((e) => canTransition(from, e)),
        );
      return to;
    },
    isInFlight: (status) => {
      const state = states[status];
      return state !== undefined && isInFlight(state);
    },
    isTerminal: (status) => {
      const state = states[status];
      return state !== undefined && isTerminal(state);
    },
  };
  return kind;
}

/** A chunk's $export. An export never fails for good: a failed export is requeued (same window). */
export const exportJob = jobKind<ChunkExportStatus>("export", {
  Planned: "queued",
  Started: "claimed",
  Running: "running",
  Completed: "completed",
});

/** A payload's $import; it fails for good after AZURE_ImportAttempts. */
export const importJob = jobKind<PayloadStatus>("import", {
  Pending: "queued",
  Started: "claimed",
  Running: "running",
  Completed: "completed",
  Failed: "failed",
});

/**
 * The destination's $reindex. "running" is stored for both claimed and running (the cursor's
 * reindexStatusUrl tells them apart: reindexJobState); "none" is outside the lifecycle.
 */
export const reindexJob = jobKind<ReindexState>(
  "reindex",
  { none: undefined, needed: "queued", running: "running", done: "completed", failed: "failed" },
  { claimed: "running" },
);

/** The reindex job's state, telling a claim (no status URL yet) from a running job. */
export function reindexJobState(cursor: {
  reindexState: ReindexState;
  reindexStatusUrl: string | undefined;
}): JobState | undefined {
  const state = reindexJob.state(cursor.reindexState);
  return state === "running" && cursor.reindexStatusUrl === undefined ? "claimed" : state;
}

/**
 * One part of an isolating payload (src/core/importIsolation.ts): its import job follows the same
 * machine; Split and Refused are both failures, decided by the isolation's planner, not by an event.
 */
export const isolationPartJob = jobKind<PartStatus>("isolation part", {
  Pending: "queued",
  Started: "claimed",
  Running: "running",
  Imported: "completed",
  Split: "failed",
  Refused: "failed",
});
