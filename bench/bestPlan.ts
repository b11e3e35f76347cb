/**
 * The best plan, computed without the planner or the pass machinery under test: a lower bound on
 * the catch-up time of *any* plan (any windows, any number of jobs at once) on the same servers,
 * so the overhead over it is an upper bound on the overhead over the true optimum.
 *
 * Any plan sends an `$export` kick-off, waits for the source's job queue to pick the job up, lets
 * its orchestrator run, and learns the export ended only from a status request, no earlier than
 * the 15 s grace after its last processing job; then it sends an `$import` kick-off, which waits
 * for the destination's queue and orchestrator. So, with R the servers' rates, V versions and I
 * importable resources, every plan takes at least the larger of:
 *
 * - import-bound: the earliest moment any import can start moving resources (a first window of
 *   one version exported, seen and kicked off as fast as the servers allow), then I / R_import,
 *   then one status request;
 * - export-bound: the first export's pick-up and orchestrator, V / R_export, the grace, a status
 *   request, then the last window's import kick-off, the import orchestrator and a status request.
 *
 * On the cited servers the pick-ups are the queues' own idle polls, replayed from their random
 * streams (serverModel.ts, firstIdlePollMs): the same for every plan until its first job.
 */
import type { RequestLatency } from "./requestLatency";
import type { FixedLatency } from "./serverModel";
import { SERVER_LIMITS, destinationSeed, firstIdlePollMs, sourceSeed } from "./serverModel";

export interface BestPlanInput {
  versions: number;
  importable: number;
  exportPerSecond: number;
  importPerSecond: number;
  latency: RequestLatency;
  startMs: number;
  /** The cited servers (their seed, types and partitions), or the emulators' fixed model. */
  servers:
    | { kind: "cited"; seed: number; types: number; partitions: number }
    | { kind: "fixed"; fixed: FixedLatency };
}

export interface LowerBound {
  ms: number;
  binding: "import" | "export";
}

export function bestPlanLowerBound(input: BestPlanInput): LowerBound {
  const job = input.latency.ms.job;
  const internal = input.latency.serverInternalMs;
  const t0 = input.startMs;
  let exportPickedMs: number;
  let exportOrchestratorMs: number;
  let importPickedMs: (atMs: number) => number;
  let importOrchestratorMs: number;
  let graceMs: number;
  if (input.servers.kind === "cited") {
    const { seed, types, partitions } = input.servers;
    // A server acts on a request when it arrives; its answer comes back `job` later.
    exportPickedMs = firstIdlePollMs(sourceSeed(seed), t0, t0);
    exportOrchestratorMs = (2 + types * partitions) * internal;
    importPickedMs = (atMs) => firstIdlePollMs(destinationSeed(seed), t0, atMs);
    // One input file: two property reads and one enqueue (ImportOrchestratorJob.cs).
    importOrchestratorMs = 3 * internal;
    graceMs = SERVER_LIMITS.exportStatusGraceMs;
  } else {
    const f = input.servers.fixed;
    exportPickedMs = t0;
    exportOrchestratorMs = f.exportFixedMs;
    importPickedMs = (atMs) => atMs;
    importOrchestratorMs = f.importFixedMs;
    graceMs = f.exportStatusGraceMs;
  }
  // The first export seen done (a window of one version): its import is kicked off at once.
  const firstExportSeenMs = exportPickedMs + exportOrchestratorMs + graceMs + job;
  const importsStartMs = importPickedMs(firstExportSeenMs) + importOrchestratorMs;
  const importBound = importsStartMs + (input.importable / input.importPerSecond) * 1000 + job;
  // The last export seen done, the last window's import started at once and seen done.
  const exportBound =
    exportPickedMs +
    exportOrchestratorMs +
    (input.versions / input.exportPerSecond) * 1000 +
    graceMs +
    job +
    importOrchestratorMs +
    job;
  return importBound >= exportBound
    ? { ms: importBound - t0, binding: "import" }
    : { ms: exportBound - t0, binding: "export" };
}
