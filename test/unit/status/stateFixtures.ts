import type { ChunkRecord, CursorRecord, PayloadRecord } from "../../../src/core/migrationState";
import type { StatusSettings, StatusState } from "../../../src/status/statusState";
import { LedgerTally } from "../../../src/status/ledgerOverview";
import { summarizeRows } from "../../../src/status/rowSummary";
import { emptyCursor } from "../../../src/storage/cursorStore";

/** Hand-made state rows for report tests. Times are ISO strings relative to NOW. */
export const NOW = new Date("2024-05-01T12:30:00.000Z");
export const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function statusSettings(overrides: Partial<StatusSettings> = {}): StatusSettings {
  return {
    sourceUrl: "https://source.azurehealthcareapis.com",
    destinationUrl: "https://ws-dest.fhir.azurehealthcareapis.com",
    cursorTable: "chunk",
    jobTable: "export",
    partitionKey: "mypartitionkey",
    rowKey: "myrowkey",
    safetyLagMs: 60_000,
    pause: { enabled: false, startHour: 8, endHour: 17, continueImports: false },
    specificRun: false,
    endDate: undefined,
    perType: false,
    withHistory: true,
    withDeletes: true,
    haltAfter: 5,
    reindexAfterCatchUp: false,
    warnings: [],
    ...overrides,
  };
}

export function cursor(overrides: Partial<CursorRecord> = {}): CursorRecord {
  return { ...emptyCursor(), ...overrides };
}

/** A processed chunk by default: exported, imported, done. */
export function chunk(seq: number, overrides: Partial<ChunkRecord> = {}): ChunkRecord {
  return {
    seq,
    since: at(-10 * DAY + seq * HOUR),
    till: at(-10 * DAY + (seq + 1) * HOUR),
    resourceType: undefined,
    exportStatus: "Completed",
    exportContentLocation: `https://source.azurehealthcareapis.com/_operations/export/${seq}`,
    exportStartTime: at(-2 * HOUR),
    exportEndTime: at(-2 * HOUR + 5 * MIN),
    exportAttempts: 1,
    expectedCount: 100,
    exportConfirmations: 0,
    manifestHash: "hash",
    totalExportResourceCount: 100,
    searchParameterCount: 0,
    importStatus: "Completed",
    payloadCount: 1,
    completedCount: 1,
    processed: true,
    totalImportResourceCount: 100,
    totalFailedImportCount: 0,
    failureReason: undefined,
    endTime: at(-HOUR),
    ...overrides,
  };
}

/** A running export chunk (nothing imported yet). */
export function exportingChunk(seq: number, overrides: Partial<ChunkRecord> = {}): ChunkRecord {
  return chunk(seq, {
    exportStatus: "Running",
    exportEndTime: undefined,
    totalExportResourceCount: undefined,
    searchParameterCount: undefined,
    importStatus: "Not Started",
    payloadCount: undefined,
    completedCount: 0,
    processed: false,
    totalImportResourceCount: 0,
    endTime: undefined,
    ...overrides,
  });
}

/** A completed payload by default. */
export function payload(
  chunkSeq: number,
  index: number,
  overrides: Partial<PayloadRecord> = {},
): PayloadRecord {
  return {
    chunkSeq,
    index,
    blobName: `myrowkey-${chunkSeq}/import_payload_${index}.json`,
    inputCount: 3,
    resourceCount: 100,
    status: "Completed",
    importContentLocation: `https://ws-dest.fhir.azurehealthcareapis.com/_operations/import/${chunkSeq * 10 + index}`,
    attempts: 1,
    importStartTime: at(-90 * MIN),
    importEndTime: at(-HOUR),
    importedCount: 100,
    failedCount: 0,
    failureReason: undefined,
    ...overrides,
  };
}

/** State with these rows; its summary is of the same rows, all read in full. */
export function state(overrides: Partial<StatusState> = {}): StatusState {
  const c = overrides.cursor ?? cursor();
  const chunks = overrides.chunks ?? [];
  const payloads = overrides.payloads ?? [];
  return {
    settings: statusSettings(),
    cursor: c,
    chunks,
    payloads,
    failedResources: { groups: [], rowsRead: 0, rowsCapped: false },
    verification: null,
    ledger: new LedgerTally(c.startWatermark, c.frontier).result(),
    ...overrides,
    // Of the rows given, even when `overrides` spreads another state's summary.
    summary: summarizeRows(chunks, payloads),
  };
}

