/**
 * The ledger: the timeline from the start date to the frontier, as contiguous half-open entries
 * `[since, till)`. Every planned window is an entry, and so is every stretch planning skipped as
 * empty: skipped stretches are not trusted, they are counted on the source like windows are
 * reconciled. docs/architecture.md ("Ledger") says what is counted and what the watermark means.
 */
import { SEARCH_PARAMETER_TYPE } from "./resourceTypes";
import { ms } from "./windows";

export type LedgerKind = "window" | "skipped";

/**
 * pending: waiting for its imports (a window) or for its first count;
 * recheck: a count fell short, counted again after AZURE_LedgerRecheckSeconds;
 * reimporting: still short, its payloads are imported once more;
 * reconciled: the destination holds what the source holds (less the recorded failures);
 * unreconciled: still short after the re-import (or a skipped stretch that holds versions).
 */
export type LedgerStatus = "pending" | "recheck" | "reimporting" | "reconciled" | "unreconciled";

/** The unit counted on both servers: a resource type, or every type (system level). */
export const ALL_TYPES = "*";

/** One count of one unit of an entry, on both servers. */
export interface LedgerCount {
  /** A resource type, or ALL_TYPES for a system-level count. */
  type: string;
  source: number;
  /** Undefined when the destination was not counted (a skipped stretch: the source must be 0). */
  destination: number | undefined;
  /** Failed resources recorded for the entry's chunks (import or export error rows). */
  failed: number;
  /** Versions the source holds that are neither on the destination nor recorded as failed. */
  missing: number;
  /** Versions only on the destination: created there, or hard-deleted on the source. Never loss. */
  extra: number;
}

/** A re-import job of one of the entry's payloads. */
export interface LedgerReimport {
  chunkSeq: number;
  index: number;
  statusUrl: string;
  done: boolean;
  /** Lines in the job's error[] files (resources the destination refused again). */
  errors: number;
}

export interface LedgerEntry {
  since: string;
  till: string;
  kind: LedgerKind;
  /** Chunk sequence numbers of a window (one, or one per type in per-type mode); empty when skipped. */
  chunkSeqs: number[];
  /** History-aware versions counted at planning, per unit (ALL_TYPES at system level). */
  expected: Record<string, number>;
  status: LedgerStatus;
  /** Counts made so far (each on both servers). */
  checks: number;
  /** recheck: not before this instant. */
  nextCheckAt: string | undefined;
  /** The entry's payloads were imported once more. */
  reimported: boolean;
  reimports: LedgerReimport[];
  /** The latest counts, per unit. */
  counts: LedgerCount[];
  /** Why the entry is unreconciled, in words (the counts are in `counts`). */
  reason: string | undefined;
  plannedAt: string | undefined;
  checkedAt: string | undefined;
}

/** Row key of an entry: its start in epoch milliseconds, fixed width, so keys sort by time. */
export function ledgerKey(since: string): string {
  return String(ms(since)).padStart(15, "0");
}

export function newLedgerEntry(
  fields: Pick<LedgerEntry, "since" | "till" | "kind" | "chunkSeqs" | "expected" | "plannedAt">,
): LedgerEntry {
  return {
    ...fields,
    status: "pending",
    checks: 0,
    nextCheckAt: undefined,
    reimported: false,
    reimports: [],
    counts: [],
    reason: undefined,
    checkedAt: undefined,
  };
}

export function isFinal(status: LedgerStatus): boolean {
  return status === "reconciled" || status === "unreconciled";
}

/**
 * Judges one unit: the destination must hold what the source holds less what was recorded as
 * failed. More on the destination is extra, never loss; on a skipped stretch the source must hold 0.
 */
export function judgeCount(
  type: string,
  source: number,
  destination: number | undefined,
  failed: number,
): LedgerCount {
  const owed = Math.max(0, source - failed);
  if (destination === undefined) {
    return { type, source, destination, failed, missing: owed, extra: 0 };
  }
  return {
    type,
    source,
    destination,
    failed,
    missing: Math.max(0, owed - destination),
    extra: Math.max(0, destination - owed),
  };
}

/**
 * The unit of a system-level window that holds every type not counted on its own: the window's
 * totals less the types counted one by one and less SearchParameter. A type the export did not
 * list (or a destination-only type) lands here, so it is never left out of the judgement.
 */
export const OTHER_TYPES = "other types";

/** One type of a system-level window, counted on both servers. */
export interface TypeCount {
  type: string;
  source: number;
  destination: number;
  /** Failed resources recorded for this type in the window's chunks. */
  failed: number;
}

/**
 * Judges a system-level window type by type, so a shortfall of one type is never hidden by a
 * surplus of another (a Patient version lost while an Observation was created on the destination).
 * SearchParameter is not owed in the window: its versions are not imported but copied through the
 * API, and the copies on the destination are the tool's own writes, stamped when it wrote them
 * (in whatever window that instant falls). Its counts are kept for the record with nothing missing
 * or extra. Whatever the listed types and SearchParameter do not account for of the totals is
 * judged as OTHER_TYPES; `failedTotal` less the listed types' failures is that unit's.
 */
