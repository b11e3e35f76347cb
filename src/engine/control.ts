import type { Telemetry } from "../telemetry/telemetry";
import type { MigrationStateStore } from "../storage/migrationStateStore";

export interface ClearRetriesResult {
  previousCount: number;
  wasHalted: boolean;
  haltReason: string | undefined;
  /** Payloads that had used up their attempts and are queued again. */
  payloadsRequeued: number;
}

/**
 * What clearMaxExportRetries would do, without writing anything (ClearMaxExportRetries_Http
 * `?dryRun=true`, `fhir-migrate reset-retries --dry-run`).
 */
export async function previewClearMaxExportRetries(
  state: MigrationStateStore,
): Promise<ClearRetriesResult> {
  const before = await state.getCursor();
  const { payloads } = await state.listChunksWithPayloads(
    before.firstUnprocessedSeq,
    before.nextSeq,
  );
  return {
    previousCount: before.consecutiveFailures,
    wasHalted: before.halted,
    haltReason: before.haltReason,
    payloadsRequeued: payloads.filter((x) => x.status === "Failed").length,
  };
}

/**
 * Resumes a migration halted after repeated failures: resets the consecutive-failure count, clears
 * the halt, and gives payloads that used up AZURE_ImportAttempts a fresh set of attempts. Nothing is
 * skipped: the work that failed is tried again.
 */
export async function clearMaxExportRetries(
  state: MigrationStateStore,
  telemetry: Telemetry,
  keys: { partitionKey: string; rowKey: string },
  now: () => number = Date.now,
): Promise<ClearRetriesResult> {
  const before = await state.getCursor();
  let payloadsRequeued = 0;
  const { payloads } = await state.listChunksWithPayloads(
    before.firstUnprocessedSeq,
    before.nextSeq,
  );
  for (const p of payloads.filter((x) => x.status === "Failed")) {
    const updated = await state.updatePayload(p.chunkSeq, p.index, (x) =>
      x.status === "Failed" ? { ...x, status: "Pending", attempts: 0 } : undefined,
    );
    if (updated?.status === "Pending") payloadsRequeued++;
  }
  await state.updateCursor((c) => ({
    ...c,
    consecutiveFailures: 0,
    halted: false,
    haltReason: undefined,
  }));
  telemetry.trackEvent("MaxExportRetriesCleared", {
    PartitionKey: keys.partitionKey,
    RowKey: keys.rowKey,
    ClearedAt: new Date(now()).toISOString(),
    PreviousCount: before.consecutiveFailures,
  });
  return {
    previousCount: before.consecutiveFailures,
    wasHalted: before.halted,
    haltReason: before.haltReason,
    payloadsRequeued,
  };
}
