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
  /**
   * Content examples whose paths are named at the end: the body of the side read last is kept, the
   * other side's version is read again.
   */
  readonly contentExamples: { example: FullExample; source?: unknown; destination?: unknown }[] =
    [];

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

/** What matching a version needs from one side: its key's parts, instant, deleted state and digest. */
interface ReadVersion extends Held {
  view: EntryView;
  /** The version's body (for a content example's paths), kept only while it is matched. */
  resource: unknown;
}

function readVersion(client: FhirClient, entry: BundleEntry): ReadVersion | undefined {
  const view = viewOf(client, entry);
  // SearchParameters are copied by PUT with new versions: compared separately, current only.
  if (view.type === SEARCH_PARAMETER_TYPE) return undefined;
  return {
    view,
    resource: entry.resource,
    ms: view.ms ?? Number.NaN,
    deleted: view.deleted,
    digest: view.deleted || entry.resource === undefined ? "" : contentDigest(entry.resource),
  };
}

/**
 * Judges one version both sides hold. `read` is the side read last (its body is at hand for a
 * content example's paths; the other side's is read again then).
 */
function matchPair(
  input: FullUnitInput,
  tally: UnitTally,
  s: Held,
  d: Held,
  read: ReadVersion,
  readSide: "source" | "destination",
): void {
  const v = read.view;
  const t = tally.row(v.type);
  if (s.deleted && !input.migratesDeletes) {
    t.skipped++;
    if (!d.deleted) {
      t.different++;
      tally.example(
        v,
        "deleted-on-source",
        "the source version is a delete, the destination's is not",
      );
    }
    return;
  }
  if (s.deleted && !d.deleted) {
    t.different++;
    tally.example(
      v,
      "deleted-on-source",
      "the source version is a delete, the destination's is not",
    );
  } else if (!s.deleted && d.deleted) {
    t.different++;
    tally.example(v, "deleted-on-destination");
  } else if (s.deleted) {
    // Both deleted: a deleted version's body is not data (docs/verification.md); its instant is.
    if (s.ms === d.ms) t.matched++;
    else {
      t.different++;
      tally.example(v, "content", "deleted on both; lastUpdated differs", [
        { path: "meta.lastUpdated", kind: "changed" },
      ]);
    }
  } else if (s.digest !== "" && s.digest === d.digest) {
    t.matched++;
  } else {
    t.different++;
    const e = tally.example(v, "content");
    if (e !== undefined) tally.contentExamples.push({ example: e, [readSide]: read.resource });
  }
}

type Side = "source" | "destination";

/**
 * Reads the unit's range on both servers at once and matches versions by key as they arrive: a
 * version waits (as its key, instant, deleted state and digest) only until its counterpart is read.
 * The source is read as fast as it answers; the destination reads its next page only while it holds
 * at most `holdAhead` versions the source has not matched yet (or once the source is read, when it
 * holds nothing more), so the unit never holds more than its source versions plus `holdAhead` plus
 * one page: the bound the unit was sized for (src/core/fullUnits.ts). Returns the most versions it
 * held at once.
 */
async function compareRange(
  deps: EngineDeps,
  input: FullUnitInput,
  tally: UnitTally,
): Promise<number> {
  const path = unitPath(input);
  // Versions the destination refused (src/verify/knownFailures.ts): known, not migrated, not loss.
  // Read while the pages come; needed only for what stays unmatched.
  const knownRead = allKnownFailureKeys(deps);
  // Its failure surfaces where it is awaited below; until then it must not count as unhandled.
  knownRead.catch(() => undefined);
  const waiting: Record<Side, Map<string, Held>> = { source: new Map(), destination: new Map() };
  const clients: Record<Side, FhirClient> = { source: deps.source, destination: deps.destination };
  const readers: Record<Side, AsyncIterator<Bundle>> = {
    source: losslessPages(deps.source, path)[Symbol.asyncIterator](),
    destination: losslessPages(deps.destination, path)[Symbol.asyncIterator](),
  };
  const holdAhead = input.holdAhead ?? 0;
  const inFlight = new Map<Side, Promise<{ side: Side; page: IteratorResult<Bundle> }>>();
  const done: Record<Side, boolean> = { source: false, destination: false };
  const extra = (v: Pick<EntryView, "type" | "id" | "versionId">) => {
    tally.row(v.type).extra++;
    tally.example(v, "extra", "only the destination has this version");
  };
  const request = (side: Side) => {
    const next = readers[side].next().then((page) => ({ side, page }));
    // A failure surfaces through the race below; a page still in flight then is not waited for.
    next.catch(() => undefined);
    inFlight.set(side, next);
  };
  request("source");
  request("destination");
  let most = 0;
  while (inFlight.size > 0) {
    const { side, page } = await Promise.race(inFlight.values());
    inFlight.delete(side);
    if (page.done === true) done[side] = true;
    else {
      const other: Side = side === "source" ? "destination" : "source";
      for (const entry of resourceEntries(page.value)) {
        const read = readVersion(clients[side], entry);
        if (read === undefined) continue;
        const t = tally.row(read.view.type);
        t[side]++;
        const key = `${read.view.type}/${read.view.id}/${read.view.versionId}`;
        const counterpart = waiting[other].get(key);
        if (counterpart === undefined) {
          // Once the source is read, a destination version it did not match never will be.
          if (side === "destination" && done.source) extra(read.view);
          else waiting[side].set(key, { ms: read.ms, deleted: read.deleted, digest: read.digest });
          continue;
        }
        waiting[other].delete(key);
        if (side === "source") matchPair(input, tally, read, counterpart, read, side);
        else matchPair(input, tally, counterpart, read, read, side);
      }
      most = Math.max(most, waiting.source.size + waiting.destination.size);
      if (side === "source") request("source");
    }
    if (
      !done.destination &&
      !inFlight.has("destination") &&
      (done.source || waiting.destination.size <= holdAhead)
    )
      request("destination");
  }

  for (const key of waiting.destination.keys()) extra(splitKey(key));
  waiting.destination.clear();
  const known = await knownRead;
  const watermarkMs = input.watermark === null ? Number.NaN : Date.parse(input.watermark);
  for (const [key, s] of waiting.source) {
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
  waiting.source.clear();
  return most;
}

/** Names the paths of the content examples: the side whose body was not kept is read once more. */
async function namePaths(deps: EngineDeps, tally: UnitTally): Promise<void> {
  for (const { example, source, destination } of tally.contentExamples) {
    const missing: Side = source === undefined ? "source" : "destination";
    try {
      const read = await (missing === "source" ? deps.source : deps.destination).vread(
        example.type,
        example.id,
        example.versionId,
      );
      if (!read.found) example.note = `the ${missing} no longer has this version`;
      else if (read.deleted) example.note = `the ${missing} version is now deleted`;
      else {
        const again = parseLossless(read.text);
        const paths = compareResources(
          missing === "source" ? again : source,
          missing === "source" ? destination : again,
        );
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
