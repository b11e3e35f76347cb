import type { ChunkRecord } from "../../src/core/migrationState";
import { plannedChunk } from "../../src/core/migrationState";

/** A planned window of January 2024 holding ten versions, its export not yet started. */
export const JANUARY_CHUNK: ChunkRecord = plannedChunk({
  seq: 1,
  since: "2024-01-01T00:00:00.000Z",
  till: "2024-02-01T00:00:00.000Z",
  resourceType: undefined,
  expectedCount: 10,
});
