/**
 * VerifyReconcileType activity: finds resources the destination holds that the source does not.
 * Hard deletes on the source leave no trace $export can see (docs/server-behaviour.md §8.11), so
 * they are found by comparing ids, at a cost that grows with the pages read, not with one query per
 * id batch.
 *
 * Both servers keep a resource's `lastUpdated` (the destination truncated to milliseconds), so the
 * type's timeline is walked in windows `[since, till)` of whole milliseconds on both at once: a
 * window's source ids are held (`{Type}?_lastUpdated=ge…&_lastUpdated=lt…&_elements=id`, at most
 * RECONCILE_WINDOW_IDS of them), then the destination's ids of the same window are streamed against
 * them. A destination id the source's window does not hold is a candidate: usually a resource the
 * source changed after the watermark (its current version is in a later window), otherwise one the
 * source no longer has. Only candidates are asked for by id (`_id=a,b,…`, 100 per query); windows
 * are cut by counts on both servers, as the full check's units are (src/core/fullUnits.ts), and a
 * window the destination holds nothing in is not read at all. A large type spans several
 * activities, each resuming from the windows the previous one left.
 *
 * Each id the source's search does not return is classified from the source's history of it: no
 * version at all is a hard delete; a delete as latest version is a soft delete that is migrated
 * later (delete-pending, at or after the watermark) or should have been (deleted-on-source).
 * Only hard deletes are applied (DELETE on the destination), only when asked, and never when the
 * source holds no resource of the type at all: that is more likely a wrong source than a purge.
 */
import type { CountedRange } from "../core/fullUnits";
import { canonicalInstant } from "../core/resourceDiff";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import { ensureError, isFhirOperationError } from "../errors";
import { describeExtra, describeTotals, extraVerdict } from "./describe";
import { entryId, resourceEntries } from "./paging";
import type { HopProgress, ReconcileCursor } from "./reconcileWindows";
import {
  countBothWindows,
  firstWindows,
  fromReconcileCursor,
  nextWindowBatch,
  toReconcileCursor,
  windowCandidates,
} from "./reconcileWindows";
import type { RowTally } from "./runSummary";
import { emptyRowTally, tallyRow } from "./runSummary";
import type {
  ExtraClass,
  ExtraResource,
  HopLimits,
  ReconcileTotals,
  ReconcileTypeResult,
} from "./types";
import { REPORTED_FAILURES } from "./types";
import type { CheckVerdict } from "../core/surfaceVerdict";

/** Candidate ids per `_id=` query: keeps the URL well under common 8 KB request-line limits. */
export const ID_BATCH = 100;

export interface ReconcileInput {
  runId: string;
  type: string;
  apply: boolean;
  migratesDeletes: boolean;
  watermark: string | null;
  /** The type's count on the source from discovery; null when it could not be counted. */
  sourceCount: number | null;
  concurrency: number;
  /** Null on the first hop. */
  cursor: ReconcileCursor | null;
  totals: ReconcileTotals | null;
  sample: ExtraResource[];
  limits: HopLimits;
}

export function emptyTotals(): ReconcileTotals {
  return {
    scanned: 0,
    extra: 0,
    hardDeleted: 0,
    deletedOnSource: 0,
    deletePending: 0,
    errors: 0,
    applied: 0,
    applyFailed: 0,
  };
}

export function reconcileVerdict(t: ReconcileTotals): CheckVerdict {
  if (t.errors > 0) return "Error";
  if (t.hardDeleted > t.applied || t.deletedOnSource > 0 || t.applyFailed > 0) return "Fail";
  return t.deletePending > 0 ? "Behind" : "Pass";
}

export function applyRefusal(
  input: Pick<ReconcileInput, "apply" | "type" | "sourceCount">,
): string | null {
  if (!input.apply) return null;
  if (input.sourceCount === null) {
    return `the source's ${input.type} could not be counted, so deletes are not applied`;
  }
  if (input.sourceCount === 0) {
    return `the source holds no ${input.type} at all; deleting every ${input.type} on the destination is refused (check AZURE_SourceUri)`;
  }
  return null;
}

