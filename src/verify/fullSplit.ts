/**
 * VerifyFullSplit: cuts counted ranges into units of bounded version count
 * (src/core/fullUnits.ts), a bounded number of count requests per activity.
 */
import type { CountedRange } from "../core/fullUnits";
import { mergeAdjacent, splitDecision } from "../core/fullUnits";
import type { EngineDeps } from "../engine/deps";
import { countBoth } from "./fullCounts";
import type { CountedUnit, FullSplitInput, FullSplitResult } from "./fullTypes";

/**
 * Splits counted ranges, earliest first, until each fits in a unit, the hop's count budget is spent
 * or it found `maxUnits` units; returns the units found (adjacent small ones merged) and the ranges
 * still to split.
 */
export async function splitFullRanges(
  deps: EngineDeps,
  input: FullSplitInput,
): Promise<FullSplitResult> {
  const queue: CountedRange[] = [...input.ranges];
  const units: CountedRange[] = [];
  let oversize = 0;
  let counts = 0;
  while (queue.length > 0 && counts < input.maxCounts && units.length < input.maxUnits) {
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
