import type { EngineDeps } from "../engine/deps";
import type { SurfaceRow } from "./types";

/** Records a surface row in the check results and in telemetry. */
export async function recordSurfaceRow(
  deps: EngineDeps,
  runId: string,
  row: SurfaceRow,
): Promise<void> {
  await deps.state.recordCheckResult({
    runId,
    kind: "surface",
    resourceType: row.type,
    key: row.scope,
    result: row.verdict,
    details: JSON.stringify(row),
  });
  deps.telemetry.trackEvent("SurfaceCheck", {
    RunId: runId,
    Resource: row.type,
    SourceCount: row.source ?? "",
    DestinationCount: row.destination ?? "",
    Difference: row.difference ?? "",
    Result: row.verdict,
    Scope: row.scope,
    Watermark: row.watermark ?? "",
  });
}
