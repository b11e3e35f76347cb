import type { ChunkRecord, CursorRecord, SealedChunks } from "../core/migrationState";
import { addSealedChunks, computeWatermark } from "../core/migrationState";
import type { ChunkStore } from "./chunkStore";
import type { CursorStore } from "./cursorStore";

/** Where the watermark was, and the cursor as the advance left it. */
export interface WatermarkMove {
  previous: string | undefined;
  cursor: CursorRecord;
}

/** How many times advancing the watermark lists again after planning moved the cursor. */
const REPLAN_RETRIES = 8;

/**
 * Moves the watermark to the since of the oldest unprocessed chunk (or the frontier when all are
 * processed) and skips firstUnprocessedSeq past the processed prefix, adding the chunks it skips
 * to the cursor's sealed totals in the same ETag-guarded write. The decisions are the pure
 * computeWatermark and addSealedChunks (src/core/migrationState.ts).
 */
export async function advanceWatermark(
  cursors: CursorStore,
  chunkRows: ChunkStore,
  now: () => number,
): Promise<WatermarkMove> {
  for (let attempt = 0; ; attempt++) {
    const seen = await cursors.getCursor();
    const { chunks } = await chunkRows.listChunksWithPayloads(
      seen.firstUnprocessedSeq,
      seen.nextSeq,
    );
    const unprocessed = chunks.filter((c) => !c.processed);
    const watermark = computeWatermark(seen.frontier, unprocessed);
    const firstUnprocessedSeq = unprocessed[0]?.seq ?? seen.nextSeq;
    const sealed = await sealedThrough(chunkRows, seen, chunks, firstUnprocessedSeq);
    const replannedSince = (c: CursorRecord) =>
      c.nextSeq !== seen.nextSeq || c.frontier !== seen.frontier;
    const change = await cursors.changeCursor((c) => {
      // Chunks planned since our listing would be missed: list again instead.
      if (replannedSince(c)) return undefined;
      // Sealed by another runner meanwhile: its totals stand, ours would count chunks twice.
      const seal = (c.sealed?.toSeq ?? 1) === (seen.sealed?.toSeq ?? 1) ? sealed : undefined;
      if (
        watermark === c.watermark &&
        firstUnprocessedSeq === c.firstUnprocessedSeq &&
        seal === undefined
      )
        return undefined;
      const moved = watermark !== c.watermark;
      return {
        ...c,
        watermark,
        firstUnprocessedSeq: Math.max(c.firstUnprocessedSeq, firstUnprocessedSeq),
        lastProgressAt: moved ? new Date(now()).toISOString() : c.lastProgressAt,
        sealed: seal ?? c.sealed,
      };
    });
    // The mutator's last run read `before`: planning moved the cursor since our listing.
    const replanned =
      !change.written && change.before !== undefined && replannedSince(change.before);
    if (!replanned) return { previous: seen.watermark, cursor: change.after };
    if (attempt >= REPLAN_RETRIES)
      throw new Error("The watermark could not be advanced: planning kept changing the cursor");
  }
}

/**
 * The cursor's sealed totals moved to `toSeq` (every chunk below it processed), or undefined when
 * they are there already. `listed` holds the chunks from seen.firstUnprocessedSeq; chunks below it
 * not yet sealed (a cursor written before sealed totals existed) are read once, by their totals'
 * columns.
 */
async function sealedThrough(
  chunkRows: ChunkStore,
  seen: CursorRecord,
  listed: readonly ChunkRecord[],
  toSeq: number,
): Promise<SealedChunks | undefined> {
  const from = seen.sealed?.toSeq ?? 1;
  if (toSeq <= from) return undefined;
  let sealed = seen.sealed;
  const listedFrom = seen.firstUnprocessedSeq;
  for await (const c of chunkRows.listChunkSummaries(from, Math.min(toSeq, listedFrom)))
    sealed = addSealedChunks(sealed, [c], toSeq);
  const newly = listed.filter((c) => c.seq >= Math.max(from, listedFrom) && c.seq < toSeq);
  return addSealedChunks(sealed, newly, toSeq);
}
