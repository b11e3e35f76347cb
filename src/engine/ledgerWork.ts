import { CUTOVER_IN_FLIGHT_ALLOWANCE_MS } from "../core/cutover";
import type { LedgerEntry } from "../core/ledger";
import { ledgerStep } from "../core/ledger";
import type { ChunkRecord, CursorRecord } from "../core/migrationState";
import type { LedgerWork } from "../core/passPlanner";
import { ms } from "../core/windows";
import type { EngineDeps } from "./deps";

/** Open entries read per pass (from the ledger's marker on: final entries before it are not read). */
const OPEN_READ_LIMIT = 200;
/** Entries reconciled per pass, one activity each, so a long backlog spreads over passes. */
const READY_PER_PASS = 8;
/**
 * Pending skipped stretches counted per pass, all in one activity (one source count per run of
 * contiguous stretches, AZURE_CheckConcurrency at a time): an hour of continuous running leaves
 * dozens of them between windows, each one count, and one activity per stretch would spread them
 * over passes of two message hops each (a cutover's proof waits for all of them).
 */
export const SKIPPED_RUNS_PER_PASS = 64;

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
): Promise<{ work: LedgerWork; openBeforeFreeze: number; waitingBeforeFreeze: number }> {
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
  const skippedRuns: LedgerEntry[] = [];
  // An open entry before the freeze that no count can conclude now (a recount not due yet, a
  // re-import running): the cutover's proof waits for it instead of counting the others itself.
  let waitingBeforeFreeze = 0;
  let lastDueSkip: LedgerEntry | undefined;
  for (const entry of open) {
    const step = ledgerStep(entry, processed, now, settledBefore);
    if (freezeMs !== undefined && ms(entry.since) < freezeMs && step !== "count")
      waitingBeforeFreeze++;
    if (step === undefined) continue;
    if (isPendingSkip(entry)) {
      // Contiguous pending skipped stretches are counted together by the first of them.
      const continues = lastDueSkip !== undefined && lastDueSkip.till === entry.since;
      lastDueSkip = entry;
      if (!continues && skippedRuns.length < SKIPPED_RUNS_PER_PASS) skippedRuns.push(entry);
    } else if (ready.length < READY_PER_PASS) {
      ready.push(entry);
    }
  }
  return {
    work: {
      ready: ready.map((e) => e.since),
      skippedRuns: skippedRuns.map((e) => e.since),
      blocking: open.filter((e) => !isPendingSkip(e)).length,
    },
    openBeforeFreeze:
      freezeMs === undefined ? 0 : open.filter((e) => ms(e.since) < freezeMs).length,
    waitingBeforeFreeze,
  };
}

function isPendingSkip(e: LedgerEntry): boolean {
  return e.kind === "skipped" && e.status === "pending";
}
