/**
 * What a completed export's manifest says beyond its output files: the versions it could not export
 * (`error[]`) and whether a manifest holding fewer versions than counted at planning is explained.
 */
import type { ChunkRecord } from "../core/migrationState";
import { chunkKey } from "../core/migrationState";
import type { ExportManifest } from "../fhir/types";
import type { FailedResourceRecord } from "../storage/migrationStateStore";
import type { EngineDeps } from "./deps";
import { parseImportErrorLine } from "./importErrors";

/**
 * Failed-resource rows of export errors use payload index 0 (import payloads are numbered from 1),
 * so they sit beside the chunk's import failures and never overwrite them.
 */
export const EXPORT_ERROR_PAYLOAD_INDEX = 0;
/** Rows recorded per chunk; the count covers every line beyond it. */
const MAX_ROWS_PER_CHUNK = 5000;

const TYPED_ID = /\b([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})\b/;

/** Type and id named by an export error line (OperationOutcome), when it names one. */
function resourceNamed(
  line: string,
  fallbackType: string,
): { type: string; id: string | undefined; reason: string } {
  const parsed = parseImportErrorLine(line);
  let expression = "";
  try {
    const outcome = JSON.parse(line) as { issue?: { expression?: unknown; location?: unknown }[] };
    expression = JSON.stringify([outcome.issue?.[0]?.expression, outcome.issue?.[0]?.location]);
  } catch {
    // Unreadable lines keep the reason parseImportErrorLine gave them.
  }
  const typed = TYPED_ID.exec(`${parsed.reason} ${expression}`);
  if (typed !== null && typed[1] !== "OperationOutcome") {
    return { type: typed[1]!, id: typed[2], reason: parsed.reason };
  }
  return { type: fallbackType, id: parsed.id, reason: parsed.reason };
}

/**
 * Reads the error files of an export manifest (NDJSON OperationOutcomes, HL7 Bulk Data IG "Response -
 * Complete Status") like import error files: one failed-resource row per line, and, when the entry's
 * count exceeds its lines, one row for the difference (failures without detail are never nothing).
 * Returns how many versions failed. The microsoft/fhir-server export never fills `error[]`
 * (src/Microsoft.Health.Fhir.Core/Features/Operations/Export/ExportJobTask.cs appends to Issues only),
 * so any entry comes from another server or a proxy and is taken at its word.
 */
export async function recordExportErrors(
  deps: EngineDeps,
  seq: number,
  manifest: ExportManifest,
): Promise<{ failed: number; byType: Map<string, { count: number; reason: string }> }> {
  const records: FailedResourceRecord[] = [];
  const byType = new Map<string, { count: number; reason: string }>();
  let failed = 0;
  const add = (type: string, id: string | undefined, reason: string, url: string, n = 1) => {
    failed += n;
    const stats = byType.get(type) ?? { count: 0, reason };
    stats.count += n;
    byType.set(type, stats);
    if (records.length < MAX_ROWS_PER_CHUNK) {
      records.push({
        chunkSeq: seq,
        payloadIndex: EXPORT_ERROR_PAYLOAD_INDEX,
        resourceType: type,
        id: id ?? "(unknown)",
        reason: `Export error: ${reason}`,
        inputUrl: url,
      });
    }
  };
  for (const entry of manifest.error) {
    const fallbackType = entry.type === "OperationOutcome" ? "unknown" : entry.type;
    let lines = 0;
    for await (const line of deps.staging.readLinesByUrl(entry.url)) {
      if (line.trim() === "") continue;
      lines++;
      const named = resourceNamed(line, fallbackType);
      add(named.type, named.id, named.reason, entry.url);
    }
    const missing = (entry.count ?? 0) - lines;
    if (missing > 0) {
      add(
        fallbackType,
        undefined,
        `the manifest counts ${entry.count} failed versions in this error file, which holds ${lines} line(s); ${missing} failed without detail`,
        entry.url,
        missing,
      );
    }
  }
  await deps.state.recordFailedResources(records);
  for (const [type, stats] of byType) {
    deps.telemetry.trackEvent("FailedResources", {
      ChunkId: chunkKey(seq),
      PayloadId: "export",
      ResourceType: type,
      Count: stats.count,
      SampleIds: "",
      Reason: stats.reason,
    });
  }
  return { failed, byType };
}

/**
 * Counts what the chunk's export can contain now, with the planning count's bounds. A non-history
 * export reads data when its jobs run, not at kick-off (microsoft/fhir-server
 * src/Microsoft.Health.Fhir.Core/Features/Operations/Export/ExportJobTask.cs runs the search then),
 * so a version that became history after planning drops out: the current versions in the window
 * are what it must hold (`_summary=count` with `_lastUpdated` bounds). With history every version
 * stays and the history count is asked again (hard deletes and purges remove versions).
 */
export async function recountWindow(deps: EngineDeps, chunk: ChunkRecord): Promise<number> {
  return deps.source.count({
    type: chunk.resourceType,
    history: deps.settings.export.withHistory,
    since: chunk.since,
    till: chunk.till,
  });
}
