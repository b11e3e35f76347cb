import { CUTOVER_IN_FLIGHT_ALLOWANCE_MS } from "../core/cutover";
import type { LedgerEntry } from "../core/ledger";
import { ledgerStep } from "../core/ledger";
import type { ChunkRecord, CursorRecord } from "../core/migrationState";
import type { LedgerWork } from "../core/passPlanner";
import { ms } from "../core/windows";
import type { EngineDeps } from "./deps";

/** Open entries read per pass (from the ledger's marker on: final entries before it are not read). */
const OPEN_READ_LIMIT = 200;
/** Entries reconciled per pass, so a long backlog spreads over passes. */
const READY_PER_PASS = 8;

/**
 * Which ledger entries a pass reconciles, from the open entries and the chunks this pass read. With
 * a cutover's freeze: skipped stretches up to it are counted at once (once writes in flight at the
 * freeze had time to land), and `openBeforeFreeze` counts the entries starting before it that are
 * not final yet (the proof waits for them).
 */
export async function ledgerWork(
  deps: EngineDeps,
  cursor: CursorRecord,
  chunks: readonly ChunkRecord[],
  freeze?: string,
): Promise<{ work: LedgerWork; openBeforeFreeze: number }> {
  // Final entries in front of the open ones join the sealed prefix on the way, so a status build
  // reads only the entries after it (src/core/ledgerSeal.ts).
  const open = await deps.state.ledger().listOpen(OPEN_READ_LIMIT, cursor.frontier);
  const processed = (seq: number): boolean =>
    seq < cursor.firstUnprocessedSeq || chunks.some((c) => c.seq === seq && c.processed);
  const now = deps.clock.now();
  const freezeMs = freeze === undefined ? undefined : ms(freeze);
  const settledBefore =
    freezeMs !== undefined && now >= freezeMs + CUTOVER_IN_FLIGHT_ALLOWANCE_MS
      ? freezeMs
      : undefined;
  const ready: LedgerEntry[] = [];
  for (const entry of open) {
    if (ready.length >= READY_PER_PASS) break;
    if (ledgerStep(entry, processed, now, settledBefore) === undefined) continue;
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
    work: {
      ready: ready.map((e) => e.since),
      blocking: open.filter((e) => !isPendingSkip(e)).length,
    },
    openBeforeFreeze:
      freezeMs === undefined ? 0 : open.filter((e) => ms(e.since) < freezeMs).length,
  };
}

function isPendingSkip(e: LedgerEntry): boolean {
  return e.kind === "skipped" && e.status === "pending";
}
