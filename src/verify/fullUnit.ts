/**
 * VerifyFullUnit activity: compares every version in one range `[since, till)` of the timeline.
 *
 * Neither server guarantees an order both can be merged in: `_history` sorts by lastUpdated only
 * (src/Microsoft.Health.Fhir.Core/Features/Search/SearchService.cs, SearchHistoryAsync, accepts
 * `_sort=_lastUpdated` or `-_lastUpdated` and nothing else), versions of the same instant come in
 * store order (Cosmos `ORDER BY r.lastModified`,
 * src/Microsoft.Health.Fhir.CosmosDb/Features/Search/Queries/QueryBuilder.cs; SQL by surrogate id,
 * src/Microsoft.Health.Fhir.SqlServer/Features/Search/Expressions/Visitors/QueryGenerators/SqlQueryGenerator.cs),
 * and the destination holds lastUpdated
 * truncated to milliseconds (docs/server-behaviour.md §4.4), so a tie on one side need not be a tie on the other.
 * So the unit does not merge two sorted streams: it pages the source's range and keeps, per
 * version, only its key (`Type/id/versionId`), lastUpdated, deleted state and a digest of its
 * normalised content; then pages the destination's range and matches each version by key. The unit's
 * memory is bounded by its version count (src/core/fullUnits.ts sizes units by count), never by
 * the dataset. A digest that differs is a real difference (the digest is taken over exactly what
 * compareResources compares, number literals as their text); the JSON paths are named for a
 * bounded number of examples by reading the source version once more.
 *
 * Unit boundaries are whole milliseconds, so a source version stamped `.1234567` and its copy
 * truncated to `.123` fall in the same unit.
 *
 * The result is written to the run's check row (`full`, `_unit`, key = the range) before it is
 * returned; a later attempt of the same run reads it back instead of comparing again, so a crash
 * or restart continues from the last finished unit.
 */
import { createHash } from "node:crypto";
import { unitKey } from "../core/fullUnits";
import type { PathDifference } from "../core/resourceDiff";
import { canonicalInstant, compareResources, normalizeForComparison } from "../core/resourceDiff";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { EngineDeps } from "../engine/deps";
import { allKnownFailureKeys } from "./knownFailures";
import { ensureError } from "../errors";
import type { Bundle, BundleEntry, FhirClient } from "../fhir/types";
import { RawNumber, entriesAsWritten, parseLossless } from "../core/losslessJson";
import type {
  FullExample,
  FullProblem,
  FullTypeTotals,
  FullUnitInput,
  FullUnitResult,
} from "./fullTypes";
import { FULL_EXAMPLES_PER_UNIT, FULL_PATHS_PER_EXAMPLE } from "./fullTypes";
import { describeUnit, emptyTypeTotals, unitVerdict } from "./fullSummary";
import { resourceEntries, versionOf } from "./paging";

/** Check row of a unit: kind "full", resource type "_unit", key = unitKey(range). */
export const UNIT_ROW_TYPE = "_unit";

interface Held {
  ms: number;
  deleted: boolean;
  digest: string;
}

/**
 * JSON with object keys sorted: equal text ⇔ diffJson finds no difference (same normalisation). A
 * number read losslessly is written as its literal, so `1.50` and `1.5` differ.
 */
