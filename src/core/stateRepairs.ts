import type { ChunkRecord, PayloadRowCounts } from "./migrationState";
import { chunkBehindPayloads } from "./migrationState";
import type { PassDecision, PassSnapshot } from "./passPlanner";

/**
 * Repairs of what a crash can leave half-written, decided from what LoadMigrationState read and
 * carried out by RepairMigrationState (src/engine/activities/repairMigrationState.ts). Without
 * them nothing would move those rows again: no job is left to poll.
 */

/** An unprocessed chunk's own counts beside its payload rows' counts. */
export type ChunkCounts = Pick<ChunkRecord, "seq" | "completedCount" | "payloadCount"> & {
  payloadRows: PayloadRowCounts;
};

/** What the repairs are decided from; part of the pass snapshot (small: the bounded backlog). */
export interface RepairFacts {
  /** The cursor's frontier: the end of the last planned window. */
  frontier: string | undefined;
  /** The unprocessed chunks. */
  chunks: ChunkCounts[];
}

export interface StateRepair {
  /** Chunks whose rows say less is done than their payload rows: settle them (src/engine/settleChunk.ts). */
  settle: number[];
  /**
   * Everything planned is processed but the watermark lags the frontier (the process died between
   * the last chunk's completion and the watermark's move): move it.
   */
  advanceWatermark: boolean;
}

/**
 * The repair the state needs, or undefined. Settling first: settling a chunk that becomes processed
 * moves the watermark itself, and the next pass reads what the settling left. Each repair is
 * decided only when carrying it out changes a row, so a pass that repairs never repeats forever.
 */
export function stateRepair(
  facts: RepairFacts,
  watermark: string | undefined,
): StateRepair | undefined {
  const settle = facts.chunks
    .filter((c) => chunkBehindPayloads({ ...c, processed: false }, c.payloadRows))
    .map((c) => c.seq);
  if (settle.length > 0) return { settle, advanceWatermark: false };
  if (facts.chunks.length === 0 && facts.frontier !== undefined && watermark !== facts.frontier) {
    return { settle: [], advanceWatermark: true };
  }
  return undefined;
}

/**
 * A pass that only repairs, when the state needs it: the other decisions wait for the next pass,
 * which reads the repaired rows (as a load that repaired before planning did). It comes before the
 * halt: a halted migration's rows are repaired too, so its status page counts what is done.
 */
export function repairPass(snapshot: PassSnapshot, pausedNow: boolean): PassDecision | undefined {
  if (snapshot.repair === undefined) return undefined;
  const repair = stateRepair(snapshot.repair, snapshot.watermark);
  if (repair === undefined) return undefined;
  const phase = snapshot.cutover?.phase;
  // Cutover mode: the user stopped writes and waits; the pause window does not apply.
  const inCutover = phase === "draining" || phase === "proving";
  return {
    kind: "act",
    actions: [{ activity: "RepairMigrationState", input: repair }],
    inFlight: snapshot.chunks.filter((c) => !c.processed).length + snapshot.ledger.blocking,
    paused: pausedNow && !inCutover,
    ...(inCutover ? { cutover: true } : {}),
  };
}
