import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { CUTOVER_POLL_MS } from "../core/cutover";
import { withoutStack } from "../core/errorText";
import type { PassDecision, PassSnapshot } from "../core/passPlanner";
import { decidePass } from "../core/passPlanner";
import { isPaused, pauseEndsAt } from "../core/pauseWindow";
import type { RunOutcome, RunPhase } from "../core/runOutcome";
import { runPhase } from "../core/runOutcome";
import { callActivity, callPlanned } from "./callActivity";
import type { ActivityResult } from "./deps";
import { importJob } from "../core/jobLifecycle";
import { E2E_TEST_ORCHESTRATION } from "../verify/orchestrator";
import type { VerificationReport } from "../verify/types";

export const MIGRATION_ORCHESTRATION = "MigrationOrchestration";
/** Fixed instance id: the migration is a singleton (the timer only starts it when it is not running). */
export const MIGRATION_INSTANCE_ID = "FhirMigrationTool";
/**
 * External event that ends the wait between passes at once (`client.raiseEvent`): Cutover_Http
 * raises it so the cutover starts now, not at the next idle poll.
 */
export const MIGRATION_WAKE_EVENT = "Wake";

export interface MigrationInput {
  /** Local one-shot runs (CLI `run --until-caught-up`, the demo): end once caught up and idle. */
  stopWhenCaughtUp?: boolean;
}

export interface MigrationOutcome {
  outcome: RunOutcome;
  reason: string;
  watermark: string | undefined;
  resourcesImported: number;
}

/** Custom status: counts only, far below the 16 KB limit. */
export interface MigrationStatus {
  /** The same words as the status page (docs/glossary.md); a stopped run shows its outcome. */
  phase: RunPhase;
  watermark: string | undefined;
  exportsInFlight: number;
  importsInFlight: number;
  resourcesImported: number;
  resourcesFailed: number;
  estimateSeconds: number | undefined;
  pass: number;
}

/** Passes per execution before continueAsNew, to keep the replayed history small. */
const PASSES_PER_EXECUTION = 25;

function statusOf(
  snapshot: PassSnapshot,
  decision: PassDecision,
  pass: number,
  waiting: boolean,
): MigrationStatus {
  const exportsInFlight = snapshot.chunks.filter((c) => c.exportStatus !== "Completed").length;
  const importsInFlight = snapshot.payloads.filter((p) => importJob.isInFlight(p.status)).length;
  return {
    phase:
      decision.kind === "stop"
        ? decision.outcome
        : runPhase({
            cutover: decision.cutover === true,
            paused: decision.paused,
            caughtUp: decision.inFlight === 0 && snapshot.caughtUp,
            waiting,
          }),
    watermark: snapshot.watermark,
    exportsInFlight,
    importsInFlight,
    resourcesImported: snapshot.resourcesImported,
    resourcesFailed: snapshot.resourcesFailed,
    estimateSeconds: snapshot.estimateSeconds,
    pass,
  };
}

/**
 * Runs passes until halted, done (specific range) or, for local one-shot runs, caught up. Each pass
 * loads the state from tables (an activity), decides deterministically what to do, fans the work
 * out to activities, and goes on at once when something changed; otherwise it sleeps on a durable
 * timer: the poll interval while jobs run, the idle interval once caught up, or until a
 * MIGRATION_WAKE_EVENT arrives (a cutover was requested). No I/O, no wall clock.
 */
export const migrationOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const input = context.df.getInput<MigrationInput | null>() ?? {};
  // Only a planning in this run may confirm "caught up": the cursor's flag can be older than new writes.
  let caughtUpConfirmed = false;
  // The wake wait of the last idle wait its timer won. durable-functions hands an event to the newest
  // open wait on its name (lib/src/orchestrations/TaskOrchestrationExecutor.js), so a wake raised
  // while a later pass runs its activities completes this one, not a wait created afterwards.
  let openWake: Task | undefined;
  for (let pass = 1; ; pass++) {
    const snapshot: PassSnapshot = yield callActivity(context, "LoadMigrationState", null);
    const now = context.df.currentUtcDateTime;
    const { pause } = snapshot.policy;
    const paused = pause.enabled && isPaused(now, pause.startHour, pause.endHour);
    const decision = decidePass(snapshot, paused, {
      stopWhenCaughtUp: input.stopWhenCaughtUp === true && caughtUpConfirmed,
    });
    if (decision.kind === "stop") {
      context.df.setCustomStatus(statusOf(snapshot, decision, pass, false));
      const outcome: MigrationOutcome = {
        outcome: decision.outcome,
        reason: decision.reason,
        watermark: snapshot.watermark,
        resourcesImported: snapshot.resourcesImported,
      };
      return outcome;
    }

    let changed = false;
    if (decision.actions.length > 0) {
      try {
        const results: ActivityResult[] = yield context.df.Task.all(
          decision.actions.map((a) => callPlanned(context, a)),
        );
        changed = results.some((r) => r.changed);
        const planIndex = decision.actions.findIndex((a) => a.activity === "PlanNextWindow");
        if (planIndex >= 0) caughtUpConfirmed = results[planIndex]?.caughtUp === true;
        const proof = results.find((r) => r.cutoverProof !== undefined)?.cutoverProof;
        if (proof !== undefined) {
          // The cutover's proof: a verification of bounded, resumable units in its own
          // orchestration (its history continues as new, this one grows by two events), then the
          // verdict. Its instance id is the run id, so a retry after a failure resumes that run.
          const report: VerificationReport = yield context.df.callSubOrchestrator(
            E2E_TEST_ORCHESTRATION,
            proof.verification,
            proof.runId,
          );
          yield callActivity(context, "DecideCutoverProof", { ...proof.decide, report });
        }
      } catch (error) {
        // Activities record their own expected failures; this is what escaped them (e.g. storage or a
        // server unreachable past the retry budget). Count it visibly, then try again after a poll interval.
        // The message without the stack durable-functions appends (it goes to telemetry only).
        const full = error instanceof Error ? error.message : String(error);
        yield callActivity(context, "RecordPassFailure", {
          message: withoutStack(full).slice(0, 2000),
          details: full.slice(0, 8000),
        });
      }
    }
    context.df.setCustomStatus(statusOf(snapshot, decision, pass, !changed));

    const aboutToStop =
      input.stopWhenCaughtUp === true && caughtUpConfirmed && decision.inFlight === 0;
    if (!changed && !aboutToStop) {
      let waitMs =
        decision.cutover === true
          ? CUTOVER_POLL_MS
          : decision.inFlight > 0
            ? snapshot.policy.pollIntervalMs
            : snapshot.policy.idlePollMs;
      if (decision.paused && decision.inFlight === 0) {
        const resumeAt = pauseEndsAt(now, pause.startHour, pause.endHour);
        if (resumeAt !== undefined)
          waitMs = Math.min(waitMs, Math.max(1000, resumeAt.getTime() - now.getTime()));
      }
      if (openWake?.isCompleted === true) {
        // Woken while this pass ran: the next pass starts at once.
        openWake = undefined;
      } else {
        // The wait ends at the timer or at a wake event, whichever comes first.
        const timer = context.df.createTimer(new Date(now.getTime() + waitMs));
        const wake = context.df.waitForExternalEvent(MIGRATION_WAKE_EVENT);
        const first: Task = yield context.df.Task.any([timer, wake]);
        if (first !== timer) timer.cancel();
        openWake = first === timer ? wake : undefined;
      }
    }
    if (pass >= PASSES_PER_EXECUTION) {
      context.df.continueAsNew(input);
      return undefined;
    }
  }
};
