/**
 * Whether a line of an export file belongs to the window that was exported. `_since` is inclusive on
 * every store; `_till` is inclusive on Azure API for FHIR (Cosmos) and on the SQL store's
 * non-parallel path (microsoft/fhir-server src/Microsoft.Health.Fhir.Core/Features/Operations/
 * Export/ExportJobTask.cs adds `_lastUpdated=le{till}`) and exclusive only on the SQL parallel
 * path (src/Microsoft.Health.Fhir.SqlServer/Features/Operations/Export/SqlExportOrchestratorJob.cs,
 * `till.ToId() - 1`).
 */

export interface ExportWindow {
  since: string;
  till: string;
  /** True when a version stamped exactly `till` belongs to the window. */
  tillInclusive: boolean;
  /** Per-type chunks: the one type that was exported. */
  resourceType?: string;
  /**
   * False for de-identified exports: an anonymization config may date-shift every instant,
   * `meta.lastUpdated` included, so only type and id are checked.
   */
  checkLastUpdated?: boolean;
}

export type LineCheck =
  { belongs: true } | { belongs: false; resourceType: string; id: string; reason: string };

interface ExportedLine {
  resourceType?: unknown;
  id?: unknown;
  meta?: { lastUpdated?: unknown };
}

/**
 * Checks one non-empty NDJSON line of a file the manifest declared as `declaredType`: its type, its
 * id, and its `meta.lastUpdated` against the window.
 */
export function checkExportLine(
  line: string,
  declaredType: string,
  window: ExportWindow,
): LineCheck {
  let parsed: ExportedLine;
  try {
    parsed = JSON.parse(line) as ExportedLine;
  } catch {
    return {
      belongs: false,
      resourceType: declaredType,
      id: "(unknown)",
      reason: "Export line is not a JSON resource",
    };
  }
  if (typeof parsed !== "object" || parsed === null) {
    return {
      belongs: false,
      resourceType: declaredType,
      id: "(unknown)",
      reason: "Export line is not a JSON resource",
    };
  }
  const type = typeof parsed.resourceType === "string" ? parsed.resourceType : "(none)";
  const id = typeof parsed.id === "string" && parsed.id !== "" ? parsed.id : "(unknown)";
  const fail = (reason: string): LineCheck => ({
    belongs: false,
    resourceType: type,
    id,
    reason,
  });
  if (type !== declaredType) {
    return fail(`Export line of type ${type} in a file declared as ${declaredType}`);
  }
  if (window.resourceType !== undefined && type !== window.resourceType) {
    return fail(`Export line of type ${type} in a chunk exported for ${window.resourceType} only`);
  }
  if (id === "(unknown)") return fail("Export line has no id");
  if (window.checkLastUpdated === false) return { belongs: true };
  const stamp = parsed.meta?.lastUpdated;
  const at = typeof stamp === "string" ? Date.parse(stamp) : Number.NaN;
  if (Number.isNaN(at)) return fail("Export line has no valid meta.lastUpdated");
  const since = Date.parse(window.since);
  const till = Date.parse(window.till);
  const afterEnd = window.tillInclusive ? at > till : at >= till;
  if (at < since || afterEnd) {
    return fail(
      `Version lastUpdated ${String(stamp)} is outside the exported window [${window.since}, ${window.till}${window.tillInclusive ? "]" : ")"}`,
    );
  }
  return { belongs: true };
}
