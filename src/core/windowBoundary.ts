/**
 * Where a window may end so that every store reads it the same way.
 *
 * The server's `_till` is inclusive (`_lastUpdated=le{till}`) on Azure API for FHIR (Cosmos) and on
 * the SQL non-parallel path (microsoft/fhir-server
 * src/Microsoft.Health.Fhir.Core/Features/Operations/Export/ExportJobTask.cs), and exclusive only on
 * the SQL parallel path (src/Microsoft.Health.Fhir.SqlServer/Features/Operations/Export/SqlExportOrchestratorJob.cs,
 * `till.ToId() - 1`). Chained windows `[a, b]`, `[b, c]` would both export a version stamped exactly
 * `b` on the inclusive stores, and every counter would count it twice. Both stores keep lastUpdated
 * to the millisecond (src/Microsoft.Health.Fhir.Shared.Core/Extensions/ResourceWrapperFactoryExtensions.cs,
 * TruncateToMillisecond), so a window that ends on a millisecond holding no version selects the same
 * versions under either reading: `[since, till)` = `[since, till]`. Windows are planned in the
 * past (now minus the safety lag), so "no version at till" stays true.
 */

/** Candidate ends tried before accepting a shared boundary. */
export const MAX_BOUNDARY_PROBES = 20;

export interface BoundaryChoice {
  /** The window's end. */
  tillMs: number;
  /** Versions stamped exactly at tillMs: 0 unless no clean end was found nearby. */
  versionsAtTill: number;
  probes: number;
}

/**
 * The end nearest `tillMs` (earlier first, then later) in `(lowerMs, upperMs]` whose millisecond
 * holds no version. `versionsAt(ms)` counts versions stamped in `[ms, ms + 1)`. When every candidate
 * holds versions, `tillMs` is kept and the count at it returned, for the caller to record.
 */
export async function cleanBoundary(
  tillMs: number,
  lowerMs: number,
  upperMs: number,
  versionsAt: (ms: number) => Promise<number>,
  maxProbes = MAX_BOUNDARY_PROBES,
): Promise<BoundaryChoice> {
  let probes = 0;
  let atTill: number | undefined;
  for (let step = 0; probes < maxProbes; step++) {
    const candidates = step === 0 ? [tillMs] : [tillMs - step, tillMs + step];
    const inRange = candidates.filter((ms) => ms > lowerMs && ms <= upperMs);
    if (inRange.length === 0 && tillMs - step <= lowerMs && tillMs + step > upperMs) break;
    for (const ms of inRange) {
      if (probes >= maxProbes) break;
      probes++;
      const n = await versionsAt(ms);
      if (ms === tillMs) atTill = n;
      if (n === 0) return { tillMs: ms, versionsAtTill: 0, probes };
    }
  }
  return { tillMs, versionsAtTill: atTill ?? (await versionsAt(tillMs)), probes };
}