/** A migration in progress: two chunks done, one importing, one exporting; started 2 hours ago. */
export function migratingState(overrides: Partial<StatusState> = {}): StatusState {
  return state({
    cursor: cursor({
      watermark: at(-3 * DAY),
      frontier: at(-1 * DAY),
      startWatermark: at(-10 * DAY),
      startedAt: at(-2 * HOUR),
      nextSeq: 5,
      firstUnprocessedSeq: 3,
      resourcesImported: 200,
      resourcesFailed: 4,
      lastProgressAt: at(-10 * MIN),
      searchParametersMigrated: true,
      searchParameterAttempts: 1,
    }),
    chunks: [
      chunk(1),
      chunk(2),
      chunk(3, {
        importStatus: "Running",
        processed: false,
        completedCount: 0,
        payloadCount: 2,
        totalImportResourceCount: 0,
        endTime: undefined,
      }),
      exportingChunk(4, { exportStartTime: at(-25 * MIN) }),
    ],
    payloads: [
      payload(1, 1),
      payload(2, 1),
      payload(3, 1, {
        status: "Running",
        importStartTime: at(-15 * MIN),
        importEndTime: undefined,
        importedCount: undefined,
        failedCount: undefined,
      }),
      payload(3, 2, {
        status: "Pending",
        importContentLocation: undefined,
        importStartTime: undefined,
        importEndTime: undefined,
        importedCount: undefined,
        failedCount: undefined,
        attempts: 0,
      }),
    ],
    ...overrides,
  });
}

/**
 * A long migration: 300 chunks of 2 payloads. Chunks 1-250 ended 10 days ago (before the chart's
 * hours), 251-290 within the last hours, 291-300 are open. Failures old and new, resolved and not;
 * chunk 3 imported without payload rows; an old payload row left Failed.
 */
export function longHistory(): Pick<StatusState, "cursor" | "chunks" | "payloads"> {
  const chunks: ChunkRecord[] = [];
  const payloads: PayloadRecord[] = [];
  for (let seq = 1; seq <= 300; seq++) {
    const old = seq <= 250;
    const ended = old ? at(-10 * DAY + seq * MIN) : at(-(290 - seq) * 6 * MIN - MIN);
    if (seq === 3) {
      chunks.push(
        chunk(seq, {
          payloadCount: 0,
          completedCount: 0,
          endTime: ended,
          totalImportResourceCount: 7,
        }),
      );
      continue;
    }
    if (seq > 290) {
      chunks.push(
        seq % 2 === 0
          ? exportingChunk(seq, seq === 296 ? { failureReason: "Export kick-off failed: 503" } : {})
          : chunk(seq, {
              importStatus: "Running",
              processed: false,
              completedCount: 1,
              payloadCount: 2,
              endTime: undefined,
              totalImportResourceCount: 0,
            }),
      );
      if (seq % 2 === 1) {
        payloads.push(payload(seq, 0, { importEndTime: at(-3 * MIN) }));
        payloads.push(
          payload(seq, 1, {
            status: "Running",
            importEndTime: undefined,
            importedCount: undefined,
            failedCount: undefined,
          }),
        );
      }
      continue;
    }
    chunks.push(
      chunk(seq, {
        endTime: ended,
        // Chunk totals are those of its completed payloads (settleChunk).
        totalImportResourceCount: seq === 8 ? 50 : 2 * 50,
        totalFailedImportCount: seq % 7 === 0 ? 2 : 0,
        totalExportResourceCount: 100 + (seq % 5),
        searchParameterCount: seq % 50 === 0 ? 1 : 0,
        payloadCount: 2,
        completedCount: 2,
        failureReason: seq % 40 === 0 ? `Manifest check failed once (${seq})` : undefined,
      }),
    );
    for (const index of [0, 1]) {
      payloads.push(
        payload(seq, index, {
          importStartTime: at(Date.parse(ended) - NOW.getTime() - 10 * MIN),
          importEndTime: at(Date.parse(ended) - NOW.getTime() - (index + 1) * MIN),
          importedCount: 50,
          failedCount: seq % 7 === 0 ? 1 : 0,
          failureReason:
            seq % 30 === 0 && index === 1 ? `Import job failed: 500 (${seq})` : undefined,
          status: seq === 8 && index === 1 ? "Failed" : "Completed",
        }),
      );
    }
  }
  return {
    cursor: cursor({
      watermark: chunks[290]!.since,
      frontier: chunks[299]!.till,
      startWatermark: chunks[0]!.since,
      startedAt: at(-11 * DAY),
      nextSeq: 301,
      firstUnprocessedSeq: 291,
      resourcesImported: 289 * 100 + 7 - 50,
    }),
    chunks,
    payloads,
  };
}
