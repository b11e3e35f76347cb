/**
 * The schedule model: how long a list of windows takes to export and import under this project's
 * concurrency rules (AZURE_MaxExportsInFlight exports planned or running, a bound on unprocessed
 * windows, AZURE_PayloadCount imports running, imports started in window order) and the latency
 * model (a fixed time per job, then each job's versions moved at its own rate, with a server-wide
 * throughput shared by the jobs moving at once: emulator/sharedThroughput.ts, the same
 * code the emulators use).
 *
 * With `pollMs` 0 every job starts the instant the rules allow and every completion is acted on the
 * instant it happens (the zero-overhead schedule of those windows). With `pollMs` > 0 completions are
 * acted on at the next pass, as the orchestrator does: passes run every `pollMs` from the start
 * and everything a pass unblocks happens at that instant (planning, export kick-off, payload
 * building and import kick-off take no simulated time, as on the benchmark's virtual clock).
 */
import { SharedThroughput } from "../emulator/sharedThroughput";
import type { BenchLatency } from "./model";

export interface ModelWindow {
  exportVersions: number;
  /** Resources of each import body of the window (none when nothing importable). */
  importResources: number[];
}

export interface ScheduleRules {
  maxExportsInFlight: number;
  maxUnprocessedWindows: number;
  payloadCount: number;
}

function server(perSecond: number | undefined): SharedThroughput {
  return new SharedThroughput(perSecond === undefined ? undefined : perSecond / 1000);
}

/** Makespan (ms from the start) until the last window is processed, as the schedule acts on it. */
export function scheduleMakespan(
  windows: readonly ModelWindow[],
  rules: ScheduleRules,
  latency: BenchLatency,
  pollMs = 0,
): number {
  const exports = server(latency.exportThroughputPerSecond);
  const imports = server(latency.importThroughputPerSecond);
  const importWindow = new Map<number, number>();
  const importsLeft = windows.map((w) => w.importResources.length);
  const pending: { window: number; resources: number }[] = [];
  let nextId = windows.length;
  let nextToPlan = 0;
  let exporting = 0;
  let importing = 0;
  let unprocessed = 0;
  let processed = 0;
  let now = 0;
  let finishedAt = 0;
  const doneExports: number[] = [];
  const doneImports: number[] = [];
  const collect = (at: number): void => {
    for (const c of exports.advanceTo(at)) doneExports.push(c.id);
    for (const c of imports.advanceTo(at)) doneImports.push(c.id);
  };

  for (;;) {
    // One pass at `now`: act on every completion seen, then start what the rules allow.
    collect(now);
    for (const w of doneExports.splice(0)) {
      exporting--;
      if (importsLeft[w] === 0) {
        unprocessed--;
        processed++;
        finishedAt = now;
      }
      for (const resources of windows[w]!.importResources) pending.push({ window: w, resources });
    }
    for (const id of doneImports.splice(0)) {
      importing--;
      const w = importWindow.get(id)!;
      if (--importsLeft[w]! === 0) {
        unprocessed--;
        processed++;
        finishedAt = now;
      }
    }
    if (processed === windows.length) return finishedAt;
    while (pending.length > 0 && importing < rules.payloadCount) {
      const next = pending.shift()!;
      const id = nextId++;
      importWindow.set(id, next.window);
      imports.add(id, now + latency.importFixedMs, next.resources, latency.importPerResourceMs);
      importing++;
    }
    while (
      nextToPlan < windows.length &&
      exporting < rules.maxExportsInFlight &&
      unprocessed < rules.maxUnprocessedWindows
    ) {
      exports.add(
        nextToPlan,
        now + latency.exportFixedMs,
        windows[nextToPlan]!.exportVersions,
        latency.exportPerResourceMs,
      );
      nextToPlan++;
      exporting++;
      unprocessed++;
    }
    // Run the servers to the next completion; the next pass sees it.
    let completionAt: number | undefined;
    while (completionAt === undefined) {
      const e = [exports.nextEventMs(), imports.nextEventMs()].filter(
        (t): t is number => t !== undefined,
      );
      if (e.length === 0)
        throw new Error("schedule model: nothing running and windows left; the rules cannot move");
      const at = Math.min(...e);
      collect(at);
      if (doneExports.length + doneImports.length > 0) completionAt = at;
    }
    now = pollMs > 0 ? Math.ceil(completionAt / pollMs) * pollMs : completionAt;
  }
}
