import { reindexJob, reindexJobState } from "../../core/jobLifecycle";
import { isFhirOperationError } from "../../errors";
import type { ActivityResult, EngineDeps } from "../deps";
import { describeError } from "../failures";

export async function pollReindex(deps: EngineDeps): Promise<ActivityResult> {
  const cursor = await deps.state.getCursor();
  if (!reindexJob.isInFlight(cursor.reindexState)) return { changed: false };
  if (cursor.reindexStatusUrl === undefined) {
    // Claimed but the kick-off was interrupted: start again.
    await deps.state.updateCursor((c) =>
      reindexJobState(c) === "claimed"
        ? { ...c, reindexState: reindexJob.next(c.reindexState, "requeue") }
        : undefined,
    );
    return { changed: true };
  }
  try {
    const status = await deps.destination.reindexStatus(cursor.reindexStatusUrl);
    if (status.state === "running") {
      await deps.state.updateCursor((c) => ({
        ...c,
        reindexDetail: `${status.status} ${status.progress ?? 0}/${status.total ?? "?"}`,
      }));
      return { changed: false };
    }
    await deps.state.updateCursor((c) => ({
      ...c,
      reindexState: reindexJob.next("running", "complete"),
      reindexDetail: `completed: ${status.total ?? "?"} resources reindexed`,
    }));
  } catch (error) {
    if (!isFhirOperationError(error)) throw error;
    await deps.state.updateCursor((c) => ({
      ...c,
      reindexState: reindexJob.next("running", "fail"),
      reindexDetail: describeError(error),
    }));
  }
  return { changed: true };
}
