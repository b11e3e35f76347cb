/**
 * VerifyReconcileType activity: finds resources the destination holds that the source does not.
 * Hard deletes on the source leave no trace $export can see (docs/server-behaviour.md §8.11), so they are found
 * by comparing ids. The servers sort only by _lastUpdated, so the id sets cannot be merged in
 * order; instead the destination's ids are streamed page by page (`{Type}?_count=1000&_elements=id`)
 * and each page is checked against the source in batches of 100 (`{Type}?_id=a,b,…`). Memory holds
 * one page; a large type spans several activities, each resuming from the previous one's cursor.
 *
 * Each id the source's search does not return is classified from the source's history of it: no
 * version at all is a hard delete; a delete as latest version is a soft delete that is migrated
 * later (delete-pending, at or after the watermark) or should have been (deleted-on-source).
 * Only hard deletes are applied (DELETE on the destination), only when asked, and never when the
 * source holds no resource of the type at all: that is more likely a wrong source than a purge.
 */
import { canonicalInstant } from "../core/resourceDiff";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import { ensureError, isFhirOperationError } from "../errors";
import { describeExtra, describeTotals, extraVerdict } from "./describe";
import { entryId, readPages, resourceEntries } from "./paging";
import type {
  ExtraClass,
  ExtraResource,
  HopLimits,
  ReconcileTotals,
  ReconcileTypeResult,
} from "./types";
import { REPORTED_FAILURES } from "./types";
import type { CheckVerdict } from "../core/surfaceVerdict";

/** Ids per `_id=` query: keeps the URL well under common 8 KB request-line limits. */
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
  cursor: string | null;
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

async function checkPage(
  deps: EngineDeps,
  input: ReconcileInput,
  ids: string[],
  refused: string | null,
  totals: ReconcileTotals,
  sample: ExtraResource[],
): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += ID_BATCH) batches.push(ids.slice(i, i + ID_BATCH));
  const present = await mapWithConcurrency(batches, input.concurrency, (b) =>
    presentOnSource(deps, input.type, b),
  );
  const absent = batches.flatMap((b, i) => b.filter((id) => !present[i]!.has(id)));
  totals.scanned += ids.length;
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
        totals.applyFailed++;
        extra.note = `${extra.note ?? ""}; deleting it on the destination failed: ${ensureError(thrown).message}`;
      }
    }
    await deps.state.recordCheckResult({
      runId: input.runId,
      kind: "reconcile",
      resourceType: input.type,
      key: id,
      result: extraVerdict(extra),
      details: JSON.stringify({ reason: describeExtra(extra), ...extra }),
    });
    return extra;
  });
  for (const extra of extras) {
    if (extra === undefined) continue;
    totals.extra++;
    totals[TOTAL_KEY[extra.class]]++;
    if (extra.applied) totals.applied++;
    if (sample.length < REPORTED_FAILURES) sample.push(extra);
  }
}

export async function reconcileTypeHop(
  deps: EngineDeps,
  input: ReconcileInput,
): Promise<ReconcileTypeResult> {
  const totals = input.totals ?? emptyTotals();
  const sample = [...input.sample];
  const refused = applyRefusal(input);
  let cursor: string | null = null;
  let error: string | null = null;
  try {
    const read = await readPages(
      deps.destination,
      input.cursor ?? `${input.type}?_count=${input.limits.pageSize}&_elements=id`,
      { ...input.limits, now: () => deps.clock.now() },
      async (bundle) => {
        const ids = resourceEntries(bundle)
          .map((e) => entryId(e, input.type))
          .filter((id): id is string => id !== undefined);
        await checkPage(deps, input, ids, refused, totals, sample);
      },
    );
    cursor = read.cursor;
  } catch (thrown) {
    // Reported for the type (verdict Error): the ids after this point were not checked.
    error = ensureError(thrown).message;
    totals.errors++;
    deps.log(`reconciliation of ${input.type} failed: ${error}`);
  }
  const done = cursor === null;
  const verdict = reconcileVerdict(totals);
  if (done) {
    await deps.state.recordCheckResult({
      runId: input.runId,
      kind: "reconcile",
      resourceType: input.type,
      // Ids never start with "_" (docs/server-behaviour.md §4.3: [A-Za-z0-9\-.]), so this key cannot collide with one.
      key: "_summary",
      result: verdict,
      details: JSON.stringify({
        reason: [describeTotals(totals), refused, error].filter((x) => x !== null).join("; "),
        totals,
        applyRefused: refused,
        error,
      }),
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
    cursor,
    totals,
    applyRefused: refused,
    sample,
    verdict,
    error,
  };
}
