import type { CursorRecord } from "./migrationState";

/**
 * Seconds until the watermark catches up with the source, from the pace so far: data time covered
 * per wall-clock second since the migration started. Undefined until there is a pace to measure.
 */
export function estimateSecondsToCatchUp(
  cursor: Pick<CursorRecord, "watermark" | "startWatermark" | "startedAt">,
  nowMs: number,
  safetyLagMs: number,
): number | undefined {
  const { watermark, startWatermark, startedAt } = cursor;
  if (watermark === undefined || startWatermark === undefined || startedAt === undefined)
    return undefined;
  const covered = Date.parse(watermark) - Date.parse(startWatermark);
  const elapsed = nowMs - Date.parse(startedAt);
  const remaining = nowMs - safetyLagMs - Date.parse(watermark);
  if (remaining <= 0) return 0;
  if (covered <= 0 || elapsed <= 0) return undefined;
  const pace = covered / elapsed;
  // The source keeps moving at one data-second per second while we catch up.
  if (pace <= 1) return undefined;
  return Math.round(remaining / (pace - 1) / 1000);
}
