/**
 * VerifySurfaceType activity (VerifySurfaceTotal is in surfaceTotal.ts): per type, `{Type}?_summary=count` on both servers, and
 * `{Type}/_history?_summary=count` when both history and deletes are migrated (only then must
 * every source version be on the destination; docs/server-behaviour.md §5.1). A difference is classified
 * as Behind or Fail by the counts bounded at the watermark (src/core/surfaceVerdict.ts).
 * One request in flight per server, so the orchestrator bounds the total by how many types it runs
 * at once.
 */
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { SurfaceScope, WatermarkCounts } from "../core/surfaceVerdict";
import { decideSurfaceVerdict, needsWatermarkCounts } from "../core/surfaceVerdict";
import type { EngineDeps } from "../engine/deps";
import { ensureError } from "../errors";
import { recordSurfaceRow } from "./surfaceRecord";
import type { SurfaceRow } from "./types";

export interface SurfaceTypeInput {
  runId: string;
  type: string;
  watermark: string | null;
  historyScope: boolean;
  /** Resources of this type recorded as refused by the destination (known, not migrated). */
  known?: number;
}

async function boundedCounts(
  deps: EngineDeps,
  type: string,
  scope: SurfaceScope,
  watermark: string,
): Promise<WatermarkCounts> {
  const history = scope === "history";
  const [source, destinationBefore] = await Promise.all([
    (async () => {
      const sourceBefore = await deps.source.count({ type, history, till: watermark });
      const sourceChangedSince = history
        ? undefined
        : await deps.source.count({ type, history: true, since: watermark });
      return { sourceBefore, sourceChangedSince };
    })(),
    deps.destination.count({ type, history, till: watermark }),
  ]);
  return { ...source, destinationBefore };
}

async function checkScope(
  deps: EngineDeps,
  type: string,
  scope: SurfaceScope,
  watermark: string | undefined,
  known: number,
): Promise<SurfaceRow> {
  const history = scope === "history";
  const row: SurfaceRow = {
    type,
    scope,
    source: null,
    destination: null,
    difference: null,
    verdict: "Error",
    reason: "",
    watermark: watermark ?? null,
    sourceBeforeWatermark: null,
    destinationBeforeWatermark: null,
    sourceChangedSinceWatermark: null,
  };
  try {
    const [source, destination] = await Promise.all([
      deps.source.count({ type, history }),
      deps.destination.count({ type, history }),
    ]);
    row.source = source;
    row.destination = destination;
    row.difference = destination - source;
    // Refused resources recorded by the migration explain up to that many missing on the destination
    // (a refused version that was later superseded may not lower the count at all).
    const explained = Math.min(known, Math.max(0, source - destination));
    const counted = destination + explained;
    let bounded: WatermarkCounts | undefined;
    if (needsWatermarkCounts(source, counted, watermark)) {
      bounded = await boundedCounts(deps, type, scope, watermark!);
      bounded = { ...bounded, destinationBefore: bounded.destinationBefore + explained };
      row.sourceBeforeWatermark = bounded.sourceBefore;
      row.destinationBeforeWatermark = bounded.destinationBefore - explained;
      row.sourceChangedSinceWatermark = bounded.sourceChangedSince ?? null;
    }
    const decision = decideSurfaceVerdict(scope, source, counted, watermark, bounded);
    row.verdict = decision.verdict;
    row.reason =
      explained > 0
        ? `${decision.reason}${decision.reason === "" ? "" : "; "}${explained} known, not migrated (refused by the destination, listed under Known failures)`
        : decision.reason;
  } catch (thrown) {
    // The type could not be counted: reported as Error (never a pass), the run goes on with other types.
    row.verdict = "Error";
    row.reason = `could not be counted: ${ensureError(thrown).message}`;
  }
  return row;
}

export async function surfaceCheckType(
  deps: EngineDeps,
  input: SurfaceTypeInput,
): Promise<SurfaceRow[]> {
  // SearchParameters are copied once by PUT, not by the watermark-driven import (docs/server-behaviour.md §6), and
  // get new versions on the destination: only their current count is comparable, with no watermark.
  const isSearchParameter = input.type === SEARCH_PARAMETER_TYPE;
  const watermark = isSearchParameter ? undefined : (input.watermark ?? undefined);
  const scopes: SurfaceScope[] =
    input.historyScope && !isSearchParameter ? ["search", "history"] : ["search"];
  const rows: SurfaceRow[] = [];
  for (const scope of scopes) {
    const row = await checkScope(deps, input.type, scope, watermark, input.known ?? 0);
    await recordSurfaceRow(deps, input.runId, row);
    rows.push(row);
  }
  return rows;
}
