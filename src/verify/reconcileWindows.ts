/**
 * The windows the hard-delete reconciliation walks (src/verify/reconcile.ts): a type's timeline of
 * `lastUpdated`, from its oldest resource on the destination to now, cut by counts on both servers
 * into windows of whole milliseconds that hold at most RECONCILE_WINDOW_IDS ids on either; and the
 * walk of one window (the source's ids held, the destination's streamed past them).
 */
import type { CountedRange } from "../core/fullUnits";
import { splitDecision } from "../core/fullUnits";
import { canonicalInstant } from "../core/resourceDiff";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import type { FhirClient } from "../fhir/types";
import { entryId, readPages, resourceEntries } from "./paging";

/**
 * Ids one window may hold on either server: the source's are kept while the destination's stream
 * past them (about 50 bytes each), and a window's pages (20 per server at `_count=1000`) fit in one
 * activity even at seconds per page.
 */
export const RECONCILE_WINDOW_IDS = 20_000;

/**
 * The walk's end is this far after the first hop's clock: a resource stamped by a server whose
 * clock runs a little ahead of ours is still walked.
 */
export const RECONCILE_TILL_MARGIN_MS = 5 * 60_000;

/**
 * Where a type's walk resumes: the windows still to walk, counted, in time order and adjacent, as
 * `[since, source, destination]` (each ends where the next begins, the last at `till`): it crosses
 * the orchestration's continue-as-new, so it is kept compact.
 */
export interface ReconcileCursor {
  till: number;
  windows: [since: number, source: number, destination: number][];
}

export function toReconcileCursor(windows: readonly CountedRange[]): ReconcileCursor {
  windows.forEach((w, i) => {
    const next = windows[i + 1];
    if (next !== undefined && next.sinceMs !== w.tillMs)
      throw new RangeError(
        `reconciliation windows are not adjacent: ${w.tillMs} then ${next.sinceMs}`,
      );
  });
  return {
    till: windows.at(-1)?.tillMs ?? 0,
    windows: windows.map((w) => [w.sinceMs, w.source, w.destination]),
  };
}

export function fromReconcileCursor(cursor: ReconcileCursor): CountedRange[] {
  return cursor.windows.map(([sinceMs, source, destination], i) => ({
    sinceMs,
    tillMs: cursor.windows[i + 1]?.[0] ?? cursor.till,
    source,
    destination,
  }));
}

/** Counts the type's current resources in a window on one server. */
function countWindow(client: FhirClient, type: string, sinceMs: number, tillMs: number) {
  return client.count({
    type,
    since: new Date(sinceMs).toISOString(),
    till: new Date(tillMs).toISOString(),
  });
}

export async function countBothWindows(
  deps: EngineDeps,
  type: string,
  sinceMs: number,
  tillMs: number,
): Promise<CountedRange> {
  const [source, destination] = await Promise.all([
    countWindow(deps.source, type, sinceMs, tillMs),
    countWindow(deps.destination, type, sinceMs, tillMs),
  ]);
  return { sinceMs, tillMs, source, destination };
}

/** The first windows of a type's walk: from its oldest resource on the destination to now. */
export async function firstWindows(deps: EngineDeps, type: string): Promise<CountedRange[]> {
  // Follows `next` across empty pages: an empty first page is not "nothing there".
  const oldest = await deps.destination.firstEntry(`${type}?_sort=_lastUpdated&_count=1`);
  if (oldest === undefined) return [];
  const stamp = oldest.resource?.meta?.lastUpdated ?? oldest.response?.lastModified;
  const instant = stamp === undefined ? undefined : canonicalInstant(stamp);
  if (instant === undefined) {
    throw new Error(
      `${deps.destination.baseUrl}: the oldest ${type} has no lastUpdated (fullUrl ${oldest.fullUrl ?? "none"})`,
    );
  }
  const sinceMs = Math.floor(Date.parse(instant));
  const tillMs = Math.max(sinceMs + 1, Math.floor(deps.clock.now()) + RECONCILE_TILL_MARGIN_MS);
  return [await countBothWindows(deps, type, sinceMs, tillMs)];
}

function windowQuery(type: string, w: CountedRange, pageSize: number): string {
  const since = new Date(w.sinceMs).toISOString();
  const till = new Date(w.tillMs).toISOString();
  return `${type}?_lastUpdated=ge${since}&_lastUpdated=lt${till}&_count=${pageSize}&_elements=id`;
}

/** Pages a hop read so far, and when it started. */
export interface HopProgress {
  pages: number;
  readonly startedMs: number;
}

/** What a window's walk needs of its hop's input. */
export interface WindowWalk {
  type: string;
  pageSize: number;
}

/** Every id of the type one server holds in a window, read to the last page. */
async function windowIds(
  client: FhirClient,
  walk: WindowWalk,
  w: CountedRange,
  progress: HopProgress,
  onIds: (ids: string[]) => void,
): Promise<void> {
  await readPages(
    client,
    windowQuery(walk.type, w, walk.pageSize),
    { maxPages: Number.MAX_SAFE_INTEGER, budgetMs: Number.POSITIVE_INFINITY, now: () => 0 },
    (bundle) => {
      progress.pages++;
      onIds(
        resourceEntries(bundle)
          .map((e) => entryId(e, walk.type))
          .filter((id): id is string => id !== undefined),
      );
    },
  );
}

/**
 * The destination ids of a window the source's same window does not hold; `onScanned` counts the
 * destination ids read.
 */
export async function windowCandidates(
  deps: Pick<EngineDeps, "source" | "destination">,
  walk: WindowWalk,
  w: CountedRange,
  progress: HopProgress,
  onScanned: (n: number) => void,
): Promise<string[]> {
  const held = new Set<string>();
  if (w.source > 0)
    await windowIds(deps.source, walk, w, progress, (ids) => ids.forEach((id) => held.add(id)));
  const candidates: string[] = [];
  await windowIds(deps.destination, walk, w, progress, (ids) => {
    onScanned(ids.length);
    for (const id of ids) if (!held.has(id)) candidates.push(id);
  });
  return candidates;
}

/**
 * The next windows to walk, from the front of `windows` (in place): the first window is cut (its
 * parts counted with `count`) until it holds at most RECONCILE_WINDOW_IDS on either server; then up
 * to `concurrency` consecutive windows that fit are the batch, left at the front for the caller to
 * remove once walked.
 */
export async function nextWindowBatch(
  windows: CountedRange[],
  concurrency: number,
  count: (sinceMs: number, tillMs: number) => Promise<CountedRange>,
): Promise<CountedRange[]> {
  for (;;) {
    const first = windows[0];
    if (first === undefined) return [];
    const decision = splitDecision(first, RECONCILE_WINDOW_IDS);
    if (decision.kind === "unit") break;
    const parts = await mapWithConcurrency(decision.parts, concurrency, (p) =>
      count(p.sinceMs, p.tillMs),
    );
    windows.splice(0, 1, ...parts);
  }
  const batch: CountedRange[] = [];
  for (const w of windows) {
    if (batch.length >= concurrency) break;
    if (splitDecision(w, RECONCILE_WINDOW_IDS).kind !== "unit") break;
    batch.push(w);
  }
  return batch;
}
