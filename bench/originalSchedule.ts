/**
 * The original tool's schedule, simulated over a dataset and a job latency model (it does not run
 * the original's code; it replays the timing rules its code follows, from the reference on the
 * original tool, sections 1.1-1.5, 4.2, 5 and weaknesses W1-W5):
 *
 * - A timer tick every five minutes (the pre-#98 cron `0 *\/5 * * * *`; the deployed default is now
 *   hourly) starts one MigrationOrchestration run unless one is still running (fixed instance id).
 * - A run does Export → ExportStatus → Import → ImportStatus strictly in sequence. It starts an export
 *   only when nothing is in flight, so one window per run: `[since, min(since + 30 days, now))`, every
 *   window exported even when empty (no count-based skipping below 100M resources).
 * - ExportStatus checks at once, then every ScheduleInterval (2 minutes, the deployed value) while
 *   202; a 200 must be seen three times a minute apart (two one-minute timers).
 * - Import posts up to PayloadCount (5) bodies of up to FileCount (10,000) files, only when no import
 *   is running. ImportStatus polls only the first running import (at once, then every 2 minutes) and
 *   the run ends when it completes; each further running import takes one more run.
 * - The cursor moves to the window's end when its last payload completes; only then can a later run
 *   start the next export.
 *
 * Favourable simplifications: activities, table I/O and the two system-wide counts per import poll
 * take no time, and a run that ends exactly on a tick is picked up by that tick.
 */
import { SharedThroughput } from "../emulator/sharedThroughput";
import type { LatencyModel } from "../emulator/types";
import type { VersionSource } from "./versionSource";

export interface SourceVersion {
  atMs: number;
  type: string;
}

export interface OriginalScheduleRules {
  /** Instant of the first timer tick (the migration start). */
  startMs: number;
  timerMs: number;
  windowMs: number;
  pollMs: number;
  confirmations: number;
  confirmDelayMs: number;
  payloadCount: number;
  fileCount: number;
  /** Resources per exported NDJSON file (the server's 64 MB rolling file). */
  rollingFileResources: number;
  latency: Required<
    Pick<
      LatencyModel,
      "exportFixedMs" | "exportPerResourceMs" | "importFixedMs" | "importPerResourceMs"
    >
  > &
    Pick<LatencyModel, "importThroughputPerSecond">;
}

/**
 * When each of the import bodies posted together at `startMs` ends: each waits the fixed time, then
 * they share the destination's rate (emulator/sharedThroughput.ts, as the emulators and the other
 * models do).
 */
function importsEnd(
  startMs: number,
  lines: readonly number[],
  latency: OriginalScheduleRules["latency"],
): number[] {
  const perSecond = latency.importThroughputPerSecond;
  const server = new SharedThroughput(perSecond === undefined ? undefined : perSecond / 1000);
  lines.forEach((n, id) =>
    server.add(id, startMs + latency.importFixedMs, n, latency.importPerResourceMs),
  );
  const ends = new Array<number>(lines.length);
  let left = lines.length;
  for (let at = server.nextEventMs(); left > 0 && at !== undefined; at = server.nextEventMs()) {
    for (const c of server.advanceTo(at)) {
      ends[c.id] = c.doneMs;
      left--;
    }
  }
  return ends;
}

export interface OriginalWindow {
  sinceMs: number;
  tillMs: number;
  versions: number;
  payloads: number;
  exportStartMs: number;
  exportConfirmedMs: number;
  processedMs: number;
  runs: number;
}

export interface OriginalScheduleResult {
  /** From the first tick until the last window holding seeded data is processed. */
  catchUpMs: number;
  windows: OriginalWindow[];
  runs: number;
}

const SEARCH_PARAMETER = "SearchParameter";

/** First poll at or after `dueMs` when polling at `fromMs`, then every `pollMs`. */
function firstPollAtOrAfter(fromMs: number, dueMs: number, pollMs: number): number {
  if (dueMs <= fromMs) return fromMs;
  return fromMs + Math.ceil((dueMs - fromMs) / pollMs) * pollMs;
}

/** Lines per import body: one file per `rollingFileResources` resources of a type, `fileCount` files per body. */
function payloadLines(byType: ReadonlyMap<string, number>, rules: OriginalScheduleRules): number[] {
  const files: number[] = [];
  for (const [type, count] of byType) {
    if (type === SEARCH_PARAMETER) continue;
    for (let left = count; left > 0; left -= rules.rollingFileResources) {
      files.push(Math.min(left, rules.rollingFileResources));
    }
  }
  const payloads: number[] = [];
  for (let i = 0; i < files.length; i += rules.fileCount) {
    payloads.push(files.slice(i, i + rules.fileCount).reduce((a, b) => a + b, 0));
  }
  return payloads;
}

export function simulateOriginalSchedule(
  source: VersionSource,
  rules: OriginalScheduleRules,
): OriginalScheduleResult {
  const firstAtMs = source.firstAtOrAfter(Number.NEGATIVE_INFINITY);
  const lastAtMs = source.lastAtMs;
  if (firstAtMs === undefined || lastAtMs === undefined)
    return { catchUpMs: 0, windows: [], runs: 0 };
  const { latency } = rules;
  // The first tick at or after a run's end, and after the tick that started it (one run per tick).
  const nextTick = (runEnd: number, runStart: number) =>
    Math.max(
      rules.startMs + Math.ceil((runEnd - rules.startMs) / rules.timerMs) * rules.timerMs,
      runStart + rules.timerMs,
    );

  const windows: OriginalWindow[] = [];
  let sinceMs = firstAtMs;
  let tick = rules.startMs;
  let runs = 0;
  while (sinceMs <= lastAtMs) {
    // Run 1 of this window: export, confirm it, post the first batch, follow the first import.
    runs++;
    let windowRuns = 1;
    const exportStartMs = tick;
    const tillMs = Math.min(sinceMs + rules.windowMs, exportStartMs);
    if (tillMs <= sinceMs) {
      throw new Error(
        "original schedule model: a window of zero length (the start is before the data)",
      );
    }
    const versions = source.count(sinceMs, tillMs);
    const exportDue =
      exportStartMs + latency.exportFixedMs + latency.exportPerResourceMs * versions;
    const first200 = firstPollAtOrAfter(exportStartMs, exportDue, rules.pollMs);
    const exportConfirmedMs = first200 + (rules.confirmations - 1) * rules.confirmDelayMs;
    const queue = payloadLines(source.countByType(sinceMs, tillMs), rules);
    const payloads = queue.length;
    let runStart = exportStartMs;
    let runEnd = exportConfirmedMs;
    const running: number[] = [];
    let now = exportConfirmedMs;
    while (queue.length > 0 || running.length > 0) {
      if (running.length === 0) {
        running.push(...importsEnd(now, queue.splice(0, rules.payloadCount), latency));
      }
      runEnd = firstPollAtOrAfter(now, running.shift()!, rules.pollMs);
      if (queue.length > 0 || running.length > 0) {
        now = nextTick(runEnd, runStart);
        runStart = now;
        runs++;
        windowRuns++;
      }
    }
    windows.push({
      sinceMs,
      tillMs,
      versions,
      payloads,
      exportStartMs,
      exportConfirmedMs,
      processedMs: runEnd,
      runs: windowRuns,
    });
    sinceMs = tillMs;
    tick = nextTick(runEnd, runStart);
  }
  return {
    catchUpMs: windows[windows.length - 1]!.processedMs - rules.startMs,
    windows,
    runs,
  };
}
