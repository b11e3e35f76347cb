/**
 * VerifyFullPlan fixes the run's timeline `[since, till)` (or reads it back when a run is resumed)
 * and counts it. VerifyFullSplit (fullSplit.ts) cuts counted ranges into units of bounded version
 * count; VerifyFullSearchParameters (fullSearchParameters.ts) compares the SearchParameters.
 */
import { unitVersionsFor } from "../core/fullUnits";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { EngineDeps } from "../engine/deps";
import { countBoth } from "./fullCounts";
import type { FullPlan, FullPlanInput, FullScope } from "./fullTypes";

/**
 * Memory the units of one run may hold at once (all units in flight together). With the default
 * AZURE_CheckConcurrency of 8 this gives units of about 50,000 versions.
 */
export const FULL_MEMORY_BYTES = 256 * 1024 * 1024;

/**
 * The run's end stays this far behind the checker's clock: `_before` in the future is refused
 * (SearchService.SearchHistoryAsync, HistoryParameterBeforeCannotBeFuture), and the servers' clocks
 * may run a little behind ours.
 */
export const TILL_MARGIN_MS = 5_000;

const PLAN_ROW = { resourceType: "_plan", key: "range" } as const;

interface StoredPlan {
  scope: FullScope;
  sinceMs: number;
  tillMs: number;
  unitVersions: number;
  /** Absent in plans stored before incremental proofs. */
  incremental?: boolean;
}

export async function planFullCheck(deps: EngineDeps, input: FullPlanInput): Promise<FullPlan> {
  const scope: FullScope = deps.settings.export.withHistory ? "history" : "current";
  const cursor = await deps.state.getCursor();
  const rowKey = { runId: input.runId, kind: "full" as const, ...PLAN_ROW };
  let stored: StoredPlan;
  let resumed = false;
  let startedAt = new Date(deps.clock.now()).toISOString();
  const previous = input.resume ? await deps.state.getCheckResult(rowKey) : undefined;
  if (input.resume && previous === undefined) {
    throw new Error(
      `There is no full check named ${input.runId} to resume (no plan row in the job table's checks partition); start a new run without resume`,
    );
  }
  if (previous !== undefined) {
    const details = JSON.parse(previous.details) as { plan: StoredPlan; startedAt?: string };
    stored = details.plan;
    startedAt = details.startedAt ?? startedAt;
    resumed = true;
  } else {
    const tillMs = Math.floor(deps.clock.now()) - TILL_MARGIN_MS;
    const given = input.sinceMs ?? undefined;
    const oldest = await Promise.all([
      deps.source.oldestLastUpdated(scope === "history"),
      deps.destination.oldestLastUpdated(scope === "history"),
    ]);
    const starts = oldest
      .filter((o): o is string => o !== undefined)
      .map((o) => Math.floor(Date.parse(o)));
    // Before AZURE_StartDate nothing is migrated, so nothing there is compared.
    const startDate = deps.settings.chunking.startDate;
    const sinceMs = starts.length === 0 ? tillMs : Math.min(tillMs, Math.min(...starts));
    const from =
      startDate === undefined ? sinceMs : Math.max(sinceMs, Math.floor(Date.parse(startDate)));
    // An incremental proof starts where it is told, never before the whole range would.
    const start = given === undefined ? from : Math.max(from, Math.floor(given));
    stored = {
      scope,
      sinceMs: Math.min(start, tillMs),
      tillMs,
      unitVersions: input.unitVersions ?? unitVersionsFor(FULL_MEMORY_BYTES, input.concurrency),
      incremental: given !== undefined,
    };
  }
  if (stored.scope !== scope) {
    throw new Error(
      `Run ${input.runId} compared ${stored.scope} versions, but AZURE_ExportWithHistory now asks for ${scope}; start a new run`,
    );
  }
  const counted = stored.tillMs > stored.sinceMs;
  const [counts, searchParameters] = await Promise.all([
    counted ? countBoth(deps, scope, stored.sinceMs, stored.tillMs) : { source: 0, destination: 0 },
    // The units skip SearchParameter versions: the progress counts what they compare.
    counted
      ? deps.source.count({
          type: SEARCH_PARAMETER_TYPE,
          history: scope === "history",
          since: new Date(stored.sinceMs).toISOString(),
          till: new Date(stored.tillMs).toISOString(),
        })
      : 0,
  ]);
  if (!resumed) {
    await deps.state.recordCheckResult({
      ...rowKey,
      result: "Pass",
      details: JSON.stringify({
        reason: `full check of ${counts.source} source versions from ${new Date(stored.sinceMs).toISOString()} to ${new Date(stored.tillMs).toISOString()}, units of at most ${stored.unitVersions} versions`,
        plan: stored,
        startedAt,
        source: counts.source,
        destination: counts.destination,
        searchParameters,
      }),
    });
  }
  return {
    scope,
    sinceMs: stored.sinceMs,
    tillMs: stored.tillMs,
    source: counts.source,
    destination: counts.destination,
    searchParameters,
    unitVersions: stored.unitVersions,
    resumed,
    migratesDeletes: deps.settings.export.withDelete,
    watermark: cursor.watermark ?? null,
    incremental: stored.incremental === true,
    startedAt,
  };
}
