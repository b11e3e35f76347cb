import { isolationVerdict } from "../core/importIsolation";
import { importJob } from "../core/jobLifecycle";
import type { PayloadRecord } from "../core/migrationState";
import type { Telemetry } from "../telemetry/telemetry";
import type { MigrationStateStore } from "../storage/migrationStateStore";

export interface ClearRetriesResult {
  previousCount: number;
  wasHalted: boolean;
  haltReason: string | undefined;
  /**
   * Payloads queued again: those that had used up their attempts, and those whose diagnosis had not
   * yet found a part the destination takes (its results came from before the fix).
   */
  payloadsRequeued: number;
  /**
   * Import jobs running when the migration halted, carried into the new round (carriedOverOnResume):
   * kept if they import, imported again if they fail.
   */
  jobsCarriedOver: number;
}

/**
 * Payloads a resume queues again: Failed ones, and isolating ones whose diagnosis is undecided
 * (no part imported yet: what failed may have failed for the cause just fixed, so the payload is
 * imported again whole rather than judged on those results). A diagnosis that found a part the
 * destination takes goes on where it was.
 */
async function requeuedOnResume(
  state: MigrationStateStore,
  payloads: readonly PayloadRecord[],
): Promise<PayloadRecord[]> {
  const requeue: PayloadRecord[] = [];
  for (const p of payloads) {
    if (p.status === "Failed") requeue.push(p);
    else if (p.isolating === true) {
      const parts = await state.isolation().list(p.chunkSeq, p.index);
      if (isolationVerdict(parts).verdict !== "input") requeue.push(p);
    }
  }
  return requeue;
}

/**
 * Payloads whose whole-payload job was running when the migration halted. It was posted before the
 * fix and may fail because of the cause just fixed; counted against the payload's attempts, that
 * failure would halt the resumed migration again (its last attempt) or add to the consecutive
 * failures. So each goes on in a new round with no attempt used (payloadJob.ts, postedBeforeResume):
 * its job is kept if it imports, and imported again, without counting as a failure, if it fails.
 */
function carriedOverOnResume(payloads: readonly PayloadRecord[]): PayloadRecord[] {
  return payloads.filter(
    (p) =>
      importJob.isInFlight(p.status) &&
      p.importContentLocation !== undefined &&
      p.isolating !== true &&
      p.attempts > 0,
  );
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
    payloadsRequeued: (await requeuedOnResume(state, payloads)).length,
    jobsCarriedOver: carriedOverOnResume(payloads).length,
  };
}

/**
 * Resumes a migration halted after repeated failures: resets the consecutive-failure count, clears
 * the halt, and gives payloads that used up AZURE_ImportAttempts (or whose diagnosis is undecided,
 * requeuedOnResume) a fresh set of attempts in a new round (a new kick-off tag, so the server does
 * not hand back the old failed job), and carries the jobs still running into a new round too
 * (carriedOverOnResume). Nothing is skipped: the work that failed is tried again.
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
  for (const p of await requeuedOnResume(state, payloads)) {
    const change = await state.changePayload(p.chunkSeq, p.index, (x) =>
      x.status === p.status && x.isolating === p.isolating && x.attempts === p.attempts
        ? {
            ...x,
            status: "Pending",
            attempts: 0,
            round: (x.round ?? 0) + 1,
            isolating: false,
            importContentLocation: undefined,
          }
        : undefined,
    );
    if (!change.written) continue;
    payloadsRequeued++;
    // The undecided diagnosis's parts go; its part blobs are written again by the next one.
    if (p.isolating === true) await state.isolation().removePayload(p.chunkSeq, p.index);
  }
  let jobsCarriedOver = 0;
  for (const p of carriedOverOnResume(payloads)) {
    const change = await state.changePayload(p.chunkSeq, p.index, (x) =>
      x.status === p.status &&
      x.importContentLocation === p.importContentLocation &&
      x.attempts === p.attempts &&
      x.isolating !== true
        ? { ...x, attempts: 0, round: (x.round ?? 0) + 1 }
        : undefined,
    );
    if (change.written) jobsCarriedOver++;
  }
  await state.changeCursor((c) => ({
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
    jobsCarriedOver,
  };
}
