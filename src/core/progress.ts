/**
 * Progress events: what the engine says about how far the migration has come, and what reporters
 * render (the CLI's bar and the full check's lines in src/cli/progressBar.ts, telemetry metrics in
 * src/telemetry/progressReporter.ts).
 * The engine emits them from activities (replay-safe, src/engine/progress.ts); a reporter never reads
 * tables or polls to find out. Pure: no I/O, no clock.
 */
import { estimateSecondsToCatchUp } from "./eta";
import type { ChunkRecord, CursorRecord } from "./migrationState";
import type { RunPhase } from "./runOutcome";

/** The orchestrator's phase, as its custom status names it (src/engine/migrationOrchestrator.ts). */
export type ProgressPhase = RunPhase;

/** Windows (one export job each) planned so far and how far each got. */
export interface WindowCounts {
  planned: number;
  exported: number;
  /** Every payload imported (the chunk is processed). */
  imported: number;
}

/** Resources of the planned windows: imported, rejected by the destination, and still expected. */
export interface ResourceCounts {
  imported: number;
  failed: number;
  /** Expected but not yet imported nor rejected: the planned counts of open windows, less what they did. */
  remaining: number;
}

export type ProgressEvent =
  /** Emitted once per pass, from the state that pass read (LoadMigrationState). */
  | {
      kind: "pass";
      /** Epoch ms the state was read at (the engine's clock). */
      at: number;
      watermark: string | undefined;
      startedAt: string | undefined;
      windows: WindowCounts;
      resources: ResourceCounts;
      exportsInFlight: number;
      importsInFlight: number;
      /** Unprocessed windows plus import jobs started or running. */
      jobsInFlight: number;
      /** Seconds to catch up with the source (src/core/eta.ts); undefined until there is a pace. */
      estimateSeconds: number | undefined;
    }
  /** The orchestrator decided a pass (its custom status, as the local runtime receives it). */
  | { kind: "phase"; phase: ProgressPhase; pass: number }
  /** The full check's units and source versions compared so far (src/verify/orchestrator.ts). */
  | {
      kind: "verification";
      runId: string;
      units: number;
      unitsDone: number;
      versions: number;
      versionsDone: number;
    };

/** Anything that renders progress: a bar, telemetry, a test's list. */
export interface ProgressSink {
  emit(event: ProgressEvent): void;
}

/** One sink that passes every event to each of `sinks`, in order. */
export function fanOutProgress(...sinks: readonly (ProgressSink | undefined)[]): ProgressSink {
  const present = sinks.filter((s): s is ProgressSink => s !== undefined);
  return { emit: (event) => present.forEach((s) => s.emit(event)) };
}

type OpenChunk = Pick<
  ChunkRecord,
  | "seq"
  | "exportStatus"
  | "processed"
  | "expectedCount"
  | "totalImportResourceCount"
  | "totalFailedImportCount"
>;

/**
 * The pass event from what LoadMigrationState read: the cursor and the chunks from
 * cursor.firstUnprocessedSeq on (those before it are processed, so exported and imported too).
 * Sequence numbers start at 1 (emptyCursor, src/storage/cursorStore.ts), so nextSeq - 1 are planned.
 */
export function passProgress(
  cursor: CursorRecord,
  listed: readonly OpenChunk[],
  importsInFlight: number,
  nowMs: number,
  safetyLagMs: number,
): ProgressEvent & { kind: "pass" } {
  const open = listed.filter((c) => !c.processed);
  const processedBefore = Math.max(0, cursor.firstUnprocessedSeq - 1);
  const imported = processedBefore + listed.filter((c) => c.processed).length;
  const remaining = open.reduce(
    (sum, c) =>
      sum + Math.max(0, c.expectedCount - c.totalImportResourceCount - c.totalFailedImportCount),
    0,
  );
  return {
    kind: "pass",
    at: nowMs,
    watermark: cursor.watermark,
    startedAt: cursor.startedAt,
    windows: {
      planned: Math.max(0, cursor.nextSeq - 1),
      exported: imported + open.filter((c) => c.exportStatus === "Completed").length,
      imported,
    },
    resources: { imported: cursor.resourcesImported, failed: cursor.resourcesFailed, remaining },
    exportsInFlight: open.filter((c) => c.exportStatus !== "Completed").length,
    importsInFlight,
    jobsInFlight: open.length + importsInFlight,
    estimateSeconds: estimateSecondsToCatchUp(cursor, nowMs, safetyLagMs),
  };
}
