import type { LedgerCount, LedgerEntry, LedgerReimport } from "../core/ledger";
import type { TableRow } from "./tableRepository";

/**
 * Ledger rows: partition `{pk}-ledger`, row key `ledgerKey(since)` (the entry's start in epoch
 * milliseconds), so one key per stretch of the timeline and a retried write finds the row it wrote.
 * Structured values (counts, re-import jobs) are JSON strings. docs/architecture.md lists the columns.
 */

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

function json<T>(v: unknown, fallback: T): T {
  return typeof v === "string" && v !== "" ? (JSON.parse(v) as T) : fallback;
}

export function ledgerToRow(partitionKey: string, rowKey: string, e: LedgerEntry): TableRow {
  const row: Row = {
    Kind: "ledger",
    Since: e.since,
    Till: e.till,
    EntryKind: e.kind,
    ChunkIds: e.chunkSeqs.join(","),
    Expected: JSON.stringify(e.expected),
    Status: e.status,
    Checks: e.checks,
    NextCheckAt: e.nextCheckAt,
    Reimported: e.reimported,
    Reimports: JSON.stringify(e.reimports),
    Counts: JSON.stringify(e.counts),
    Reason: e.reason?.slice(0, 4000),
    PlannedAt: e.plannedAt,
    CheckedAt: e.checkedAt,
  };
  return {
    partitionKey,
    rowKey,
    ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === undefined ? "" : v])),
  };
}

export function ledgerFromRow(r: Row): LedgerEntry {
  const ids = str(r.ChunkIds);
  return {
    since: String(r.Since),
    till: String(r.Till),
    kind: str(r.EntryKind) === "skipped" ? "skipped" : "window",
    chunkSeqs: ids === undefined ? [] : ids.split(",").map(Number),
    expected: json<Record<string, number>>(r.Expected, {}),
    status: (str(r.Status) ?? "pending") as LedgerEntry["status"],
    checks: num(r.Checks),
    nextCheckAt: str(r.NextCheckAt),
    reimported: r.Reimported === true,
    reimports: json<LedgerReimport[]>(r.Reimports, []),
    counts: json<LedgerCount[]>(r.Counts, []),
    reason: str(r.Reason),
    plannedAt: str(r.PlannedAt),
    checkedAt: str(r.CheckedAt),
  };
}
