import type { PerTypeTotals } from "../core/surfaceVerdict";
import { decideTotalVerdict } from "../core/surfaceVerdict";
import type { EngineDeps } from "../engine/deps";
import { ensureError } from "../errors";
import { recordSurfaceRow } from "./surfaceRecord";
import type { SurfaceRow } from "./types";

/** How the system-level total is named in rows, tables and telemetry. */
export const SYSTEM_TOTAL_TYPE = "(all types)";

export interface SurfaceTotalInput {
  runId: string;
  watermark: string | null;
  perType: PerTypeTotals;
}

/** The per-type search rows of a run, summed for the total (pure: the orchestrator calls it). */
export function perTypeTotals(
  rows: readonly SurfaceRow[],
  typeSelection: PerTypeTotals["typeSelection"],
): PerTypeTotals {
  const search = rows.filter((r) => r.scope === "search");
  return {
    source: search.reduce((sum, r) => sum + (r.source ?? 0), 0),
    destination: search.reduce((sum, r) => sum + (r.destination ?? 0), 0),
    uncounted: search.filter((r) => r.source === null || r.destination === null).map((r) => r.type),
    anyBehind: rows.some((r) => r.verdict === "Behind"),
    explainedByTypes: rows.every((r) => r.verdict === "Pass"),
    typeSelection,
  };
}

/**
 * VerifySurfaceTotal activity: `/?_summary=count` on both servers (every current resource of every
 * type, the system-level total of the original lift-and-shift guide), judged against the per-type
 * rows of the run (src/core/surfaceVerdict.ts, decideTotalVerdict).
 */
export async function surfaceCheckTotal(
  deps: EngineDeps,
  input: SurfaceTotalInput,
): Promise<SurfaceRow> {
  const row: SurfaceRow = {
    type: SYSTEM_TOTAL_TYPE,
    scope: "system",
    source: null,
    destination: null,
    difference: null,
    verdict: "Error",
    reason: "",
    watermark: input.watermark,
    sourceBeforeWatermark: null,
    destinationBeforeWatermark: null,
    sourceChangedSinceWatermark: null,
  };
  try {
    const [source, destination] = await Promise.all([
      deps.source.count({}),
      deps.destination.count({}),
    ]);
    row.source = source;
    row.destination = destination;
    row.difference = destination - source;
    const decision = decideTotalVerdict(source, destination, input.perType);
    row.verdict = decision.verdict;
    row.reason = decision.reason;
  } catch (thrown) {
    row.reason = `could not be counted: ${ensureError(thrown).message}`;
  }
  await recordSurfaceRow(deps, input.runId, row);
  return row;
}
