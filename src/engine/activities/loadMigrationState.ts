import { isCutoverActive } from "../../core/cutover";
import { estimateSecondsToCatchUp } from "../../core/eta";
import { passProgress } from "../../core/progress";
import type { PassSnapshot } from "../../core/passPlanner";
import { selfStagePolicy } from "../../core/selfStaging";
import { ms } from "../../core/windows";
import type { EngineDeps } from "../deps";
import { shapingConflict } from "../settingsGuard";
import { settleChunk } from "../settleChunk";
import { ledgerWork } from "../ledgerWork";
import { emitProgress } from "../progress";
import { importJob } from "../../core/jobLifecycle";

/**
 * Bounded backlog: planned but unprocessed chunks (keeps staging data and table scans small). Four
 * beyond the exports lets finished exports wait for import slots instead of the source idling;
 * measured in docs/performance.md ("Settings that bound overlap").
 */
export const BACKLOG_BEYOND_EXPORTS = 4;

export async function loadMigrationState(deps: EngineDeps): Promise<PassSnapshot> {
  const { settings, state } = deps;
  // A runner whose shaping settings differ from the recorded ones stops here, before any planning
  // or import; only this runner stops (the shared cursor is left alone).
  const conflict = await shapingConflict(deps);
  let cursor = await state.getCursor();
  let { chunks, payloads } = await state.listChunksWithPayloads(
    cursor.firstUnprocessedSeq,
    cursor.nextSeq,
  );
  // A chunk whose payload rows say more is done than its own row (the process died between the
  // payload's write and the chunk's, or every payload finished before an interrupted build recorded
  // the payload count): nothing would poll those payloads again, so settle it here.
  const behind = chunks.filter((c) => {
    if (c.processed) return false;
    const done = payloads.filter((p) => p.chunkSeq === c.seq && p.status === "Completed").length;
    return done > c.completedCount || (c.payloadCount !== undefined && done >= c.payloadCount);
  });
  if (behind.length > 0) {
    for (const chunk of behind) await settleChunk(deps, chunk.seq);
    cursor = await state.getCursor();
    ({ chunks, payloads } = await state.listChunksWithPayloads(
      cursor.firstUnprocessedSeq,
      cursor.nextSeq,
    ));
  }
  const unprocessed = chunks.filter((c) => !c.processed);
  // Everything planned is processed but the watermark lags the frontier (the process died between
  // the last chunk's completion and the watermark's move): move it now rather than at the next import.
  if (
    unprocessed.length === 0 &&
    cursor.frontier !== undefined &&
    cursor.watermark !== cursor.frontier
  ) {
    cursor = (await state.advanceWatermark()).cursor;
  }
  const openSeqs = new Set(unprocessed.map((c) => c.seq));
  const endDate = settings.chunking.endDate;
  const frontierAtEndDate =
    settings.chunking.specificRun &&
    endDate !== undefined &&
    cursor.frontier !== undefined &&
    ms(cursor.frontier) >= ms(endDate);
  const cutover = await state.getCutover();
  const active = isCutoverActive(cutover) ? cutover : undefined;
  const { work: ledger, openBeforeFreeze } = await ledgerWork(deps, cursor, chunks, active?.freeze);
  // Progress for telemetry's metrics and any attached reporter (src/engine/progress.ts).
  emitProgress(
    deps,
    passProgress(
      cursor,
      chunks,
      payloads.filter((p) => importJob.isInFlight(p.status)).length,
      deps.clock.now(),
      settings.chunking.safetyLagMs,
    ),
  );
  return {
    halted: cursor.halted || conflict !== undefined,
    haltReason: conflict ?? cursor.haltReason,
    frontierAtEndDate,
    caughtUp: cursor.caughtUp,
    searchParametersPending: !cursor.searchParametersMigrated,
    reindex: cursor.reindexState,
    chunks: unprocessed.map((c) => ({
      seq: c.seq,
      exportStatus: c.exportStatus,
      importStatus: c.importStatus,
      processed: c.processed,
      expectedCount: c.expectedCount,
    })),
    payloads: payloads
      .filter((p) => openSeqs.has(p.chunkSeq) && p.status !== "Completed")
      .map((p) => ({ chunkSeq: p.chunkSeq, index: p.index, status: p.status })),
    watermark: cursor.watermark,
    cutover:
      cutover === undefined || cutover.phase === "cancelled"
        ? undefined
        : {
            phase: cutover.phase,
            freeze: cutover.freeze,
            frontierAtFreeze:
              frontierAtEndDate ||
              (cursor.frontier !== undefined && ms(cursor.frontier) >= ms(cutover.freeze)),
            ledgerOpen: openBeforeFreeze,
          },
    resourcesImported: cursor.resourcesImported,
    resourcesFailed: cursor.resourcesFailed,
    estimateSeconds: estimateSecondsToCatchUp(
      cursor,
      deps.clock.now(),
      settings.chunking.safetyLagMs,
    ),
    ledger,
    policy: {
      maxExportsInFlight: settings.export.maxInFlight,
      payloadCount: settings.import.payloadCount,
      maxUnprocessedChunks: settings.export.maxInFlight + BACKLOG_BEYOND_EXPORTS,
      pollIntervalMs: settings.schedule.pollIntervalMs,
      idlePollMs: settings.schedule.idlePollMs,
      reindexAfterCatchUp: settings.verification.reindexAfterCatchUp,
      selfStage: selfStagePolicy(settings.export, settings.export.selfStage),
      pause: {
        enabled: settings.pause.enabled,
        startHour: settings.pause.startHour,
        endHour: settings.pause.endHour,
        continueLastImportDuringPause: settings.pause.continueLastImportDuringPause,
      },
    },
  };
}
