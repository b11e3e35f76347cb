/**
 * Search, history and count execution over the store indexes, and the Bundles the server returns
 * (BundleFactory: bundle issues as a leading OperationOutcome entry with search.mode "outcome",
 * links next-then-self, `total` only with `_total=accurate` or `_summary=count`).
 */
import { randomUUID } from "node:crypto";
import { encodeContinuationToken, type Continuation } from "./continuation-token";
import { FhirHttpError, operationOutcome, type HttpReply, notFound, statusText } from "./http-io";
import { formatLastUpdated } from "./instant";
import {
  parseLossless,
  RawJson,
  stringifyLossless,
  type LosslessObject,
} from "../src/core/losslessJson";
import * as msg from "./messages";
import type { SearchQuery } from "./search-query";
import type { PageFault } from "./types";
import { keyOf, SortedIndex } from "./sorted-index";
import type { EmulatorStore } from "./store";
import type { StoredVersion } from "./stored-version";

interface Plan {
  index: SortedIndex;
  lo: number;
  hi: number;
  filter?: (v: StoredVersion) => boolean;
}

function plan(store: EmulatorStore, q: SearchQuery): Plan {
  let index: SortedIndex;
  if (q.kind === "history" && q.resourceType !== undefined && q.resourceId !== undefined) {
    index = new SortedIndex();
    const versions = store.history(q.resourceType, q.resourceId);
    if (versions.length === 0) throw notFound(msg.resourceNotFound(q.resourceType, q.resourceId));
    for (const v of versions) index.insert(v);
  } else {
    index = store.index(q.kind === "history" ? "all" : "current", q.resourceType);
  }

  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  const excluded: { start: number; end: number }[] = [];
  for (const { prefix, range } of q.dates) {
    if (prefix === "eq" || prefix === "ap") {
      lo = Math.max(lo, range.start);
      hi = Math.min(hi, range.end);
    } else if (prefix === "ge") lo = Math.max(lo, range.start);
    else if (prefix === "gt" || prefix === "sa") lo = Math.max(lo, range.end);
    else if (prefix === "lt" || prefix === "eb") hi = Math.min(hi, range.start);
    else if (prefix === "le") hi = Math.min(hi, range.end);
    else excluded.push(range);
  }

  const checks: ((v: StoredVersion) => boolean)[] = [];
  if (excluded.length > 0) {
    checks.push((v) =>
      excluded.every((r) => v.lastUpdatedMs < r.start || v.lastUpdatedMs >= r.end),
    );
  }
  const ids = q.ids;
  if (ids !== undefined) checks.push((v) => ids.has(v.id));
  const urls = q.urls;
  if (urls !== undefined)
    checks.push((v) => urls.includes((v.resource as { url?: unknown }).url as string));
  const types = q.types;
  if (types !== undefined) checks.push((v) => types.includes(v.resourceType));
  const filter = checks.length === 0 ? undefined : (v: StoredVersion) => checks.every((c) => c(v));
  return { index, lo, hi, filter };
}

function rangeOf(p: Plan): [number, number] {
  const from = Number.isFinite(p.lo) ? p.index.firstAtOrAfterMs(p.lo) : 0;
  const to = Number.isFinite(p.hi) ? p.index.firstAtOrAfterMs(p.hi) : p.index.size;
  return [from, Math.max(from, to)];
}

function countMatches(p: Plan): number {
  const [from, to] = rangeOf(p);
  if (p.filter === undefined) return to - from;
  let n = 0;
  for (let i = from; i < to; i++) if (p.filter(p.index.at(i) as StoredVersion)) n++;
  return n;
}

/**
 * One page in the query's order. Without a fault the page is filled up to `_count`. A page fault
 * (Cosmos profile) models CosmosFhirDataStore.ExecuteDocumentQueryAsync returning early: an
 * "empty-page" holds nothing and its continuation resumes exactly where it began, a "partial-page"
 * stops after `limit` entries; both carry the continuation, so following `next` loses nothing.
 */
function page(
  p: Plan,
  q: SearchQuery,
  limit: number,
  fault: PageFault | undefined,
): { entries: StoredVersion[]; next?: Continuation } {
  const nextPage = q.pageNumber + 1;
  if (fault?.kind === "empty-page") {
    return {
      entries: [],
      next: { ...(q.cursor !== undefined ? { cursor: q.cursor } : {}), page: nextPage },
    };
  }
  const [from, to] = rangeOf(p);
  const entries: StoredVersion[] = [];
  const step = q.descending ? -1 : 1;
  let i: number;
  if (q.descending)
    i = q.cursor === undefined ? to - 1 : Math.min(to, p.index.firstAtOrAfter(q.cursor)) - 1;
  else i = q.cursor === undefined ? from : Math.max(from, p.index.firstAfter(q.cursor));
  let more = false;
  for (; i >= from && i < to; i += step) {
    const v = p.index.at(i) as StoredVersion;
    if (p.filter !== undefined && !p.filter(v)) continue;
    if (entries.length === limit) {
      more = true;
      break;
    }
    entries.push(v);
  }
  const last = entries[entries.length - 1];
  return more && last !== undefined
    ? { entries, next: { cursor: keyOf(last), page: nextPage } }
    : { entries };
}