export function canonicalJson(value: unknown): string {
  // String concatenation, not map/join: this runs twice per version compared.
  if (value instanceof RawNumber) return value.text;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = "[";
    for (let i = 0; i < value.length; i++) s += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${s}]`;
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    s += `${i > 0 ? "," : ""}${JSON.stringify(k)}:${canonicalJson(o[k])}`;
  }
  return `${s}}`;
}

export function contentDigest(resource: unknown): string {
  return createHash("sha1")
    .update(canonicalJson(normalizeForComparison(resource)))
    .digest("base64");
}

const REFERENCE = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/;

interface EntryView {
  type: string;
  id: string;
  versionId: string;
  ms: number | undefined;
  deleted: boolean;
}

function viewOf(client: FhirClient, entry: BundleEntry): EntryView {
  let type = entry.resource?.resourceType;
  let id = entry.resource?.id;
  if (type === undefined || typeof id !== "string") {
    for (const url of [entry.request?.url, entry.fullUrl]) {
      const m = url === undefined ? null : REFERENCE.exec(url);
      if (m !== null) {
        type = m[1];
        id = m[2];
        break;
      }
    }
  }
  const versionId = versionOf(entry);
  if (type === undefined || typeof id !== "string" || versionId === undefined) {
    // Never skipped silently: a version that cannot be named cannot be matched.
    throw new Error(
      `${client.baseUrl}: a page entry has no resource type, id or versionId (fullUrl ${entry.fullUrl ?? "none"})`,
    );
  }
  const lastUpdated = entry.resource?.meta?.lastUpdated ?? entry.response?.lastModified;
  const instant = lastUpdated === undefined ? undefined : canonicalInstant(lastUpdated);
  return {
    type,
    id,
    versionId,
    ms: instant === undefined ? undefined : Date.parse(instant),
    deleted: entry.request?.method?.toUpperCase() === "DELETE",
  };
}

/** The paged query of a unit's range on one server. */
export function unitPath(input: Pick<FullUnitInput, "scope" | "sinceMs" | "tillMs" | "pageSize">) {
  const since = new Date(input.sinceMs).toISOString();
  const till = new Date(input.tillMs).toISOString();
  return input.scope === "history"
    ? `_history?_since=${since}&_before=${till}&_count=${input.pageSize}`
    : `?_lastUpdated=ge${since}&_lastUpdated=lt${till}&_count=${input.pageSize}`;
}

class UnitTally {
  private readonly types = new Map<string, FullTypeTotals>();
  readonly examples: FullExample[] = [];
  /** Source versions to read again for the paths of a content example. */
  readonly contentExamples: { example: FullExample; destination: unknown }[] = [];

  row(type: string): FullTypeTotals {
    let t = this.types.get(type);
    if (t === undefined) {
      t = emptyTypeTotals(type);
      this.types.set(type, t);
    }
    return t;
  }

  example(
    v: Pick<EntryView, "type" | "id" | "versionId">,
    problem: FullProblem,
    note: string | null = null,
    paths: PathDifference[] = [],
  ): FullExample | undefined {
    if (this.examples.length >= FULL_EXAMPLES_PER_UNIT) return undefined;
    const e: FullExample = { type: v.type, id: v.id, versionId: v.versionId, problem, paths, note };
    this.examples.push(e);
    return e;
  }

  perType(): FullTypeTotals[] {
    return [...this.types.values()].sort((a, b) =>
      a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
    );
  }
}

/**
 * The pages of a unit's query with every number as the server wrote it (entriesAsWritten,
 * src/core/losslessJson.ts): FHIR decimals keep their precision, and `$import` must keep the text
 * (docs/verification.md). Entries whose numbers read back exactly stay as the client parsed and
 * checked them; only the others are read again from the page's text.
 */
async function* losslessPages(client: FhirClient, path: string): AsyncGenerator<Bundle> {
  for await (const page of client.searchPagesText(path)) {
    const entry = page.bundle.entry;
    yield entry === undefined
      ? page.bundle
      : { ...page.bundle, entry: entriesAsWritten(entry, page.text) as BundleEntry[] };
  }
}

function splitKey(key: string): { type: string; id: string; versionId: string } {
  const [type = "", id = "", versionId = ""] = key.split("/");
  return { type, id, versionId };
}

async function compareRange(deps: EngineDeps, input: FullUnitInput, tally: UnitTally) {
  const path = unitPath(input);
  // Versions the destination refused (src/verify/knownFailures.ts): known, not migrated, not loss.
  const known = await allKnownFailureKeys(deps);
  const held = new Map<string, Held>();
  for await (const page of losslessPages(deps.source, path)) {
    for (const entry of resourceEntries(page)) {
      const v = viewOf(deps.source, entry);
      // SearchParameters are copied by PUT with new versions: compared separately, current only.
      if (v.type === SEARCH_PARAMETER_TYPE) continue;
      tally.row(v.type).source++;
      held.set(`${v.type}/${v.id}/${v.versionId}`, {
        ms: v.ms ?? Number.NaN,
        deleted: v.deleted,
        digest: v.deleted || entry.resource === undefined ? "" : contentDigest(entry.resource),
      });
    }
  }
  const size = held.size;
  const watermarkMs = input.watermark === null ? Number.NaN : Date.parse(input.watermark);

  for await (const page of losslessPages(deps.destination, path)) {
    for (const entry of resourceEntries(page)) {
      const v = viewOf(deps.destination, entry);
      if (v.type === SEARCH_PARAMETER_TYPE) continue;
      const t = tally.row(v.type);
      t.destination++;
      const key = `${v.type}/${v.id}/${v.versionId}`;
      const s = held.get(key);
      if (s === undefined) {
        t.extra++;
        tally.example(v, "extra", "only the destination has this version");
        continue;
      }
      held.delete(key);
      if (s.deleted && !input.migratesDeletes) {
        t.skipped++;
        if (!v.deleted) {
          t.different++;
          tally.example(
            v,
            "deleted-on-source",
            "the source version is a delete, the destination's is not",
          );
        }
        continue;
      }
      if (s.deleted && !v.deleted) {
        t.different++;
        tally.example(
          v,
          "deleted-on-source",
          "the source version is a delete, the destination's is not",
        );
      } else if (!s.deleted && v.deleted) {
        t.different++;
        tally.example(v, "deleted-on-destination");
      } else if (s.deleted) {
        // Both deleted: a deleted version's body is not data (docs/verification.md); its instant is.
        if (s.ms === v.ms) t.matched++;
        else {
          t.different++;
          tally.example(v, "content", "deleted on both; lastUpdated differs", [
            { path: "meta.lastUpdated", kind: "changed" },
          ]);
        }
      } else if (entry.resource !== undefined && contentDigest(entry.resource) === s.digest) {
        t.matched++;
      } else {
        t.different++;
        const e = tally.example(v, "content");
        if (e !== undefined)
          tally.contentExamples.push({ example: e, destination: entry.resource });
      }
    }
  }

  for (const [key, s] of held) {
    const v = splitKey(key);
    const t = tally.row(v.type);
    if (s.deleted && !input.migratesDeletes) t.skipped++;
    else if (!Number.isNaN(watermarkMs) && s.ms >= watermarkMs) {
      t.behind++;
      tally.example(v, "not-migrated-yet", "changed at or after the watermark");
    } else if (known.has(key) || known.has(`${v.type}/${v.id}/`)) {
      t.known++;
    } else {
      t.missing++;
      tally.example(v, "missing", "the destination has no such version");
    }
  }
  held.clear();
  return size;
}

/** Names the paths of the content examples: the source version is read once more. */
async function namePaths(deps: EngineDeps, tally: UnitTally): Promise<void> {
  for (const { example, destination } of tally.contentExamples) {
    try {
      const source = await deps.source.vread(example.type, example.id, example.versionId);
      if (!source.found) example.note = "the source no longer has this version";
      else if (source.deleted) example.note = "the source version is now deleted";
      else {
        const paths = compareResources(parseLossless(source.text), destination);
        example.paths = paths.slice(0, FULL_PATHS_PER_EXAMPLE);
        if (paths.length > FULL_PATHS_PER_EXAMPLE)
          example.note = `${paths.length} paths differ; the first ${FULL_PATHS_PER_EXAMPLE} shown`;
      }
    } catch (thrown) {
      example.note = `paths not named: ${ensureError(thrown).message}`;
    }
  }
}

/** Row text: the reason first (the status page shows it), then the result; cut to fit a row. */
function rowDetails(result: FullUnitResult): string {
  const full = JSON.stringify({ reason: describeUnit(result), unit: result });
  if (full.length <= 30_000) return full;
  return JSON.stringify({
    reason: describeUnit(result),
    unit: { ...result, examples: result.examples.slice(0, 3) },
  });
}

async function storedResult(
  deps: EngineDeps,
  input: FullUnitInput,
  key: string,
): Promise<FullUnitResult | undefined> {
  const row = await deps.state.getCheckResult({
    runId: input.runId,
    kind: "full",
    resourceType: UNIT_ROW_TYPE,
    key,
  });
  if (row === undefined || row.result === "Error") return undefined;
  try {
    const parsed = JSON.parse(row.details) as { unit?: FullUnitResult };
    return parsed.unit === undefined ? undefined : { ...parsed.unit, resumed: true };
  } catch {
    // A row cut short cannot be read back: the unit is compared again (it is idempotent).
    return undefined;
  }
}

export async function compareFullUnit(
  deps: EngineDeps,
  input: FullUnitInput,
): Promise<FullUnitResult> {
  const key = unitKey(input);
  const stored = await storedResult(deps, input, key);
  if (stored !== undefined) return stored;
  const tally = new UnitTally();
  let held = 0;
  let error: string | null = null;
  try {
    held = await compareRange(deps, input, tally);
    await namePaths(deps, tally);
  } catch (thrown) {
    error = ensureError(thrown).message;
  }
  const result: FullUnitResult = {
    key,
    sinceMs: input.sinceMs,
    tillMs: input.tillMs,
    resumed: false,
    held,
    perType: tally.perType(),
    examples: tally.examples,
    error,
  };
  await deps.state.recordCheckResult({
    runId: input.runId,
    kind: "full",
    resourceType: UNIT_ROW_TYPE,
    key,
    result: unitVerdict(result),
    details: rowDetails(result),
  });
  return result;
}
