/**
 * The full check's planning activities: VerifyFullPlan fixes the run's timeline `[since, till)`
 * (or reads it back when a run is resumed) and counts it; VerifyFullSplit cuts counted ranges into
 * units of bounded version count (src/core/fullUnits.ts), a bounded number of count requests per
 * activity; VerifyFullSearchParameters compares the SearchParameters (copied by PUT, so only
 * their current versions can match).
 */
import type { CountedRange } from "../core/fullUnits";
import { mergeAdjacent, splitDecision, unitVersionsFor } from "../core/fullUnits";
import { nextFullProof } from "../core/fullProof";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { EngineDeps } from "../engine/deps";
import type { FhirClient } from "../fhir/types";
import { compareSampledResources } from "./deepCompare";
import type {
  CountedUnit,
  FullPlan,
  FullPlanInput,
  FullRecordInput,
  FullScope,
  FullSplitInput,
  FullSplitResult,
} from "./fullTypes";
import { PAGE_SIZE, entryId, readPages, resourceEntries } from "./paging";
import type { DeepCompareResult } from "./types";

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

async function countRange(
  client: FhirClient,
  scope: FullScope,
  sinceMs: number,
  tillMs: number,
): Promise<number> {
  return client.count({
    history: scope === "history",
    since: new Date(sinceMs).toISOString(),
    till: new Date(tillMs).toISOString(),
  });
}

async function countBoth(deps: EngineDeps, scope: FullScope, sinceMs: number, tillMs: number) {
  const [source, destination] = await Promise.all([
    countRange(deps.source, scope, sinceMs, tillMs),
    countRange(deps.destination, scope, sinceMs, tillMs),
  ]);
  return { sinceMs, tillMs, source, destination };
}

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
  const previous = input.resume ? await deps.state.getCheckResult(rowKey) : undefined;
  if (input.resume && previous === undefined) {
    throw new Error(
      `There is no full check named ${input.runId} to resume (no plan row in the job table's checks partition); start a new run without resume`,
    );
  }
  if (previous !== undefined) {
    stored = (JSON.parse(previous.details) as { plan: StoredPlan }).plan;
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
  const counts =
    stored.tillMs > stored.sinceMs
      ? await countBoth(deps, scope, stored.sinceMs, stored.tillMs)
      : { source: 0, destination: 0 };
  if (!resumed) {
    await deps.state.recordCheckResult({
      ...rowKey,
      result: "Pass",
      details: JSON.stringify({
        reason: `full check of ${counts.source} source versions from ${new Date(stored.sinceMs).toISOString()} to ${new Date(stored.tillMs).toISOString()}, units of at most ${stored.unitVersions} versions`,
        plan: stored,
        startedAt: new Date(deps.clock.now()).toISOString(),
        source: counts.source,
        destination: counts.destination,
      }),
    });
  }
  return {
    scope,
    sinceMs: stored.sinceMs,
    tillMs: stored.tillMs,
    source: counts.source,
    destination: counts.destination,
    unitVersions: stored.unitVersions,
    resumed,
    migratesDeletes: deps.settings.export.withDelete,
    watermark: cursor.watermark ?? null,
    incremental: stored.incremental === true,
  };
}

/** VerifyFullRecord: a passing full check extends (or, over the whole range, starts) the last full proof. */
export async function recordFullProof(
  deps: EngineDeps,
  input: FullRecordInput,
): Promise<{ provenUntil: string | null }> {
  const record = await deps.state.updateFullProof((last) =>
    nextFullProof(last, { ...input, passedAtMs: deps.clock.now() }),
  );
  return { provenUntil: record?.provenUntil ?? null };
}

/**
 * Splits counted ranges, earliest first, until each fits in a unit or the hop's count budget is
 * spent; returns the units found (adjacent small ones merged) and the ranges still to split.
 */
export async function splitFullRanges(
  deps: EngineDeps,
  input: FullSplitInput,
): Promise<FullSplitResult> {
  const queue: CountedRange[] = [...input.ranges];
  const units: CountedRange[] = [];
  let oversize = 0;
  let counts = 0;
  while (queue.length > 0 && counts < input.maxCounts) {
    const range = queue.shift()!;
    const decision = splitDecision(range, input.unitVersions);
    if (decision.kind === "unit") {
      if (decision.oversize) oversize++;
      units.push(range);
      continue;
    }
    const parts: CountedRange[] = [];
    // Parts are counted a few at a time: concurrency bounds the requests in flight to each server.
    for (let i = 0; i < decision.parts.length; i += input.concurrency) {
      const batch = decision.parts.slice(i, i + input.concurrency);
      parts.push(
        ...(await Promise.all(batch.map((p) => countBoth(deps, input.scope, p.sinceMs, p.tillMs)))),
      );
    }
    counts += parts.length;
    // Empty parts are still units (cheap: two empty pages): the timeline stays covered without gaps.
    queue.unshift(...parts);
  }
  return {
    units: mergeAdjacent(units, input.unitVersions) satisfies CountedUnit[],
    oversize,
    pending: queue,
  };
}

/**
 * Every SearchParameter on the source, compared current version only (they are copied by PUT before
 * the data, so the destination gives them its own versions; docs/verification.md).
 */
export async function compareFullSearchParameters(
  deps: EngineDeps,
  input: { runId: string; migratesDeletes: boolean; watermark: string | null; concurrency: number },
): Promise<DeepCompareResult> {
  const ids: string[] = [];
  await readPages(
    deps.source,
    `${SEARCH_PARAMETER_TYPE}?_count=${PAGE_SIZE}&_elements=id`,
    { maxPages: Number.MAX_SAFE_INTEGER, budgetMs: Number.POSITIVE_INFINITY, now: () => 0 },
    (bundle) => {
      for (const e of resourceEntries(bundle)) {
        const id = entryId(e, SEARCH_PARAMETER_TYPE);
        if (id !== undefined) ids.push(id);
      }
    },
  );
  return compareSampledResources(deps, SEARCH_PARAMETER_TYPE, ids, {
    runId: input.runId,
    concurrency: input.concurrency,
    history: false,
    migratesDeletes: input.migratesDeletes,
    watermark: input.watermark,
  });
}
