/**
 * The planner under test, run pure: core/windowSizing.ts (the code PlanNextWindow calls) over a
 * sorted list of version instants, with the source's two queries answered from that list (the
 * oldest change at or after an instant, and the count in a window). Used where the dataset is too
 * large for the engine on the virtual clock, and on the engine's own dataset as a check that the
 * model plans the windows the engine planned.
 */
import { iso } from "../src/core/windows";
import { planSizedWindow } from "../src/core/windowSizing";
import type { SourceVersion } from "./originalSchedule";
import type { ModelWindow } from "./scheduleModel";

export interface PlannerLimits {
  lengthMs: number;
  chunkLimit: number;
  targetVersions: number;
  capMs: number;
}

export interface PlannedWindows {
  windows: { sinceMs: number; tillMs: number; versions: number; importable: number }[];
  /** Source queries the plannings sent: one oldest-change query each, plus its count queries. */
  queries: number;
  plannings: number;
}

function lowerBound(sorted: readonly SourceVersion[], atMs: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.atMs < atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Plans every window from the oldest version to the cap, as successive PlanNextWindow calls do. */
export async function planAllWindows(
  sorted: readonly SourceVersion[],
  limits: PlannerLimits,
  importableType: (type: string) => boolean,
): Promise<PlannedWindows> {
  const result: PlannedWindows = { windows: [], queries: 0, plannings: 0 };
  if (sorted.length === 0) return result;
  // Prefix sums of importable versions, so each window's import size is one subtraction.
  const importablePrefix = new Float64Array(sorted.length + 1);
  sorted.forEach((v, i) => {
    importablePrefix[i + 1] = importablePrefix[i]! + (importableType(v.type) ? 1 : 0);
  });
  let frontier = iso(sorted[0]!.atMs);
  for (;;) {
    result.plannings++;
    result.queries++;
    const at = lowerBound(sorted, Date.parse(frontier));
    const nextChange = at < sorted.length ? iso(sorted[at]!.atMs) : undefined;
    const plan = await planSizedWindow(frontier, nextChange, limits, async (w) => {
      return lowerBound(sorted, Date.parse(w.till)) - lowerBound(sorted, Date.parse(w.since));
    });
    result.queries += plan.countQueries;
    if (plan.kind !== "window") return result;
    const sinceMs = Date.parse(plan.window.since);
    const tillMs = Date.parse(plan.window.till);
    const from = lowerBound(sorted, sinceMs);
    const to = lowerBound(sorted, tillMs);
    result.windows.push({
      sinceMs,
      tillMs,
      versions: plan.count,
      importable: importablePrefix[to]! - importablePrefix[from]!,
    });
    frontier = plan.window.till;
  }
}

/**
 * A window's import bodies: one file per `rollingFileResources` resources of a type, at most
 * `fileCount` files per body. Resources are spread over the types in their overall shares (the
 * body count only changes above fileCount × rollingFileResources resources per window).
 */
export function importBodies(
  resources: number,
  typeCount: number,
  rollingFileResources: number,
  fileCount: number,
): number[] {
  if (resources <= 0) return [];
  const files = Math.max(1, Math.ceil(resources / rollingFileResources) + typeCount - 1);
  const bodies = Math.ceil(files / fileCount);
  const each = Math.ceil(resources / bodies);
  return Array.from({ length: bodies }, (_, i) => Math.min(each, resources - i * each));
}

export function modelWindows(
  planned: PlannedWindows,
  typeCount: number,
  rollingFileResources: number,
  fileCount: number,
): ModelWindow[] {
  return planned.windows.map((w) => ({
    exportVersions: w.versions,
    importResources: importBodies(w.importable, typeCount, rollingFileResources, fileCount),
  }));
}
