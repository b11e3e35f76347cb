/**
 * The best plan, computed without the planner under test. A plan cuts the dataset's versions,
 * sorted by lastUpdated, into consecutive windows; windows can end between any two instants, so
 * what a plan decides is how many versions each window holds (k windows of n₁ … n_k versions,
 * each at most AZURE_ChunkLimit). Its time is the schedule model's (bench/scheduleModel.ts, zero
 * overhead) under the same rules and latency.
 *
 * The figure reported as "best plan" is a **provable lower bound** on the fastest schedule of any
 * plan (so the overhead over it is an upper bound on the overhead over the true optimum):
 *
 * - import-bound: no import can start before some export has finished (≥ export fixed time), and
 *   then waits its own fixed time before it moves a resource; from then on the destination moves
 *   at most R_i resources/s (its server-wide throughput, and at most AZURE_PayloadCount jobs at
 *   their own rate). So T ≥ F_e + F_i + I / R_i for I importable resources.
 * - export-bound: the last export finishes no earlier than F_e + V / R_e (V versions, R_e the
 *   source's rate, at most AZURE_MaxExportsInFlight jobs at their own rate), and its import takes
 *   at least F_i after that. So T ≥ F_e + V / R_e + F_i.
 * - job-bound: at least ⌈V / ChunkLimit⌉ exports, at most AZURE_MaxExportsInFlight at once, each at
 *   least F_e: T ≥ ⌈⌈V / ChunkLimit⌉ / X⌉ · F_e + F_i.
 *
 * To show how close the bound is to a plan that exists, the best of a family of concrete plans is
 * scheduled too (k equal windows for every k up to 200, and the same with a first window of a
 * quarter or a sixteenth of the others, so imports start sooner): the optimum lies between the two.
 */
import type { BenchLatency } from "./model";
import type { ModelWindow, ScheduleRules } from "./scheduleModel";
import { scheduleMakespan } from "./scheduleModel";

export interface BestPlanInput {
  versions: number;
  importable: number;
  chunkLimit: number;
  rules: ScheduleRules;
  latency: BenchLatency;
  /** Import bodies of a window of `resources` importable resources. */
  bodies: (resources: number) => number[];
}

export interface LowerBound {
  ms: number;
  binding: "import" | "export" | "jobs";
}

function rate(perResourceMs: number, slots: number, serverPerSecond: number | undefined): number {
  const own = perResourceMs > 0 ? slots / perResourceMs : Number.POSITIVE_INFINITY;
  return serverPerSecond === undefined ? own : Math.min(own, serverPerSecond / 1000);
}

export function bestPlanLowerBound(input: BestPlanInput): LowerBound {
  const { latency: l, rules } = input;
  const importRate = rate(l.importPerResourceMs, rules.payloadCount, l.importThroughputPerSecond);
  const exportRate = rate(
    l.exportPerResourceMs,
    rules.maxExportsInFlight,
    l.exportThroughputPerSecond,
  );
  const bounds: LowerBound[] = [
    { binding: "import", ms: l.exportFixedMs + l.importFixedMs + input.importable / importRate },
    { binding: "export", ms: l.exportFixedMs + input.versions / exportRate + l.importFixedMs },
    {
      binding: "jobs",
      ms:
        Math.ceil(Math.ceil(input.versions / input.chunkLimit) / rules.maxExportsInFlight) *
          l.exportFixedMs +
        l.importFixedMs,
    },
  ];
  return bounds.reduce((a, b) => (b.ms > a.ms ? b : a));
}

export interface ConstructedPlan {
  ms: number;
  windows: number;
  firstShare: number;
}

/** The fastest plan of the family above, scheduled with zero overhead. */
export function bestConstructedPlan(input: BestPlanInput): ConstructedPlan {
  const { versions, importable } = input;
  const share = versions === 0 ? 0 : importable / versions;
  let best: ConstructedPlan = { ms: Number.POSITIVE_INFINITY, windows: 0, firstShare: 1 };
  const minWindows = Math.max(1, Math.ceil(versions / input.chunkLimit));
  for (let k = minWindows; k <= Math.max(minWindows, Math.min(200, versions)); k++) {
    for (const firstShare of [1, 1 / 4, 1 / 16]) {
      if (k === 1 && firstShare !== 1) continue;
      // First window firstShare of the others; all windows hold whole versions.
      const rest = versions / (k - 1 + firstShare);
      const ends = Array.from({ length: k }, (_, i) =>
        i === k - 1 ? versions : Math.round(firstShare * rest + i * rest),
      );
      const windows: ModelWindow[] = ends.map((end, i) => {
        const n = end - (i === 0 ? 0 : ends[i - 1]!);
        return { exportVersions: n, importResources: input.bodies(Math.round(n * share)) };
      });
      if (windows.some((w) => w.exportVersions > input.chunkLimit || w.exportVersions <= 0))
        continue;
      const ms = scheduleMakespan(windows, input.rules, input.latency);
      if (ms < best.ms) best = { ms, windows: k, firstShare };
    }
  }
  return best;
}
