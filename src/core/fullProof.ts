/**
 * The last full proof (docs/verification.md, "Full check"; docs/operations.md, section 7): the
 * exhaustive verification compared every version with `lastUpdated` in its range and found none
 * missing, different or behind. A whole-range check proves the timeline from the oldest version; a
 * later check that starts at or before the proven instant extends it. The cutover's proof compares
 * only the versions changed since then (plus an overlap), instead of the whole database each time.
 */
import type { FullScope } from "../verify/fullTypes";

export interface FullProofRecord {
  scope: FullScope;
  /** Every version stamped before it was found equal on the destination by the runs below. */
  provenUntil: string;
  /** The last run that extended the proof, and when it finished. */
  runId: string;
  passedAt: string;
  /** The last whole-range run the chain starts from, and when it finished. */
  wholeRunId: string;
  wholePassedAt: string;
  /** Runs since the whole-range one that each compared only what changed. */
  incrementalRuns: number;
}

/** What one passing full check covered. */
export interface PassedFullCheck {
  runId: string;
  scope: FullScope;
  sinceMs: number;
  tillMs: number;
  /** False when the run started from the oldest version (the whole range). */
  incremental: boolean;
  passedAtMs: number;
}

/**
 * Up to which instant a full check proved every version, or undefined when it did not: a Pass proves
 * its whole range; Behind (versions at or after the watermark not on the destination yet, none
 * missing or different before it) proves up to the watermark.
 */
export function provenUntilMs(
  verdict: string,
  tillMs: number,
  watermark: string | null,
): number | undefined {
  if (verdict === "Pass") return tillMs;
  if (verdict === "Behind" && watermark !== null) return Math.min(tillMs, Date.parse(watermark));
  return undefined;
}

/**
 * The record after a passing full check, or undefined to leave it as it is: an incremental run
 * extends the chain only when it starts at or before the instant already proven and compared the
 * same scope (otherwise versions between the two would be claimed without being compared).
 */
export function nextFullProof(
  last: FullProofRecord | undefined,
  run: PassedFullCheck,
): FullProofRecord | undefined {
  const passedAt = new Date(run.passedAtMs).toISOString();
  const till = new Date(run.tillMs).toISOString();
  if (!run.incremental) {
    return {
      scope: run.scope,
      provenUntil: till,
      runId: run.runId,
      passedAt,
      wholeRunId: run.runId,
      wholePassedAt: passedAt,
      incrementalRuns: 0,
    };
  }
  if (last === undefined || last.scope !== run.scope) return undefined;
  const provenMs = Date.parse(last.provenUntil);
  if (run.sinceMs > provenMs || run.tillMs <= provenMs) return undefined;
  return {
    ...last,
    provenUntil: till,
    runId: run.runId,
    passedAt,
    incrementalRuns: last.incrementalRuns + 1,
  };
}

/**
 * Where the next proof starts: `overlapMs` (AZURE_SafetyLagSeconds) before the proven instant, so a
 * version that became visible on the source after the last proof read its range, stamped a little
 * before its end, is compared now. Undefined (the whole range) when there is no proof of this scope.
 */
export function incrementalProofSince(
  last: FullProofRecord | undefined,
  scope: FullScope,
  overlapMs: number,
): number | undefined {
  if (last === undefined || last.scope !== scope) return undefined;
  return Math.max(0, Date.parse(last.provenUntil) - overlapMs);
}
