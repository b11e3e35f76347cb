/**
 * The destination's $reindex as a job kind (src/engine/jobRunner.ts drives it); its row is the
 * cursor and completion records nothing beyond the job's own detail.
 * While a reindex job is active the server answers a second POST with 201 and that job
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/Reindex/CreateReindexRequestHandler.cs),
 * so a kick-off repeated after an interruption adopts the running job and polls it. It cannot be a
 * job that predates a SearchParameter this tool wrote: those writes are refused with 409 while a
 * reindex job runs and are retried after it (searchParameters.ts).
 */
import { reindexJob, reindexJobState } from "../../core/jobLifecycle";
import { isSameAttempt, type JobAttempt } from "../../core/jobRules";
import type { CursorRecord, ReindexState } from "../../core/migrationState";
import type { ReindexStatus } from "../../fhir/types";
import type { EngineDeps } from "../deps";
import { describeError } from "../failures";
import { moved, type JobSpec } from "../jobRunner";

/** The cursor's reindex attempt: its claim has no number (one reindex at a time). */
function reindexAttempt(c: CursorRecord): JobAttempt {
  return { state: reindexJobState(c), url: c.reindexStatusUrl, claim: undefined };
}

export function reindexJobSpec(
  deps: EngineDeps,
): JobSpec<CursorRecord, ReindexState, undefined, ReindexStatus> {
  /** Writes `next` while the cursor still is the attempt acted on (another runner may have settled it). */
  const settle = (actedOn: CursorRecord, next: (c: CursorRecord) => CursorRecord) =>
    deps.state.changeCursor((c) =>
      isSameAttempt(reindexAttempt(c), reindexAttempt(actedOn)) ? next(c) : undefined,
    );
  const spec: JobSpec<CursorRecord, ReindexState, undefined, ReindexStatus> = {
    kind: reindexJob,
    change: (decide) => deps.state.changeCursor(decide),
    status: (c) => c.reindexState,
    withStatus: (c, reindexState) => ({ ...c, reindexState }),
    attempt: reindexAttempt,
    startTime: () => undefined,
    claimed: (c) => ({ ...c, reindexStatusUrl: undefined, reindexDetail: undefined }),
    prepare: () => Promise.resolve({ request: undefined }),
    kickOff: () => deps.destination.startReindex(),
    recordRule: "sameClaim",
    recorded: (c, statusUrl) => ({ ...c, reindexStatusUrl: statusUrl }),
    afterRecord: (_record, statusUrl) => {
      deps.log(`started $reindex on the destination: ${statusUrl}`);
      return Promise.resolve();
    },
    unclaimed: (c) => c,
    kickOffErrors: { transient: "retryAndRethrow", unknown: "retryAndRethrow" },
    kickOffFailedReason: (error) => `$reindex could not start: ${error}`,
    fail: async (actedOn, reason) => {
      await settle(actedOn, (c) => ({ ...moved(spec, c, "fail"), reindexDetail: reason }));
    },
    unrecordedClaim: { waitMs: 0, then: "retry" },
    unrecordedReason: "The $reindex kick-off did not record a status URL (interrupted)",
    poll: (statusUrl) => deps.destination.reindexStatus(statusUrl),
    async onRunning(cursor, status) {
      await settle(cursor, (c) => ({
        ...c,
        reindexDetail: `${status.status} ${status.progress ?? 0}/${status.total ?? "?"}`,
      }));
    },
    jobFailed: (cursor, error) => spec.fail(cursor, describeError(error)),
    async accept(cursor, status) {
      await settle(cursor, (c) => ({
        ...moved(spec, c, "complete"),
        reindexDetail: `completed: ${status.total ?? "?"} resources reindexed`,
      }));
      return { changed: true };
    },
  };
  return spec;
}
