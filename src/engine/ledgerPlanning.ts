import type { LedgerEntry } from "../core/ledger";
import { ALL_TYPES, newLedgerEntry } from "../core/ledger";
import type { ChunkRecord } from "../core/migrationState";
import { ms } from "../core/windows";
import type { EngineDeps } from "./deps";
import { nowIso } from "./deps";

/**
 * Ledger writes made by planning (PlanNextWindow). Each entry is keyed by its start and written
 * before the cursor's frontier moves past it, so a crash in between leaves an entry that the next
 * planning finds again (same start), never a stretch without one. docs/architecture.md, "Ledger".
 */

/**
 * A skipped stretch recorded by a planning that died before moving the frontier: the next planning
 * adopts it (the frontier moves to its end) rather than plan a window over it with another end.
 */
export async function skippedEntryAt(
  deps: EngineDeps,
  frontier: string,
): Promise<LedgerEntry | undefined> {
  const entry = await deps.state.ledger().get(frontier);
  return entry?.kind === "skipped" && ms(entry.till) > ms(frontier) ? entry : undefined;
}

/**
 * Records [since, till) as skipped (no version found by planning). Returns the end the frontier may
 * move to: `till`, or the end of a skipped entry already written for this start; undefined when a
 * window entry already starts here (another runner planned it: the frontier must not jump it).
 */
export async function recordSkippedStretch(
  deps: EngineDeps,
  since: string,
  till: string,
): Promise<string | undefined> {
  const { entry } = await deps.state.ledger().insert(
    newLedgerEntry({
      since,
      till,
      kind: "skipped",
      chunkSeqs: [],
      expected: {},
      plannedAt: nowIso(deps),
    }),
  );
  return entry.kind === "skipped" ? entry.till : undefined;
}

/**
 * Records the window of `chunks` (one per type in per-type mode, all with the same range). Idempotent.
 * A skipped entry at the same start (written by a runner that saw nothing up to an earlier cap) is
 * replaced: the window exports everything it covers; if the skipped stretch reached further, the rest
 * stays recorded as skipped, so the timeline keeps one entry per stretch.
 */
export async function recordWindowEntry(
  deps: EngineDeps,
  chunks: readonly ChunkRecord[],
): Promise<void> {
  const first = chunks[0]!;
  const entry = newLedgerEntry({
    since: first.since,
    till: first.till,
    kind: "window",
    chunkSeqs: chunks.map((c) => c.seq),
    expected: Object.fromEntries(chunks.map((c) => [c.resourceType ?? ALL_TYPES, c.expectedCount])),
    plannedAt: nowIso(deps),
  });
  const ledger = deps.state.ledger();
  const written = await ledger.insert(entry);
  if (written.created || written.entry.kind === "window") return;
  let tail: string | undefined;
  await ledger.change(entry.since, (e) => {
    if (e.kind === "window") return undefined;
    tail = ms(e.till) > ms(entry.till) ? e.till : undefined;
    return entry;
  });
  if (tail !== undefined) await recordSkippedStretch(deps, entry.till, tail);
}
