import { chunkLengthMs } from "../../config/settings";
import type { ActivityInput } from "../../core/activityRegistry";
import type { ChunkRecord } from "../../core/migrationState";
import { chunkKey, plannedChunk } from "../../core/migrationState";
import { DEFAULT_MIGRATION_TYPES, SEARCH_PARAMETER_TYPE } from "../../core/resourceTypes";
import { isSmallWindow, selfStagePolicy } from "../../core/selfStaging";
import { cleanBoundary } from "../../core/windowBoundary";
import type { Window } from "../../core/windows";
import { iso, ms } from "../../core/windows";
import { countedAfter, planSizedWindow } from "../../core/windowSizing";
import { FhirOperationError } from "../../errors";
import type { FhirClient } from "../../fhir/types";
import type { ActivityResult, EngineDeps } from "../deps";
import { nowIso } from "../deps";
import { mapWithConcurrency } from "../concurrency";
import { windowCapFor } from "../windowClock";
import { historyAware } from "../historyAware";
import { recordSkippedStretch, recordWindowEntry, skippedEntryAt } from "../ledgerPlanning";
import { startExport } from "./startExport";

/**
 * lastUpdated of the oldest version at or after `instant` (history-aware, so a window whose only
 * changes are updates or deletes is found too), or undefined when there is none. The client follows
 * `next` across empty pages (FhirClient.firstEntry): an empty first page never means "nothing changed".
 */
export async function firstChangeAtOrAfter(
  source: FhirClient,
  instant: string,
  history: boolean,
): Promise<string | undefined> {
  const path = history
    ? `_history?_since=${encodeURIComponent(instant)}&_sort=_lastUpdated&_count=1`
    : `?_lastUpdated=ge${encodeURIComponent(instant)}&_sort=_lastUpdated&_count=1`;
  const entry = await source.firstEntry(path);
  if (entry === undefined) return undefined;
  const found = entry.resource?.meta?.lastUpdated ?? entry.response?.lastModified;
  if (found === undefined) {
    throw new FhirOperationError(
      "The source's oldest-change query returned an entry without meta.lastUpdated",
      { method: "GET", url: path },
      JSON.stringify(entry).slice(0, 300),
    );
  }
  return found;
}

/**
 * Plans the window after the frontier and records its chunk rows (the intent) before any export
 * starts (and stages it when the pass said so and it is small: `input.selfStage`). An empty stretch moves the frontier without exporting. Chunk rows are written before the
 * cursor moves, so a crash in between leaves rows that the next planning adopts (same since), never a gap.
 */
