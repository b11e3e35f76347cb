import { settledChunk } from "../core/migrationState";
import type { EngineDeps } from "./deps";
import { nowIso } from "./deps";

/**
 * Brings a chunk row up to date with its payload rows (settledChunk, src/core/migrationState.ts).
 * The completed count and the totals are counted from the payload rows, never incremented, so
 * neither a crash between the payload's write and this one nor two runners completing the same
 * payload can lose or double-count a payload (a double count would mark the chunk processed while
 * a payload is still pending, and move the watermark past it). When every payload row is completed
 * the chunk is processed and the watermark moves.
 */
export async function settleChunk(deps: EngineDeps, seq: number): Promise<void> {
  const payloads = await deps.state.listPayloads(seq);
  const endTime = nowIso(deps);
  const settled = await deps.state.changeChunk(seq, (c) => settledChunk(c, payloads, endTime));
  const chunk = settled.after;
  // What this call added to the totals: the written row's totals less the ones it read.
  const added =
    settled.written && settled.before !== undefined && chunk !== undefined
      ? {
          imported: chunk.totalImportResourceCount - settled.before.totalImportResourceCount,
          failed: chunk.totalFailedImportCount - settled.before.totalFailedImportCount,
        }
      : { imported: 0, failed: 0 };
  if (added.imported !== 0 || added.failed !== 0) {
    await deps.state.changeCursor((c) => ({
      ...c,
      resourcesImported: c.resourcesImported + added.imported,
      resourcesFailed: c.resourcesFailed + added.failed,
    }));
  }
  if (chunk?.processed === true) {
    const { previous, cursor } = await deps.state.advanceWatermark();
    if (cursor.watermark !== previous && cursor.watermark !== undefined) {
      deps.telemetry.trackEvent("Watermark", {
        Till: cursor.watermark,
        PreviousTill: previous ?? "",
        ChunksCompleted: seq,
        LagSeconds: Math.round((deps.clock.now() - Date.parse(cursor.watermark)) / 1000),
      });
    }
  }
}
