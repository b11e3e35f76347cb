import type { LedgerCount, LedgerEntry, LedgerReimport } from "../core/ledger";
import type { LedgerSeal } from "../core/ledgerSeal";
import { count, custom, flag, json, optionalText, requiredText, rowKind, word } from "./rowSpec";

/**
 * Ledger rows: partition `{pk}-ledger`, row key `ledgerKey(since)` (the entry's start in epoch
 * milliseconds), so one key per stretch of the timeline and a retried write finds the row it wrote.
 * Structured values (counts, re-import jobs) are JSON strings. docs/architecture.md lists the columns.
 */

/** A ledger row of the job table. */
export const LEDGER_ROW = rowKind<LedgerEntry>("ledger", {
  since: requiredText("Since"),
  till: requiredText("Till"),
  kind: custom<LedgerEntry["kind"]>(
    "EntryKind",
    (kind) => kind,
    (cell) => (cell === "skipped" ? "skipped" : "window"),
  ),
  chunkSeqs: custom<number[]>(
    "ChunkIds",
    (seqs) => seqs.join(","),
    (cell) => (typeof cell === "string" && cell !== "" ? cell.split(",").map(Number) : []),
  ),
  expected: json<Record<string, number>>("Expected", { fallback: {} }),
  status: word("Status", "pending"),
  checks: count("Checks"),
  nextCheckAt: optionalText("NextCheckAt"),
  reimported: flag("Reimported"),
  reimports: json<LedgerReimport[]>("Reimports", { fallback: [] }),
  counts: json<LedgerCount[]>("Counts", { fallback: [] }),
  reason: optionalText("Reason", { max: 4000 }),
  plannedAt: optionalText("PlannedAt"),
  checkedAt: optionalText("CheckedAt"),
});

/**
 * The ledger's marker row: the key of the oldest entry that may still be open, and the sealed
 * prefix (src/core/ledgerSeal.ts): its totals and the starts of the unreconciled entries in it, at
 * most MAX_SEAL_EXCEPTIONS of 24 characters (well within a column's 64 KiB). A row written before
 * the seal existed reads as nothing sealed.
 */
export type LedgerMarker = LedgerSeal & { openFrom: string | undefined };

export const LEDGER_MARKER_ROW = rowKind<LedgerMarker>("ledgerMarker", {
  openFrom: optionalText("OpenFrom"),
  from: optionalText("SealedFrom"),
  till: optionalText("SealedTill"),
  reconciled: count("Reconciled"),
  windows: count("Windows"),
  skipped: count("Skipped"),
  extra: count("Extra"),
  exceptions: custom<string[]>(
    "Exceptions",
    (starts) => starts.join(","),
    (cell) => (typeof cell === "string" && cell !== "" ? cell.split(",") : []),
  ),
});