export async function planNextWindow(
  deps: EngineDeps,
  input: ActivityInput<"PlanNextWindow"> = null,
): Promise<ActivityResult> {
  const { settings, source, state } = deps;
  const history = historyAware(deps);
  let cursor = await state.getCursor();
  if (cursor.halted) return { changed: false, note: "halted" };
  // Capped by the source's clock too; a future AZURE_StartDate halts here (src/engine/windowClock.ts).
  const capMs = await windowCapFor(deps, cursor);
  if (capMs === undefined) return { changed: true, note: "halted" };

  if (cursor.frontier === undefined) {
    const start = settings.chunking.startDate ?? (await source.oldestLastUpdated(history));
    if (start === undefined) {
      await state.changeCursor((c) => (c.caughtUp ? undefined : { ...c, caughtUp: true }));
      return { changed: false, caughtUp: true, note: "the source is empty" };
    }
    const startedAt = nowIso(deps);
    const started = await state.changeCursor((c) =>
      c.frontier !== undefined
        ? undefined
        : { ...c, frontier: start, watermark: start, startWatermark: start, startedAt },
    );
    cursor = started.after;
  }
  const frontier = cursor.frontier!;
  if (ms(frontier) >= capMs) {
    await state.changeCursor((c) => (c.caughtUp ? undefined : { ...c, caughtUp: true }));
    return { changed: false, caughtUp: true, note: "caught up" };
  }

  const skipped = await skippedEntryAt(deps, frontier);
  if (skipped !== undefined) {
    await moveFrontierOverEmptyStretch(deps, frontier, skipped.till, false);
    return { changed: true, note: `skipped stretch [${frontier}, ${skipped.till}) adopted` };
  }

  const perType = !settings.export.isParallel;
  const nextChange = await firstChangeAtOrAfter(source, frontier, history);
  // Windows sized by what they hold (core/windowSizing.ts); the first ones ramp up from the seq.
  const found = await planSizedWindow(
    frontier,
    nextChange,
    {
      lengthMs: chunkLengthMs(
        settings.chunking.unit,
        perType ? settings.chunking.perTypeChunkLength : settings.chunking.parallelChunkLength,
      ),
      chunkLimit: settings.chunking.chunkLimit,
      targetVersions: settings.chunking.targetVersions,
      windowsPlanned: cursor.nextSeq - 1,
      capMs,
    },
    (w) => source.count({ history, since: w.since, till: w.till }),
    cursor.countedAhead,
  );
  if (found.kind === "caught-up") return { changed: false, caughtUp: true, note: "caught up" };
  if (found.kind === "empty") {
    await moveFrontierOverEmptyStretch(deps, frontier, found.till, true);
    return { changed: false, caughtUp: true, note: `nothing changed before ${found.till}` };
  }
  const plan = await endOnCleanBoundary(deps, found, capMs, history);

  // The row at the next sequence number decides the window. It may be written already: by a
  // planning that died between its writes (in per-type mode some rows of the window, not all) or by
  // another runner planning at the same time with a later cap. Its window wins, the units are counted
  // for it (a past window counts the same every time), and the missing rows are written at the same
  // sequence numbers, so no type of the window is left out and no two rows disagree on its end.
  const firstSeq = cursor.nextSeq;
  const written = await state.getChunk(firstSeq);
  let window = written ?? plan.window;
  const unitsFor = async (w: {
    since: string;
    till: string;
  }): Promise<{ type: string | undefined; count: number }[]> => {
    if (!perType) {
      const count = w.till === plan.window.till ? plan.count : (written?.expectedCount ?? 0);
      return [{ type: undefined, count }];
    }
    const types =
      settings.export.resourceTypes.length > 0
        ? settings.export.resourceTypes
        : DEFAULT_MIGRATION_TYPES;
    const counts = await mapWithConcurrency(types, 8, async (type) => ({
      type,
      count: await source.count({ type, history, since: w.since, till: w.till }),
    }));
    // Per-type exports never include SearchParameter: copy them separately when they changed.
    const spChanged = await source.count({
      type: SEARCH_PARAMETER_TYPE,
      history,
      since: w.since,
      till: w.till,
    });
    if (spChanged > 0) {
      await state.changeCursor((c) =>
        c.searchParametersMigrated
          ? { ...c, searchParametersMigrated: false, searchParameterAttempts: 0 }
          : undefined,
      );
    }
    return counts.filter((c) => c.count > 0);
  };
  let units = await unitsFor(window);
  if (units.length === 0) {
    await moveFrontierOverEmptyStretch(deps, frontier, window.till, false);
    return { changed: true, note: `no listed type changed in [${window.since}, ${window.till})` };
  }
  const insert = async (i: number): Promise<ChunkRecord> => {
    const u = units[i]!;
    return (
      await state.insertChunk(
        plannedChunk({
          seq: firstSeq + i,
          since: window.since,
          till: window.till,
          resourceType: u.type,
          expectedCount: u.count,
        }),
      )
    ).chunk;
  };
  const first = await insert(0);
  if (first.since !== window.since || first.till !== window.till) {
    window = first;
    units = await unitsFor(window);
  }
  // Inserts are idempotent: a row already written is returned as it is.
  const chunks = [first, ...(await Promise.all(units.slice(1).map((_, i) => insert(i + 1))))];
  const stranger = chunks.find(
    (c, i) =>
      c.since !== window.since || c.till !== window.till || c.resourceType !== units[i]?.type,
  );
  if (stranger !== undefined) {
    throw new Error(
      `Chunk row ${chunkKey(stranger.seq)} holds [${stranger.since}, ${stranger.till}) ${stranger.resourceType ?? "(all types)"}, not the window being planned [${window.since}, ${window.till}) ${units[stranger.seq - firstSeq]?.type ?? "(all types)"}; the job table was changed by something else than this tool`,
    );
  }
  // The ledger entry before the cursor moves: a crash in between re-plans the same rows and entry.
  await recordWindowEntry(deps, chunks);
  const { since } = window;
  // Never backwards: a row left by a runner that lost the race may end before the frontier.
  const windowTill = ms(window.till) > ms(frontier) ? window.till : frontier;
  // What this planning counted beyond its window, for the next one; nothing when another
  // runner's window was adopted.
  const countedAhead =
    window === plan.window ? countedAfter(found.counted, plan.window, plan.count) : undefined;
  // Written only when no other runner planned the window meanwhile (its answer says which).
  const { written: planned } = await state.changeCursor((c) =>
    c.nextSeq === firstSeq && c.frontier === frontier
      ? {
          ...c,
          nextSeq: firstSeq + chunks.length,
          frontier: windowTill,
          caughtUp: false,
          countedAhead,
        }
      : undefined,
  );
  deps.log(
    planned
      ? `planned [${since}, ${windowTill}) as ${chunks.length} chunk(s), ${chunks.reduce((n, c) => n + c.expectedCount, 0)} versions`
      : `window at ${since} was planned by another runner`,
  );
  // A small window the pass said to stage goes on here, as the next pass's StartExport would take
  // it (staged, built, its imports started); a window of several chunks is left to that pass.
  const [only] = chunks;
  if (
    planned &&
    input !== null &&
    chunks.length === 1 &&
    only !== undefined &&
    isSmallWindow(only.expectedCount, selfStagePolicy(settings.export, settings.export.selfStage))
  )
    await startExport(deps, { seq: only.seq, selfStage: input.selfStage });
  return { changed: true };
}

