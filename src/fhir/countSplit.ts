/**
 * Counts that fit what the server can answer (docs/server-behaviour.md §5.1). A `_summary=count`
 * above int.MaxValue is refused, on both stores (src/Microsoft.Health.Fhir.CosmosDb/Features/Search/FhirCosmosSearchService.cs,
 * ExecuteCountSearchAsync; the SQL store likewise), with 403 and the issue "Search count returned N
 * and exceeds the maximum defined limit of 2147483647."; a count over a huge range may also take
 * longer than the request timeout. Either way the range is cut in two halves by `lastUpdated`,
 * each counted (and cut again if it too is refused), and the halves added: half-open bounds
 * (`ge`/`lt`, `_since`/`_before`) make the parts add up to exactly the whole. A refusal or a
 * timeout is never a failure of whatever asked for the count.
 */
import { FhirOperationError, isFhirOperationError } from "../errors";
import { isRequestTimeout } from "./http";
import type { CountQuery } from "./types";

/** The server's refusal of a count above int.MaxValue (Resources.resx SearchCountResultsExceedLimit). */
const COUNT_LIMIT_REFUSAL = /exceeds the maximum defined limit/i;

/** Counts one query may be cut into at most: a range that still cannot be counted is an error. */
export const MAX_COUNT_PARTS = 4_096;

export function isCountRefusal(error: unknown): boolean {
  return (
    isFhirOperationError(error) &&
    (error.status === 403 || error.status === 400) &&
    COUNT_LIMIT_REFUSAL.test(error.diagnostics)
  );
}

/** Why a count had to be cut: the server refused it, or it timed out. */
function isSplittable(error: unknown): boolean {
  return isCountRefusal(error) || isRequestTimeout(error);
}

/**
 * `query` counted with `countOnce`, cut by time wherever the server refuses or times out. An
 * unbounded side stays unbounded in its half (the lower half of `[−∞, t)` is `[−∞, m)`), so the
 * halves cover exactly what the query did; `nowMs` only places the first cut.
 */
export async function countInParts(
  query: CountQuery,
  countOnce: (query: CountQuery) => Promise<number>,
  nowMs: number,
): Promise<number> {
  let parts = 0;
  const count = async (q: CountQuery): Promise<number> => {
    parts++;
    try {
      return await countOnce(q);
    } catch (error) {
      if (!isSplittable(error)) throw error;
      const lower = q.since === undefined ? 0 : Date.parse(q.since);
      const upper = q.till === undefined ? Math.max(nowMs, lower + 2) : Date.parse(q.till);
      if (upper - lower < 2 || parts >= MAX_COUNT_PARTS) {
        throw new FhirOperationError(
          `Counting ${describe(q)} failed even cut into ${parts} parts by lastUpdated: ${(error as Error).message}`,
          isFhirOperationError(error) ? error.facts : { method: "GET", url: describe(q) },
          isFhirOperationError(error) ? error.diagnostics : "",
          { cause: error },
        );
      }
      const middle = new Date(lower + Math.floor((upper - lower) / 2)).toISOString();
      // One half after the other: a server that could not answer one count is not asked two at once.
      const before = await count({ ...q, till: middle });
      return before + (await count({ ...q, since: middle }));
    }
  };
  return count(query);
}

function describe(q: CountQuery): string {
  const what = `${q.type ?? "every type"}${q.history === true ? " (history)" : ""}`;
  return `${what} from ${q.since ?? "the beginning"} to ${q.till ?? "now"}`;
}
