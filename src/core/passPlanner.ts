import type { ActivityCall, PlannedActivityName } from "./activityRegistry";
import type { CutoverPhase } from "./cutover";
import type { ChunkRecord, PayloadRecord, ReindexState } from "./migrationState";
import { payloadKey } from "./migrationState";
import type { SelfStageChoice, SelfStagePolicy } from "./selfStaging";
import { chooseSelfStaged, isSmallWindow } from "./selfStaging";
import type { RunOutcome } from "./runOutcome";
import type { RepairFacts } from "./stateRepairs";
import { repairPass } from "./stateRepairs";
import { exportJob, importJob } from "./jobLifecycle";

/** What the orchestrator needs to decide one pass; small enough for orchestration history. */
export interface PassSnapshot {
  halted: boolean;
  haltReason: string | undefined;
  /** SpecificRun: the frontier reached AZURE_EndDate, so no window is left to plan (not yet "range-complete"). */
  frontierAtEndDate: boolean;
  /** The last planning found nothing newer than the cap. */
  caughtUp: boolean;
  searchParametersPending: boolean;
  /** "needed" after custom SearchParameters were written to the destination. */
  reindex: ReindexState;
  chunks: ChunkSummary[];
  payloads: PayloadSummary[];
  watermark: string | undefined;
  resourcesImported: number;
  resourcesFailed: number;
  estimateSeconds: number | undefined;
  /** Ledger entries to reconcile (core/ledger.ts). */
  ledger: LedgerWork;
  policy: PassPolicy;
  /** The cutover operation, when one was requested (src/core/cutover.ts). */
  cutover?: CutoverView | undefined;
  /**
   * What a crash may have left half-written (src/core/stateRepairs.ts). Absent in a snapshot an
   * older version recorded (its load repaired before answering), replayed from history after an
   * upgrade.
   */
  repair?: RepairFacts | undefined;
}

export interface CutoverView {
  phase: CutoverPhase;
  freeze: string;
  /** The frontier reached the freeze: every window of the delta is planned. */
  frontierAtFreeze: boolean;
  /** Ledger entries starting before the freeze not yet reconciled or unreconciled. */
  ledgerOpen: number;
  /**
   * Of those, the ones no count can conclude now (a recount not due yet, a re-import running).
   * When none, ProveCutover counts the others itself instead of waiting a pass for them. Absent in
   * snapshots recorded before it did.
   */
  ledgerWaiting?: number;
}

export interface LedgerWork {
  /** Starts of the entries ready for ReconcileLedger this pass, one activity each. */
  ready: string[];
  /**
   * Starts of the runs of pending skipped stretches ready this pass, all counted by one
   * ReconcileLedger. Absent in snapshots recorded before they were batched (they were in `ready`).
   */
  skippedRuns?: string[];
  /**
   * Open entries other than pending skipped stretches (windows awaiting their count, recounts,
   * re-imports): the migration is not idle while they are open.
   */
  blocking: number;
}

export type ChunkSummary = Pick<
  ChunkRecord,
  "seq" | "exportStatus" | "importStatus" | "processed"
> & {
  /** The window's count at planning: a small window is self-staged (core/selfStaging.ts). */
  expectedCount?: number;
};
export type PayloadSummary = Pick<PayloadRecord, "chunkSeq" | "index" | "status">;

export interface PassPolicy {
  maxExportsInFlight: number;
  payloadCount: number;
  /** Most planned chunks not yet processed, so staging data and table rows stay bounded. */
  maxUnprocessedChunks: number;
  pollIntervalMs: number;
  idlePollMs: number;
  /** AZURE_ReindexAfterCatchUp. */
  reindexAfterCatchUp: boolean;
  /** Small windows staged from `_history` instead of exported; absent = off. */
  selfStage?: SelfStagePolicy;
  pause: {
    enabled: boolean;
    startHour: number;
    endHour: number;
    continueLastImportDuringPause: boolean;
  };
}

/** An activity the pass runs: any activity of the registry but the pass's own frame. */
export type PassAction = ActivityCall<PlannedActivityName>;

