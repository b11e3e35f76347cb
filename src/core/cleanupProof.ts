/**
 * When `fhir-migrate cleanup` may delete a chunk's staging data (docs/operations.md, "Delete
 * staging data"): after a passing proof recorded for this migration, and only for chunks whose
 * window that proof covers.
 *
 * - A cutover GO (the cursor table's cutover row, phase GO): every version before the freeze is on
 *   the destination and equal. It covers the windows that end at or before the freeze.
 * - A full proof (the cursor table's full-proof row, written by a full check that passed, or was
 *   only Behind the watermark): every version before `provenUntil` was found equal. It covers the
 *   windows that end at or before that instant.
 *
 * A covered chunk must also be processed (its imports done). A chunk planned after the proof keeps
 * its data until a later proof covers it (`fhir-migrate verify --checks full` extends the proof).
 */
import type { CutoverRecord } from "./cutover";
import type { FullProofRecord } from "./fullProof";

export type CleanupProof =
  | {
      ok: true;
      /** Windows ending at or before it are covered. */
      until: string;
      /** What proved it, for the listing. */
      text: string;
    }
  | { ok: false; reason: string };

export function cleanupProof(
  cutover: Pick<CutoverRecord, "phase" | "freeze"> | undefined,
  fullProof: Pick<FullProofRecord, "provenUntil" | "runId" | "passedAt"> | undefined,
): CleanupProof {
  const proofs: { until: string; text: string }[] = [];
  if (cutover?.phase === "GO")
    proofs.push({
      until: cutover.freeze,
      text: `the cutover's GO for the freeze at ${cutover.freeze}`,
    });
  if (fullProof !== undefined)
    proofs.push({
      until: fullProof.provenUntil,
      text: `the full proof up to ${fullProof.provenUntil} (run ${fullProof.runId}, passed ${fullProof.passedAt})`,
    });
  if (proofs.length === 0)
    return {
      ok: false,
      reason:
        "no passing proof is recorded for this migration: neither a cutover GO nor a full check that passed. Run `fhir-migrate verify --checks full` (or the cutover) first: staging data is deleted only for windows a proof found equal on the destination",
    };
  const latest = proofs.reduce((a, b) => (Date.parse(b.until) > Date.parse(a.until) ? b : a));
  return { ok: true, ...latest };
}

/** Whether a chunk's staging data may go under the proof. */
export function chunkCovered(
  proof: CleanupProof,
  chunk: { processed: boolean; till: string },
): boolean {
  return proof.ok && chunk.processed && Date.parse(chunk.till) <= Date.parse(proof.until);
}
