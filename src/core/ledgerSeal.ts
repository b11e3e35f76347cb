/**
 * The ledger's sealed prefix: the totals of its oldest entries, kept in one row so that a status
 * build reads that row and only the entries after it, however long the ledger grows
 * (docs/status.md, "What one build reads"). Like the cursor's sealed chunk totals, it only moves
 * forward over entries whose verdict can no longer change:
 *
 * - a reconciled entry is folded into the totals (no write turns a reconciled entry back; the
 *   store refuses one below the seal, storage/ledgerStore.ts);
 * - an unreconciled entry is kept as an exception, by its start: the cutover's recount may still
 *   reconcile it, so the status reads it every time and counts it as it is then. Once reconciled,
 *   the recount folds it in (or the next advance, when the list of exceptions is full).
 *
 * The prefix is gap-free: each sealed entry starts where the previous one ended, so a gap or an
 * overlap stops the seal and stays in the part read entry by entry (and on the page). It never
 * covers an entry still open or one reaching past the frontier (a planning that raced another may
 * still replace an entry at the frontier, storage/ledgerStore.ts).
 */
import type { LedgerEntry } from "./ledger";
import { isFinal, totalExtra } from "./ledger";
import { ms } from "./windows";

/** Unreconciled entries a seal may hold as exceptions; the seal waits at the next one after that. */
export const MAX_SEAL_EXCEPTIONS = 100;

export interface LedgerSeal {
  /** Start of the first sealed entry; undefined while nothing is sealed. */
  from: string | undefined;
  /** End of the last sealed entry: the first entry not sealed starts here. */
  till: string | undefined;
  /** Reconciled entries folded in, and of them windows and skipped stretches. */
  reconciled: number;
  windows: number;
  skipped: number;
  /** Versions only on the destination, over the reconciled entries folded in. */
  extra: number;
  /** Starts of the sealed entries that were unreconciled when sealed, in time order. */
  exceptions: string[];
}

export const EMPTY_SEAL: LedgerSeal = {
  from: undefined,
  till: undefined,
  reconciled: 0,
  windows: 0,
  skipped: 0,
  extra: 0,
  exceptions: [],
};

/** Why the seal stops before an entry (undefined: it may be sealed). */
export type SealStop = "not contiguous" | "open" | "past the frontier" | "too many exceptions";

/** Whether `entry`, the first entry after the seal, may join it. */
export function sealStop(
  seal: LedgerSeal,
  entry: Pick<LedgerEntry, "since" | "till" | "status">,
  frontier: string | undefined,
): SealStop | undefined {
  if (seal.till !== undefined && ms(entry.since) !== ms(seal.till)) return "not contiguous";
  if (!isFinal(entry.status)) return "open";
  if (frontier === undefined || ms(entry.till) > ms(frontier)) return "past the frontier";
  if (entry.status === "unreconciled" && seal.exceptions.length >= MAX_SEAL_EXCEPTIONS)
    return "too many exceptions";
  return undefined;
}

/** The seal with `entry` folded in (sealStop said it may join). */
export function foldEntry(seal: LedgerSeal, entry: LedgerEntry): LedgerSeal {
  const moved = { ...seal, from: seal.from ?? entry.since, till: entry.till };
  if (entry.status === "unreconciled")
    return { ...moved, exceptions: [...seal.exceptions, entry.since] };
  return addReconciled(moved, entry);
}

function addReconciled(seal: LedgerSeal, entry: LedgerEntry): LedgerSeal {
  return {
    ...seal,
    reconciled: seal.reconciled + 1,
    windows: seal.windows + (entry.kind === "window" ? 1 : 0),
    skipped: seal.skipped + (entry.kind === "skipped" ? 1 : 0),
    extra: seal.extra + totalExtra(entry.counts),
  };
}

/**
 * Folds in, from the entries after the seal in key order, as many as may join. Returns the seal
 * and how many entries joined.
 */
export function advanceSeal(
  seal: LedgerSeal,
  entriesAfter: readonly LedgerEntry[],
  frontier: string | undefined,
): { seal: LedgerSeal; sealed: number } {
  let next = seal;
  let sealed = 0;
  for (const entry of entriesAfter) {
    if (sealStop(next, entry, frontier) !== undefined) break;
    next = foldEntry(next, entry);
    sealed++;
  }
  return { seal: next, sealed };
}

/**
 * Exceptions reconciled since (by the cutover's recount) are folded into the totals and leave the
 * list; the others stay. `current` holds the exceptions as they are now, by start.
 */
export function foldReconciledExceptions(
  seal: LedgerSeal,
  current: ReadonlyMap<string, LedgerEntry>,
): LedgerSeal {
  let next: LedgerSeal = { ...seal, exceptions: [] };
  for (const since of seal.exceptions) {
    const entry = current.get(since);
    if (entry?.status === "reconciled") next = addReconciled(next, entry);
    else next.exceptions.push(since);
  }
  return next;
}

/** Whether the entry starting at `since` lies in the sealed prefix (an exception or folded in). */
export function isSealed(seal: LedgerSeal, since: string): boolean {
  return seal.till !== undefined && seal.from !== undefined && ms(since) < ms(seal.till);
}

/**
 * Whether a write may change an entry: one folded into the seal's totals may not change at all
 * (the totals would no longer be the sum of the entries they replace). Exceptions may, but keep
 * their range (the seal's coverage rests on it).
 */
export function sealAllowsChange(
  seal: LedgerSeal,
  before: Pick<LedgerEntry, "since" | "till">,
  after: Pick<LedgerEntry, "since" | "till">,
): boolean {
  if (!isSealed(seal, before.since)) return true;
  if (!seal.exceptions.includes(before.since)) return false;
  return before.since === after.since && before.till === after.till;
}
