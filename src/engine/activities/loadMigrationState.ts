import { isCutoverActive } from "../../core/cutover";
import { estimateSecondsToCatchUp } from "../../core/eta";
import { passProgress } from "../../core/progress";
import type { PassSnapshot } from "../../core/passPlanner";
import { selfStagePolicy } from "../../core/selfStaging";
import { ms } from "../../core/windows";
import type { EngineDeps } from "../deps";
import { shapingConflict } from "../settingsGuard";
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
  const cursor = await state.getCursor();
  const { chunks, payloads } = await state.listChunksWithPayloads(
    cursor.firstUnprocessedSeq,
    cursor.nextSeq,
  );
  const unprocessed = chunks.filter((c) => !c.processed);
  const openSeqs = new Set(unprocessed.map((c) => c.seq));
  const endDate = settings.chunking.endDate;
  const frontierAtEndDate =
    settings.chunking.specificRun &&
    endDate !== undefined &&
    cursor.frontier !== undefined &&
    ms(cursor.frontier) >= ms(endDate);
  const cutover = await state.cutover.get();
  const active = isCutoverActive(cutover) ? cutover : undefined;
  const {
    work: ledger,
    openBeforeFreeze,
    waitingBeforeFreeze,
  } = await ledgerWork(deps, cursor, chunks, active?.freeze);
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
            ledgerWaiting: waitingBeforeFreeze,
          },
    resourcesImported: cursor.resourcesImported,
    resourcesFailed: cursor.resourcesFailed,
    estimateSeconds: estimateSecondsToCatchUp(
      cursor,
      deps.clock.now(),
      settings.chunking.safetyLagMs,
    ),
    ledger,
    repair: {
      frontier: cursor.frontier,
      chunks: unprocessed.map((c) => {
        const own = payloads.filter((p) => p.chunkSeq === c.seq);
        return {
          seq: c.seq,
          completedCount: c.completedCount,
          payloadCount: c.payloadCount,
          payloadRows: {
            rows: own.length,
            completed: own.filter((p) => p.status === "Completed").length,
          },
        };
      }),
    },
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
