/**
 * Windows sized by what they hold (AZURE_ChunkTargetResources, "the target"). Every export and
 * import job costs the servers minutes before it moves a single version, so over years of sparse
 * data the number of windows, not the number of versions, decides catch-up time; and one huge
 * window at the end keeps the destination waiting for its export and then imports alone
 * (docs/performance.md). So, with a target T:
 *
 * - a first AZURE_ExportChunkTime step (from the first change after the frontier) holding more
 *   than T is cut by time to at most T, the way AZURE_ChunkLimit cuts (core/windows.ts);
 * - a step holding fewer is extended by whole steps up to the first step boundary where the
 *   window holds at least T, unless that boundary would take it past 2T (or AZURE_ChunkLimit): it
 *   then ends one step earlier, below T, and the dense stretch after it gets windows of its own.
 *
 * The growth gallops (1, 2, 4, … steps), then bisects back to the first step whose count reaches
 * the target, so ten sparse years in thirty-day steps cost about a dozen count queries, not a
 * hundred; it spends at most MAX_SIZING_COUNT_QUERIES. A target of 0 plans what planWindow plans.
 */
import type { Window, WindowCounter, WindowLimits, WindowPlan } from "./windows";
import { iso, ms, planWindow } from "./windows";

/** Count queries a planning may spend on growing one window, beyond those of `planWindow`. */
export const MAX_SIZING_COUNT_QUERIES = 24;

export interface SizingLimits extends WindowLimits {
  /** AZURE_ChunkTargetResources: versions a window should hold at least; 0 = one step per window. */
  targetVersions: number;
}

/**
 * Plans the next window after `frontier`: cut to the target when its first step is denser, grown
 * towards the target when sparser. The result always starts at the frontier, holds the first change
 * after it, ends on the step grid (first change + k × length), at the cap, or inside the first
 * step when that was cut, and holds at most `chunkLimit` versions (unless a single second holds
 * more, as in `planWindow`).
 */
export async function planSizedWindow(
  frontier: string,
  nextChange: string | undefined,
  limits: SizingLimits,
  count: WindowCounter,
): Promise<WindowPlan> {
  const target = Math.min(limits.targetVersions, limits.chunkLimit);
  if (target <= 0) return planWindow(frontier, nextChange, limits, count);
  // Most a window may hold: the cut of a dense first step, and the growth's upper limit.
  const plan = await planWindow(frontier, nextChange, { ...limits, chunkLimit: target }, count);
  const ceiling = Math.min(limits.chunkLimit, 2 * target);
  if (plan.kind !== "window" || plan.count >= target) return plan;
  const tillMs = ms(plan.window.till);
  // planWindow pulled the end in (the first step was over the chunk limit), or the step ended at
  // the cap: nothing to grow into.
  const changeMs = Math.max(ms(nextChange!), ms(frontier));
  const stepMs = limits.lengthMs;
  if (tillMs >= limits.capMs || tillMs < Math.min(changeMs + stepMs, limits.capMs)) return plan;

  let queries = 0;
  const countTo = async (endMs: number): Promise<number> => {
    queries++;
    return count({ since: frontier, till: iso(endMs) });
  };
  /** The end after `steps` whole steps from the first change, never past the cap. */
  const endAfter = (steps: number): number => Math.min(changeMs + steps * stepMs, limits.capMs);

  // Below target at `lo` steps (fits), at or above at `hi` steps (when found).
  let lo = 1;
  let loCount = plan.count;
  let hi: number | undefined;
  let hiCount = 0;
  for (let steps = 2; queries < MAX_SIZING_COUNT_QUERIES; steps *= 2) {
    const endMs = endAfter(steps);
    const n = await countTo(endMs);
    if (n >= target) {
      hi = steps;
      hiCount = n;
      break;
    }
    lo = steps;
    loCount = n;
    if (endMs >= limits.capMs) break;
  }
  if (hi !== undefined) {
    while (hi - lo > 1 && queries < MAX_SIZING_COUNT_QUERIES) {
      const mid = Math.floor((lo + hi) / 2);
      const n = await countTo(endAfter(mid));
      if (n >= target) {
        hi = mid;
        hiCount = n;
      } else {
        lo = mid;
        loCount = n;
      }
    }
  }
  // The first end that reaches the target, when it was pinned to one step and stays under the
  // ceiling; otherwise the largest end known to stay below the target.
  const useHi = hi !== undefined && hi - lo <= 1 && hiCount <= ceiling;
  const window: Window = {
    since: frontier,
    till: iso(useHi ? endAfter(hi!) : endAfter(lo)),
  };
  return {
    kind: "window",
    window,
    count: useHi ? hiCount : loCount,
    countQueries: plan.countQueries + queries,
  };
}
