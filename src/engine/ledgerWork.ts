import type { LedgerEntry } from "../core/ledger";
import { ledgerStep } from "../core/ledger";
import type { ChunkRecord, CursorRecord } from "../core/migrationState";
import type { LedgerWork } from "../core/passPlanner";
import type { EngineDeps } from "./deps";

/** Open entries read per pass (from the ledger's marker on: final entries before it are not read). */
const OPEN_READ_LIMIT = 200;
/** Entries reconciled per pass, so a long backlog spreads over passes. */
const READY_PER_PASS = 8;

/** Which ledger entries a pass reconciles, from the open entries and the chunks this pass read. */
export async function ledgerWork(
  deps: EngineDeps,
  cursor: CursorRecord,
  chunks: readonly ChunkRecord[],
): Promise<LedgerWork> {
  const open = await deps.state.ledger().listOpen(OPEN_READ_LIMIT);
  const processed = (seq: number): boolean =>
    seq < cursor.firstUnprocessedSeq || chunks.some((c) => c.seq === seq && c.processed);
  const now = deps.clock.now();
  const ready: LedgerEntry[] = [];
  for (const entry of open) {
    if (ready.length >= READY_PER_PASS) break;
    if (ledgerStep(entry, processed, now) === undefined) continue;
    // Contiguous pending skipped stretches are counted together by the first of them.
    const last = ready.at(-1);
    const batched =
      last !== undefined &&
      isPendingSkip(last) &&
      isPendingSkip(entry) &&
      last.till === entry.since;
    if (!batched) ready.push(entry);
  }
  return {
    ready: ready.map((e) => e.since),
    blocking: open.filter((e) => !isPendingSkip(e)).length,
  };
}

function isPendingSkip(e: LedgerEntry): boolean {
  return e.kind === "skipped" && e.status === "pending";
}