async function moveFrontierOverEmptyStretch(
  deps: EngineDeps,
  from: string,
  to: string,
  caughtUp: boolean,
): Promise<void> {
  // Recorded before the frontier moves (docs/architecture.md, "Ledger"); a window entry already
  // here means another runner planned it.
  const till = await recordSkippedStretch(deps, from, to);
  if (till === undefined) return;
  await deps.state.changeCursor((c) =>
    c.frontier !== from ? undefined : { ...c, frontier: till, caughtUp: caughtUp && till === to },
  );
  await deps.state.advanceWatermark();
}

/**
 * Moves the window's end to a millisecond that holds no version (core/windowBoundary.ts), so the
 * inclusive `_till` of Cosmos and SQL non-parallel exports and the exclusive one of SQL parallel
 * exports select the same versions and no version is exported, imported or counted by two windows.
 */
async function endOnCleanBoundary(
  deps: EngineDeps,
  plan: { window: Window; count: number },
  capMs: number,
  history: boolean,
): Promise<{ window: Window; count: number }> {
  const { source } = deps;
  const tillMs = ms(plan.window.till);
  // Probes ask `_before=at+1ms`, which the server refuses in its future: keep them before now
  // (only matters with AZURE_SafetyLagSeconds=0).
  const upperMs = Math.min(capMs, deps.clock.now() - 1);
  const choice = await cleanBoundary(tillMs, ms(plan.window.since), upperMs, (at) =>
    source.count({ history: true, since: iso(at), till: iso(at + 1) }),
  );
  if (choice.versionsAtTill > 0) {
    deps.log(
      `window [${plan.window.since}, ${plan.window.till}) ends on a millisecond holding ${choice.versionsAtTill} version(s) and none of the ${choice.probes} nearby ends is free: on a store whose _till is inclusive they are exported by this window and the next`,
    );
    deps.telemetry.trackEvent("WindowBoundary", {
      Since: plan.window.since,
      Till: plan.window.till,
      VersionsAtTill: choice.versionsAtTill,
      Probes: choice.probes,
    });
  }
  if (choice.tillMs === tillMs) return plan;
  const window = { since: plan.window.since, till: iso(choice.tillMs) };
  const count = await source.count({ history, since: window.since, till: window.till });
  return { window, count };
}