/** How many entries a page may hold under a partial-page fault: its `entries`, or a draw below `_count`. */
function pageLimit(q: SearchQuery, fault: PageFault | undefined, draw: () => number): number {
  if (fault?.kind !== "partial-page") return q.pageSize;
  const n = fault.entries ?? 1 + Math.floor(draw() * Math.max(1, q.pageSize - 1));
  return Math.min(q.pageSize, n);
}

/**
 * The largest total a count answers: both stores read the count as a long and throw
 * InvalidSearchOperationException(SearchCountResultsExceedLimit) above int.MaxValue
 * (src/Microsoft.Health.Fhir.CosmosDb/Features/Search/FhirCosmosSearchService.cs,
 * ExecuteCountSearchAsync; src/Microsoft.Health.Fhir.SqlServer/Features/Search/SqlServerSearchService.cs),
 * which the exception filter answers 403 with the exception's issue (code invalid)
 * (src/Microsoft.Health.Fhir.Shared.Api/Features/Filters/OperationOutcomeExceptionFilterAttribute.cs).
 */
export const COUNT_LIMIT = 2_147_483_647;

export interface LinkContext {
  baseUrl: string;
  /** Request path, e.g. "/Patient" or "/" */
  pathname: string;
  pairs: readonly [string, string][];
  now: number;
  /** The largest total a count answers (COUNT_LIMIT unless a test lowered it). */
  countLimit?: number;
}

function linkUrl(ctx: LinkContext, q: SearchQuery, ct?: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of ctx.pairs) if (k !== "ct" && !q.dropFromLinks.has(k)) params.append(k, v);
  if (ct !== undefined) params.append("ct", ct);
  const qs = params.toString();
  const path = ctx.pathname === "/" ? "/" : ctx.pathname;
  return `${ctx.baseUrl}${path}${qs === "" ? "" : `?${qs}`}`;
}

/**
 * `_elements`: the resource with only the elements named, besides resourceType, id and meta (the
 * mandatory ones). Only top-level names are evaluated.
 */
function withElements(v: StoredVersion, elements: readonly string[] | undefined): RawJson {
  if (elements === undefined) return new RawJson(v.text);
  const parsed = parseLossless(v.text) as LosslessObject;
  const kept = Object.fromEntries(
    Object.entries(parsed).filter(
      ([k]) => ["resourceType", "id", "meta"].includes(k) || elements.includes(k),
    ),
  );
  return new RawJson(stringifyLossless(kept));
}

function entryFor(ctx: LinkContext, q: SearchQuery, v: StoredVersion): Record<string, unknown> {
  const fullUrl = `${ctx.baseUrl}/${v.resourceType}/${v.id}`;
  if (q.kind === "search")
    return { fullUrl, resource: withElements(v, q.elements), search: { mode: "match" } };
  const status =
    v.method === "POST" ? 201 : v.method === "DELETE" ? 204 : v.version === 1 ? 201 : 200;
  return {
    fullUrl,
    resource: new RawJson(v.text),
    request: { method: v.method, url: `${v.resourceType}/${v.method === "POST" ? "" : v.id}` },
    response: {
      status: statusText(status),
      lastModified: v.lastUpdated,
      etag: `W/"${v.versionId}"`,
    },
  };
}

/** Page faults for one search request (Cosmos profile); absent on the SQL profile. */
export interface PageFaults {
  take(q: SearchQuery): PageFault | undefined;
  draw(): number;
}

export function executeSearch(
  store: EmulatorStore,
  q: SearchQuery,
  ctx: LinkContext,
  faults?: PageFaults,
): HttpReply {
  const p = plan(store, q);
  const bundleType = q.kind === "history" ? "history" : "searchset";
  const bundle: Record<string, unknown> = {
    resourceType: "Bundle",
    id: randomUUID(),
    meta: { lastUpdated: formatLastUpdated(ctx.now) },
    type: bundleType,
  };
  const outcomeEntry =
    q.issues.length > 0
      ? [{ resource: operationOutcome(q.issues), search: { mode: "outcome" } }]
      : [];

  if (q.countOnly) {
    const total = countMatches(p);
    if (total > (ctx.countLimit ?? COUNT_LIMIT)) {
      // The message names the servers' limit, whatever threshold a test set.
      throw new FhirHttpError(403, msg.searchCountExceedsLimit(total, COUNT_LIMIT), "invalid");
    }
    bundle["total"] = total;
    bundle["link"] = [{ relation: "self", url: linkUrl(ctx, q) }];
    if (outcomeEntry.length > 0) bundle["entry"] = outcomeEntry;
    return { status: 200, body: bundle };
  }

  const fault = faults?.take(q);
  const result = page(
    p,
    q,
    pageLimit(q, fault, () => faults?.draw() ?? 0),
    fault,
  );
  if (q.includeTotal) bundle["total"] = countMatches(p);
  const links: { relation: string; url: string }[] = [];
  if (result.next !== undefined) {
    links.push({ relation: "next", url: linkUrl(ctx, q, encodeContinuationToken(result.next)) });
  }
  links.push({ relation: "self", url: linkUrl(ctx, q) });
  bundle["link"] = links;
  const entries = [...outcomeEntry, ...result.entries.map((v) => entryFor(ctx, q, v))];
  if (entries.length > 0) bundle["entry"] = entries;
  return { status: 200, body: bundle };
}