export type PassDecision =
  | {
      kind: "stop";
      outcome: RunOutcome;
      reason: string;
    }
  | {
      kind: "act";
      actions: PassAction[];
      inFlight: number;
      paused: boolean;
      /** Cutover mode: wait CUTOVER_POLL_MS between passes, never the idle poll. */
      cutover?: boolean;
    };

/**
 * Decides one pass from the state snapshot, deterministically (the orchestrator calls it with its
 * replay-safe clock). Every in-flight job is polled on every pass; new exports start only outside
 * the pause window and below the in-flight bound; imports start in chunk order while slots are free,
 * and a window staged this pass may start its own in the slots left (core/selfStaging.ts).
 */
export function decidePass(
  snapshot: PassSnapshot,
  pausedNow: boolean,
  options: { stopWhenCaughtUp: boolean },
): PassDecision {
  const repair = repairPass(snapshot, pausedNow);
  if (repair !== undefined) return repair;
  if (snapshot.halted) {
    return { kind: "stop", outcome: "halted", reason: snapshot.haltReason ?? "halted" };
  }
  const cutover = snapshot.cutover;
  if (cutover !== undefined && (cutover.phase === "GO" || cutover.phase === "NO-GO")) {
    return {
      kind: "stop",
      outcome: "cutover-decided",
      reason: `cutover ${cutover.phase} for the freeze at ${cutover.freeze}`,
    };
  }
  // Cutover mode: the user stopped writes and waits; the pause window does not apply.
  const inCutover =
    cutover !== undefined && (cutover.phase === "draining" || cutover.phase === "proving");
  const paused = pausedNow && !inCutover;
  const { policy } = snapshot;
  const actions: PassAction[] = [];
  const unprocessed = snapshot.chunks.filter((c) => !c.processed);
  const exporting = unprocessed.filter((c) => exportJob.isInFlight(c.exportStatus));
  const planned = unprocessed.filter((c) => c.exportStatus === "Planned");

  if (snapshot.searchParametersPending)
    actions.push({ activity: "MigrateSearchParameters", input: null });

  for (const chunk of exporting)
    actions.push({ activity: "PollExport", input: { seq: chunk.seq } });
  for (const chunk of unprocessed) {
    if (chunk.exportStatus === "Completed" && chunk.importStatus === "Not Started") {
      actions.push({ activity: "BuildImportPayloads", input: { seq: chunk.seq } });
    }
  }

  const running = snapshot.payloads.filter((p) => importJob.isInFlight(p.status));
  for (const p of running) {
    actions.push({
      activity: "PollImport",
      input: { chunkSeq: p.chunkSeq, index: p.index, key: payloadKey(p.chunkSeq, p.index) },
    });
  }
  const mayStartImports =
    !snapshot.searchParametersPending && (!paused || policy.pause.continueLastImportDuringPause);
  const free = mayStartImports ? Math.max(0, policy.payloadCount - running.length) : 0;
  const pending = snapshot.payloads
    .filter((p) => p.status === "Pending")
    .sort((a, b) => a.chunkSeq - b.chunkSeq || a.index - b.index)
    .slice(0, free);
  for (const p of pending) {
    actions.push({
      activity: "StartImport",
      input: { chunkSeq: p.chunkSeq, index: p.index, key: payloadKey(p.chunkSeq, p.index) },
    });
  }

  // The cutover's proof can start once the delta is imported and every ledger entry before the
  // freeze is final or can be counted now: ProveCutover counts those itself (src/engine/cutover.ts),
  // one activity instead of a pass of counts and then a pass for the proof.
  const provesNow =
    inCutover &&
    cutover.frontierAtFreeze &&
    unprocessed.length === 0 &&
    !snapshot.searchParametersPending &&
    (cutover.ledgerOpen === 0 || cutover.ledgerWaiting === 0);
  // Counting on the source is load on it too: not during the pause window. Not beside the proof,
  // which counts the same entries.
  if (!paused && !provesNow) {
    const flag = inCutover ? { cutover: true } : {};
    for (const since of snapshot.ledger.ready)
      actions.push({ activity: "ReconcileLedger", input: { since, ...flag } });
    const [first, ...more] = snapshot.ledger.skippedRuns ?? [];
    if (first !== undefined)
      actions.push({
        activity: "ReconcileLedger",
        input: { since: first, ...flag, ...(more.length > 0 ? { moreSkipped: more } : {}) },
      });
  }

  const exportsInFlight = exporting.length + planned.length;
  // In cutover mode the windows up to the freeze are planned at once (bounded by the backlog only),
  // and none after it.
  const mayPlan = inCutover
    ? !cutover.frontierAtFreeze &&
      !snapshot.frontierAtEndDate &&
      unprocessed.length < policy.maxUnprocessedChunks
    : !paused &&
      !snapshot.frontierAtEndDate &&
      exportsInFlight < policy.maxExportsInFlight &&
      unprocessed.length < policy.maxUnprocessedChunks;
  // Small windows staged this pass, the one it plans included; their imports take the import slots
  // the pending payloads leave. Not while paused (nor is anything planned).
  const selfStaged: SelfStageChoice =
    policy.selfStage === undefined || paused
      ? { chunks: new Map(), nextWindow: undefined }
      : chooseSelfStaged(
          planned.flatMap((c) =>
            c.expectedCount === undefined ? [] : [{ seq: c.seq, expectedCount: c.expectedCount }],
          ),
          policy.selfStage,
          free - pending.length,
          mayPlan,
        );
  if (!paused) {
    for (const chunk of planned) {
      const selfStage = selfStaged.chunks.get(chunk.seq);
      // A small window beyond this pass's self-staging concurrency waits for the next pass.
      const small =
        policy.selfStage !== undefined &&
        chunk.expectedCount !== undefined &&
        isSmallWindow(chunk.expectedCount, policy.selfStage);
      if (selfStage === undefined && small) continue;
      actions.push({
        activity: "StartExport",
        input: selfStage === undefined ? { seq: chunk.seq } : { seq: chunk.seq, selfStage },
      });
    }
  }
  if (mayPlan)
    actions.push({
      activity: "PlanNextWindow",
      input: selfStaged.nextWindow === undefined ? null : { selfStage: selfStaged.nextWindow },
    });

  const inFlight = unprocessed.length + snapshot.ledger.blocking;
  if (inCutover) {
    // The delta is on the destination once every window up to the freeze is processed, and the
    // proof includes the ledger's reconciliation of every entry up to the freeze: it waits for the
    // counts it cannot make now (rechecks not due, re-imports), at the short cadence. Only once the
    // snapshot shows the last import processed: a pass that polls it finished reads it pending.
    if (provesNow) {
      const countFirst = [...snapshot.ledger.ready, ...(snapshot.ledger.skippedRuns ?? [])];
      actions.push({ activity: "ProveCutover", input: { countFirst } });
    }
    return { kind: "act", actions, inFlight, paused: false, cutover: true };
  }
  // Reindex once everything is imported, so it indexes the data it is for.
  const reindexing =
    policy.reindexAfterCatchUp && (snapshot.reindex === "needed" || snapshot.reindex === "running");
  if (reindexing && inFlight === 0 && snapshot.caughtUp && !snapshot.searchParametersPending) {
    actions.push({
      activity: snapshot.reindex === "needed" ? "StartReindex" : "PollReindex",
      input: null,
    });
  }
  if (inFlight === 0 && !snapshot.searchParametersPending && !reindexing) {
    if (snapshot.frontierAtEndDate) {
      return {
        kind: "stop",
        outcome: "range-complete",
        reason: "the specific date range is migrated",
      };
    }
    if (options.stopWhenCaughtUp && snapshot.caughtUp) {
      // "As of" the watermark: what the source changed before it is on the destination, no more.
      const asOf = snapshot.watermark === undefined ? "" : ` as of ${snapshot.watermark}`;
      return { kind: "stop", outcome: "caught-up", reason: `caught up with the source${asOf}` };
    }
  }
  return { kind: "act", actions, inFlight, paused };
}
