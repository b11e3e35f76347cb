import { reindexJob, reindexJobState } from "../../core/jobLifecycle";
import type { CursorRecord } from "../../core/migrationState";
import { isFhirOperationError } from "../../errors";
import type { ActivityResult, EngineDeps } from "../deps";
import { describeError } from "../failures";

/**
 * With AZURE_ReindexAfterCatchUp: once caught up, starts `$reindex` on the destination so data
 * imported before the custom SearchParameters existed there becomes searchable by them.
 * While a reindex job is active the server answers a second POST with 201 and that job
 * (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/Reindex/CreateReindexRequestHandler.cs),
 * so a kick-off repeated after an interruption adopts the running job and polls it. It cannot be a
 * job that predates a SearchParameter this tool wrote: those writes are refused with 409 while a
 * reindex job runs and are retried after it (searchParameters.ts).
 */
export async function startReindex(deps: EngineDeps): Promise<ActivityResult> {
  const claim = await deps.state.changeCursor((c) =>
    reindexJob.can(c.reindexState, "claim")
      ? {
          ...c,
          reindexState: reindexJob.next(c.reindexState, "claim"),
          reindexStatusUrl: undefined,
          reindexDetail: undefined,
        }
      : undefined,
  );
  if (!claim.written) return { changed: false };
  // This runner's claim, until its status URL is recorded (another runner may have reset it meanwhile).
  const mine = (c: CursorRecord): boolean =>
    reindexJobState(c) === "claimed" && c.reindexStatusUrl === undefined;
  try {
    const { statusUrl } = await deps.destination.startReindex();
    await deps.state.changeCursor((c) =>
      mine(c) ? { ...c, reindexStatusUrl: statusUrl } : undefined,
    );
    deps.log(`started $reindex on the destination: ${statusUrl}`);
  } catch (error) {
    if (!isFhirOperationError(error)) {
      // This runner's claim goes back to the queue.
      await deps.state.changeCursor((c) =>
        mine(c) ? { ...c, reindexState: reindexJob.next(c.reindexState, "requeue") } : undefined,
      );
      throw error;
    }
    await deps.state.changeCursor((c) =>
      mine(c)
        ? {
            ...c,
            reindexState: reindexJob.next(c.reindexState, "fail"),
            reindexDetail: `$reindex could not start: ${describeError(error)}`,
          }
        : undefined,
    );
  }
  return { changed: true };
}
