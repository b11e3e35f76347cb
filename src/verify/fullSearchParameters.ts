/**
 * VerifyFullSearchParameters: compares the SearchParameters (copied by PUT, so only their current
 * versions can match).
 */
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { EngineDeps } from "../engine/deps";
import { compareSampledResources } from "./deepCompare";
import { PAGE_SIZE, entryId, readPages, resourceEntries } from "./paging";
import type { DeepCompareResult } from "./types";

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
