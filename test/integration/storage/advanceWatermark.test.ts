import { beforeEach, describe, expect, it } from "vitest";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { addSealedChunks, plannedChunk } from "../../../src/core/migrationState";
import { advanceWatermark } from "../../../src/storage/advanceWatermark";
import { ChunkStore } from "../../../src/storage/chunkStore";
import { CursorStore } from "../../../src/storage/cursorStore";
import { freshTable } from "../../support/freshTable";

const NOW = Date.parse("2024-03-01T00:00:00.000Z");
const day = (n: number) => new Date(Date.UTC(2024, 0, n)).toISOString();

/** Chunk `seq` over day seq to day seq + 1, exported and imported when `processed`. */
function chunk(seq: number, processed: boolean): ChunkRecord {
  const window = { seq, since: day(seq), till: day(seq + 1), resourceType: undefined };
  return {
    ...plannedChunk({ ...window, expectedCount: 10 }),
    totalExportResourceCount: 10,
    totalImportResourceCount: processed ? 10 : 0,
    processed,
  };
}

describe("advancing the watermark against Azurite", () => {
  let cursors: CursorStore;
  let chunks: ChunkStore;

  /** Chunks planned up to `processed.length`, processed as the flags say. */
  async function planned(processed: boolean[]): Promise<void> {
    for (const [i, done] of processed.entries()) await chunks.insertChunk(chunk(i + 1, done));
    await cursors.changeCursor((c) => ({
      ...c,
      watermark: day(1),
      frontier: day(processed.length + 1),
      nextSeq: processed.length + 1,
    }));
  }

  beforeEach(async () => {
    const keys = { partitionKey: "pk", rowKey: "rk" };
    cursors = new CursorStore(await freshTable(), keys);
    chunks = new ChunkStore(await freshTable(), keys);
  });

  it("moves to the oldest unprocessed chunk and seals the processed ones below it", async () => {
    await planned([true, true, false]);
    const { previous, cursor } = await advanceWatermark(cursors, chunks, () => NOW);
    expect(previous).toBe(day(1));
    expect(cursor).toMatchObject({
      watermark: day(3),
      firstUnprocessedSeq: 3,
      lastProgressAt: new Date(NOW).toISOString(),
      sealed: addSealedChunks(undefined, [chunk(1, true), chunk(2, true)], 3),
    });
  });

  it("adds a chunk to the sealed totals once, when the watermark moves past it", async () => {
    await planned([true, false]);
    const before = (await advanceWatermark(cursors, chunks, () => NOW)).cursor.sealed;
    const { after: done } = await chunks.changeChunk(2, (c) => ({ ...c, processed: true }));
    const { cursor } = await advanceWatermark(cursors, chunks, () => NOW);
    expect(cursor).toMatchObject({ watermark: day(3), firstUnprocessedSeq: 3 });
    expect(cursor.sealed).toEqual(addSealedChunks(before, [done!], 3));
    const again = await advanceWatermark(cursors, chunks, () => NOW);
    expect(again.cursor.sealed).toEqual(cursor.sealed);
  });

  it("lists the chunks again when planning moved the cursor after its listing", async () => {
    await planned([true, true]);
    const listings: number[] = [];
    const list = chunks.listChunksWithPayloads.bind(chunks);
    chunks.listChunksWithPayloads = async (from, to) => {
      const listed = await list(from, to);
      listings.push(to);
      if (listings.length === 1) {
        // Planning adds chunk 3 between this listing and the cursor's write.
        await chunks.insertChunk(chunk(3, false));
        await cursors.changeCursor((c) => ({ ...c, frontier: day(4), nextSeq: 4 }));
      }
      return listed;
    };
    const { cursor } = await advanceWatermark(cursors, chunks, () => NOW);
    expect(listings).toEqual([3, 4]);
    expect(cursor).toMatchObject({ watermark: day(3), firstUnprocessedSeq: 3, nextSeq: 4 });
  });

  it("fails, naming the cause, when planning keeps moving the cursor", async () => {
    await planned([true]);
    const list = chunks.listChunksWithPayloads.bind(chunks);
    chunks.listChunksWithPayloads = async (from, to) => {
      const listed = await list(from, to);
      await cursors.changeCursor((c) => ({ ...c, nextSeq: c.nextSeq + 1 }));
      return listed;
    };
    await expect(advanceWatermark(cursors, chunks, () => NOW)).rejects.toThrow(
      "planning kept changing the cursor",
    );
  });
});
