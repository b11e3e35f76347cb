import { reindexJob, reindexJobState } from "../../core/jobLifecycle";
import { isFhirOperationError } from "../../errors";
import type { CursorRecord } from "../../core/migrationState";
import type { ActivityResult, EngineDeps } from "../deps";
import { describeError } from "../failures";

export async function pollReindex(deps: EngineDeps): Promise<ActivityResult> {
  const cursor = await deps.state.getCursor();
  if (!reindexJob.isInFlight(cursor.reindexState)) return { changed: false };
  if (cursor.reindexStatusUrl === undefined) {
    // Claimed but the kick-off was interrupted: start again.
    await deps.state.changeCursor((c) =>
      reindexJobState(c) === "claimed"
        ? { ...c, reindexState: reindexJob.next(c.reindexState, "requeue") }
        : undefined,
    );
    return { changed: true };
  }
  const polled = cursor.reindexStatusUrl;
  // Written only while the job polled is still the cursor's: another runner may have settled it.
  const sameJob = (c: CursorRecord): boolean =>
    reindexJob.isInFlight(c.reindexState) && c.reindexStatusUrl === polled;
  try {
    const status = await deps.destination.reindexStatus(polled);
    if (status.state === "running") {
      await deps.state.changeCursor((c) =>
        sameJob(c)
          ? {
              ...c,
              reindexDetail: `${status.status} ${status.progress ?? 0}/${status.total ?? "?"}`,
            }
          : undefined,
      );
      return { changed: false };
    }
    await deps.state.changeCursor((c) =>
      sameJob(c)
        ? {
            ...c,
            reindexState: reindexJob.next(c.reindexState, "complete"),
            reindexDetail: `completed: ${status.total ?? "?"} resources reindexed`,
          }
        : undefined,
    );
  } catch (error) {
    if (!isFhirOperationError(error)) throw error;
    await deps.state.changeCursor((c) =>
      sameJob(c)
        ? {
            ...c,
            reindexState: reindexJob.next(c.reindexState, "fail"),
            reindexDetail: describeError(error),
          }
        : undefined,
    );
  }
  return { changed: true };
}
