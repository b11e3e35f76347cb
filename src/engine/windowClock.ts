/**
 * The clock side of planning: caps windows by the source's clock as well as this app's, names a
 * skew between them (on the cursor, so the status shows it), refuses a future AZURE_StartDate, and
 * turns the source's "value in the future" refusal into an error that names the skew and the
 * setting. The arithmetic is in src/core/sourceClock.ts.
 */
import { cutoverCapMs, cutoverPlanningWaitMs, isCutoverActive } from "../core/cutover";
import type { CursorRecord } from "../core/migrationState";
import {
  describeFutureBoundRefusal,
  futureStartProblem,
  isFutureBoundRefusal,
  windowClock,
} from "../core/sourceClock";
import { isFhirOperationError } from "../errors";
import type { ActivityResult, EngineDeps } from "./deps";
import { describeError, haltMigration } from "./failures";

/**
 * The instant windows may not pass, or undefined when planning must not go on (the migration was
 * halted here with the reason).
 */
export async function windowCapFor(
  deps: EngineDeps,
  cursor: CursorRecord,
): Promise<number | undefined> {
  const { settings, source } = deps;
  // One cheap query gives the source's Date header when this process has not talked to it yet.
  if (source.serverClock !== undefined && source.serverClock.offsetMs() === undefined) {
    await source.oldestLastUpdated(false);
  }
  const offset = source.serverClock?.offsetMs();
  const nowMs = deps.clock.now();
  if (cursor.frontier === undefined) {
    const problem = futureStartProblem(settings.chunking.startDate, nowMs, offset);
    if (problem !== undefined) {
      await haltMigration(deps, problem);
      return undefined;
    }
  }
  const clock = windowClock({
    appNowMs: nowMs,
    sourceOffsetMs: offset,
    safetyLagMs: settings.chunking.safetyLagMs,
    endDate: settings.chunking.specificRun ? settings.chunking.endDate : undefined,
  });
  if (clock.skewWarning !== cursor.clockSkew) {
    await deps.state.changeCursor((c) =>
      c.clockSkew === clock.skewWarning ? undefined : { ...c, clockSkew: clock.skewWarning },
    );
    if (clock.skewWarning !== undefined) deps.log(clock.skewWarning);
  }
  const cutover = await deps.state.cutover.get();
  if (isCutoverActive(cutover)) {
    const freezeMs = Date.parse(cutover!.freeze);
    const sourceNowMs = Math.min(nowMs, offset === undefined ? nowMs : nowMs + offset);
    const waitMs = cutoverPlanningWaitMs(freezeMs, sourceNowMs);
    if (waitMs !== undefined && waitMs > 0) {
      // At most the allowance: then the planning reaches the freeze in this pass.
      await deps.clock.sleepUntil(nowMs + waitMs);
      return freezeMs;
    }
    return cutoverCapMs(clock.capMs, freezeMs, sourceNowMs);
  }
  return clock.capMs;
}

/** Runs a planning step; a source refusing a window end as in its future halts with the skew named. */
export async function withClockRefusal(
  deps: EngineDeps,
  plan: () => Promise<ActivityResult>,
): Promise<ActivityResult> {
  try {
    return await plan();
  } catch (error) {
    if (!isFhirOperationError(error)) throw error;
    const text = `${error.message} ${error.diagnostics}`;
    if (!isFutureBoundRefusal(text)) throw error;
    await haltMigration(
      deps,
      describeFutureBoundRefusal(deps.settings.chunking.safetyLagMs, describeError(error)),
    );
    return { changed: true, note: "halted: clock skew" };
  }
}