async function presentOnSource(
  deps: EngineDeps,
  type: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const present = new Set<string>();
  const query = `${type}?_id=${ids.map(encodeURIComponent).join(",")}&_count=${ids.length}&_elements=id`;
  for await (const bundle of deps.source.searchPages(query)) {
    for (const entry of resourceEntries(bundle)) {
      const id = entryId(entry, type);
      if (id !== undefined) present.add(id);
    }
  }
  return present;
}

interface Classified {
  class: ExtraClass;
  note: string | null;
}

function atOrAfter(instant: string | undefined, watermark: string | null): boolean {
  if (instant === undefined || watermark === null) return false;
  const at = canonicalInstant(instant);
  return at !== undefined && Date.parse(at) >= Date.parse(watermark);
}

/** Undefined when the source has the resource after all (written since its search ran). */
async function classify(
  deps: EngineDeps,
  type: string,
  id: string,
  input: ReconcileInput,
): Promise<Classified | undefined> {
  let latest;
  try {
    // Follows `next` across empty pages: an empty first page is not "no version" (hard-deleted).
    latest = await deps.source.firstEntry(
      `${type}/${encodeURIComponent(id)}/_history?_count=1&_sort=-_lastUpdated`,
    );
  } catch (thrown) {
    if (!(isFhirOperationError(thrown) && thrown.status === 404)) {
      return {
        class: "error",
        note: `the source's history of it could not be read: ${ensureError(thrown).message}`,
      };
    }
    latest = undefined;
  }
  if (latest === undefined) {
    return { class: "hard-deleted", note: "the source has no version of it" };
  }
  if (latest.request?.method?.toUpperCase() !== "DELETE") return undefined;
  const deletedAt = latest.response?.lastModified ?? latest.resource?.meta?.lastUpdated;
  if (!input.migratesDeletes) {
    return {
      class: "deleted-on-source",
      note: `deleted on the source${deletedAt === undefined ? "" : ` at ${deletedAt}`}; deletes are not migrated (AZURE_ExportWithDelete=false)`,
    };
  }
  if (atOrAfter(deletedAt, input.watermark)) {
    return {
      class: "delete-pending",
      note: `deleted on the source at ${deletedAt}, at or after the watermark: the delete is migrated later`,
    };
  }
  return {
    class: "deleted-on-source",
    note: `deleted on the source${deletedAt === undefined ? "" : ` at ${deletedAt}`}, before the watermark ${input.watermark ?? "(none)"}: the delete should be on the destination`,
  };
}

const TOTAL_KEY: Record<ExtraClass, keyof ReconcileTotals> = {
  "hard-deleted": "hardDeleted",
  "deleted-on-source": "deletedOnSource",
  "delete-pending": "deletePending",
  error: "errors",
};

interface HopState {
  totals: ReconcileTotals;
  sample: ExtraResource[];
  rows: RowTally;
}

function recordRow(
  deps: EngineDeps,
  input: ReconcileInput,
  state: HopState,
  row: {
    key: string;
    result: CheckVerdict;
    reason: string;
    details: Record<string, unknown>;
  },
) {
  tallyRow(state.rows, {
    resourceType: input.type,
    key: row.key,
    result: row.result,
    source: null,
    destination: null,
    details: row.reason,
  });
  return deps.state.recordCheckResult({
    runId: input.runId,
    kind: "reconcile",
    resourceType: input.type,
    key: row.key,
    result: row.result,
    details: JSON.stringify({ reason: row.reason, ...row.details }),
  });
}