export function judgeWindowByType(input: {
  types: readonly TypeCount[];
  searchParameters: { source: number; destination: number };
  totals: { source: number; destination: number };
  failedTotal: number;
}): LedgerCount[] {
  const { types, searchParameters: sp, totals } = input;
  const sum = (pick: (t: TypeCount) => number) => types.reduce((n, t) => n + pick(t), 0);
  const counts = types.map((t) => judgeCount(t.type, t.source, t.destination, t.failed));
  counts.push(
    judgeCount(
      OTHER_TYPES,
      Math.max(0, totals.source - sum((t) => t.source) - sp.source),
      Math.max(0, totals.destination - sum((t) => t.destination) - sp.destination),
      Math.max(0, input.failedTotal - sum((t) => t.failed)),
    ),
  );
  counts.push({
    type: SEARCH_PARAMETER_TYPE,
    source: sp.source,
    destination: sp.destination,
    failed: 0,
    missing: 0,
    extra: 0,
  });
  return counts;
}

export function totalMissing(counts: readonly LedgerCount[]): number {
  return counts.reduce((n, c) => n + c.missing, 0);
}

export function totalExtra(counts: readonly LedgerCount[]): number {
  return counts.reduce((n, c) => n + c.extra, 0);
}

/**
 * A skipped stretch is counted once it ended this long ago. An idle migration plans (and skips) on
 * every idle poll; waiting lets one count cover the stretches of the last hour together, so the
 * ledger adds about one query an hour to an idle source instead of one per poll.
 */
export const SKIPPED_SETTLE_MS = 60 * 60 * 1000;

/** What the reconciliation activity does next for an entry, or undefined when it is not ready. */
export type LedgerStep = "count" | "poll-reimport";

/**
 * An entry is ready when its chunks are all processed (a skipped stretch SKIPPED_SETTLE_MS after its
 * end), a recheck when
 * its delay has passed, a re-import on every pass while it runs. Final entries need nothing.
 * `settledBeforeMs` (cutover mode: the freeze, once writes in flight at it had time to land) makes
 * skipped stretches ending at or before it ready at once: no write can land in them any more, and
 * the cutover's proof waits for every entry up to the freeze.
 */
export function ledgerStep(
  entry: Pick<LedgerEntry, "status" | "nextCheckAt" | "chunkSeqs" | "kind" | "till">,
  chunksProcessed: (seq: number) => boolean,
  nowMs: number,
  settledBeforeMs?: number,
): LedgerStep | undefined {
  switch (entry.status) {
    case "pending":
      if (entry.kind === "skipped") {
        const settled =
          ms(entry.till) + SKIPPED_SETTLE_MS <= nowMs ||
          (settledBeforeMs !== undefined && ms(entry.till) <= settledBeforeMs);
        return settled ? "count" : undefined;
      }
      return entry.chunkSeqs.every(chunksProcessed) ? "count" : undefined;
    case "recheck":
      return entry.nextCheckAt === undefined || ms(entry.nextCheckAt) <= nowMs
        ? "count"
        : undefined;
    case "reimporting":
      return "poll-reimport";
    default:
      return undefined;
  }
}

/** One hole or overlap in the ledger's coverage of [start, frontier). */
export interface CoverageProblem {
  kind: "gap" | "overlap";
  from: string;
  to: string;
}

/**
 * Checks that entries (sorted by since) cover [start, frontier) exactly: each starts where the
 * previous ended, the first at start, the last ends at the frontier.
 */
export function coverageProblems(
  entries: readonly Pick<LedgerEntry, "since" | "till">[],
  start: string | undefined,
  frontier: string | undefined,
): CoverageProblem[] {
  const problems: CoverageProblem[] = [];
  if (start === undefined || frontier === undefined) {
    return entries.length === 0
      ? []
      : [{ kind: "overlap", from: entries[0]!.since, to: entries.at(-1)!.till }];
  }
  let at = ms(start);
  for (const e of entries) {
    const since = ms(e.since);
    const till = ms(e.till);
    if (since > at) problems.push({ kind: "gap", from: iso(at), to: e.since });
    if (since < at) problems.push({ kind: "overlap", from: e.since, to: iso(Math.min(at, till)) });
    at = Math.max(at, till);
  }
  const end = ms(frontier);
  if (at < end) problems.push({ kind: "gap", from: iso(at), to: frontier });
  if (at > end) problems.push({ kind: "overlap", from: frontier, to: iso(at) });
  return problems;
}

function iso(value: number): string {
  return new Date(value).toISOString();
}

/** The ledger at a glance: entries per status and the versions missing from unreconciled ones. */
export interface LedgerSummary {
  entries: number;
  windows: number;
  skipped: number;
  reconciled: number;
  /** pending, recheck and reimporting. */
  open: number;
  unreconciled: number;
  missing: number;
  extra: number;
  /** Coverage of [start watermark, frontier). */
  coverage: CoverageProblem[];
}

export function summarizeLedger(
  entries: readonly LedgerEntry[],
  start: string | undefined,
  frontier: string | undefined,
): LedgerSummary {
  const sorted = [...entries].sort((a, b) => ms(a.since) - ms(b.since));
  const count = (p: (e: LedgerEntry) => boolean) => sorted.filter(p).length;
  return {
    entries: sorted.length,
    windows: count((e) => e.kind === "window"),
    skipped: count((e) => e.kind === "skipped"),
    reconciled: count((e) => e.status === "reconciled"),
    open: count((e) => !isFinal(e.status)),
    unreconciled: count((e) => e.status === "unreconciled"),
    missing: sorted
      .filter((e) => e.status === "unreconciled")
      .reduce((n, e) => n + totalMissing(e.counts), 0),
    extra: sorted.reduce((n, e) => n + totalExtra(e.counts), 0),
    coverage: coverageProblems(sorted, start, frontier),
  };
}