/** Asks the source for the candidates by id, classifies those it lacks, applies hard deletes. */
async function checkCandidates(
  deps: EngineDeps,
  input: ReconcileInput,
  candidates: string[],
  refused: string | null,
  state: HopState,
): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < candidates.length; i += ID_BATCH)
    batches.push(candidates.slice(i, i + ID_BATCH));
  const present = await mapWithConcurrency(batches, input.concurrency, (b) =>
    presentOnSource(deps, input.type, b),
  );
  const absent = batches.flatMap((b, i) => b.filter((id) => !present[i]!.has(id)));
  const extras = await mapWithConcurrency(absent, input.concurrency, async (id) => {
    const classified = await classify(deps, input.type, id, input);
    if (classified === undefined) return undefined;
    const extra: ExtraResource = {
      id,
      class: classified.class,
      applied: false,
      note: classified.note,
    };
    if (extra.class === "hard-deleted" && input.apply && refused === null) {
      try {
        await deps.destination.delete(input.type, id);
        extra.applied = true;
      } catch (thrown) {
        state.totals.applyFailed++;
        extra.note = `${extra.note ?? ""}; deleting it on the destination failed: ${ensureError(thrown).message}`;
      }
    }
    await recordRow(deps, input, state, {
      key: id,
      result: extraVerdict(extra),
      reason: describeExtra(extra),
      details: { ...extra },
    });
    return extra;
  });
  for (const extra of extras) {
    if (extra === undefined) continue;
    state.totals.extra++;
    state.totals[TOTAL_KEY[extra.class]]++;
    if (extra.applied) state.totals.applied++;
    if (state.sample.length < REPORTED_FAILURES) state.sample.push(extra);
  }
}

/** Walks windows from the front of `windows` until none is left or the hop's budget is spent. */
async function walkWindows(
  deps: EngineDeps,
  input: ReconcileInput,
  windows: CountedRange[],
  refused: string | null,
  state: HopState,
): Promise<void> {
  const progress: HopProgress = { pages: 0, startedMs: deps.clock.now() };
  const spent = () =>
    progress.pages >= input.limits.maxPages ||
    deps.clock.now() - progress.startedMs >= input.limits.budgetMs;
  while (windows.length > 0 && !spent()) {
    const batch = await nextWindowBatch(windows, input.concurrency, (sinceMs, tillMs) =>
      countBothWindows(deps, input.type, sinceMs, tillMs),
    );
    // A window the destination holds nothing in has nothing to reconcile.
    const walked = batch.filter((w) => w.destination > 0);
    const candidates = await mapWithConcurrency(walked, input.concurrency, (w) =>
      windowCandidates(
        deps,
        { type: input.type, pageSize: input.limits.pageSize },
        w,
        progress,
        (n) => (state.totals.scanned += n),
      ),
    );
    await checkCandidates(deps, input, candidates.flat(), refused, state);
    windows.splice(0, batch.length);
  }
}

export async function reconcileTypeHop(
  deps: EngineDeps,
  input: ReconcileInput,
): Promise<ReconcileTypeResult> {
  const state: HopState = {
    totals: input.totals ?? emptyTotals(),
    sample: [...input.sample],
    rows: emptyRowTally(),
  };
  const { totals } = state;
  const refused = applyRefusal(input);
  let windows: CountedRange[] = [];
  let error: string | null = null;
  try {
    windows =
      input.cursor === null
        ? await firstWindows(deps, input.type)
        : fromReconcileCursor(input.cursor);
    await walkWindows(deps, input, windows, refused, state);
  } catch (thrown) {
    // Reported for the type (verdict Error): the windows after this point were not checked.
    error = ensureError(thrown).message;
    totals.errors++;
    windows = [];
    deps.log(`reconciliation of ${input.type} failed: ${error}`);
  }
  const done = windows.length === 0;
  const verdict = reconcileVerdict(totals);
  if (done) {
    await recordRow(deps, input, state, {
      // Ids never start with "_" (docs/server-behaviour.md §4.3: [A-Za-z0-9\-.]), so this key cannot collide with one.
      key: "_summary",
      result: verdict,
      reason: [describeTotals(totals), refused, error].filter((x) => x !== null).join("; "),
      details: { totals, applyRefused: refused, error },
    });
    deps.telemetry.trackEvent("HardDeleteReconciliation", {
      RunId: input.runId,
      Resource: input.type,
      ExtraOnDestination: totals.extra,
      Applied: totals.applied,
      HardDeletedOnSource: totals.hardDeleted,
      Result: verdict,
    });
  }
  return {
    type: input.type,
    done,
    cursor: done ? null : toReconcileCursor(windows),
    totals,
    applyRefused: refused,
    sample: state.sample,
    verdict,
    error,
    rows: state.rows,
  };
}
