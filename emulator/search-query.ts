/**
 * Parses search and history query strings the way SearchOptionsFactory does for the parameters the
 * emulator implements: `_lastUpdated`, `_id`, `url`, `_type`, `_count`, `_sort`, `_summary`,
 * `_total`, `ct`, and for history `_since`/`_before`. Unknown search parameters are ignored with a
 * warning issue in the bundle (lenient default), or rejected with `Prefer: handling=strict`.
 */
import { decodeContinuationToken } from "./continuation-token";
import { isKnownResourceType } from "./fhir-resource-types";
import { badRequest, FhirHttpError, type Issue } from "./http-io";
import { parsePartialDateTime, type InstantRange } from "./instant";
import * as msg from "./messages";
import type { OrderKey } from "./sorted-index";

export const DEFAULT_COUNT = 10;
export const MAX_COUNT = 1000;

/** Types whose `url` search parameter (canonical uri) the emulator supports. */
const CANONICAL_TYPES = new Set([
  "SearchParameter",
  "StructureDefinition",
  "ValueSet",
  "CodeSystem",
  "ConceptMap",
  "OperationDefinition",
  "CapabilityStatement",
  "Questionnaire",
  "ImplementationGuide",
  "Library",
  "Measure",
  "PlanDefinition",
  "ActivityDefinition",
  "StructureMap",
]);

export type DatePrefix = "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb" | "ap";

export interface DateFilter {
  prefix: DatePrefix;
  range: InstantRange;
}

export interface SearchScope {
  kind: "search" | "history";
  /** Route type (`/{Type}`); absent at system level. */
  resourceType?: string;
  /** Route id, for `/{Type}/{id}/_history`. */
  resourceId?: string;
}

export interface SearchQuery extends SearchScope {
  /** `_type` at system level: the known types asked for; an empty list matches nothing. */
  types?: string[];
  dates: DateFilter[];
  ids?: Set<string>;
  urls?: string[];
  pageSize: number;
  countOnly: boolean;
  descending: boolean;
  includeTotal: boolean;
  cursor?: OrderKey;
  /** 1-based position of the requested page within its query (from `ct`; 1 without one). */
  pageNumber: number;
  issues: Issue[];
  /** Parameter names left out of self/next links (as the server drops unsupported ones). */
  dropFromLinks: Set<string>;
  /** `_elements`: the top-level elements an entry keeps (search.ts). */
  elements?: string[];
}

export function parseDateFilter(value: string): DateFilter {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(value);
  const prefix = (m?.[1] ?? "eq") as DatePrefix;
  const range = parsePartialDateTime(m?.[2] ?? "");
  if (range === undefined) throw badRequest(msg.dateTimeMalformed(m?.[2] ?? value));
  return { prefix, range };
}

function parseCount(value: string): number {
  if (!/^-?\d+$/.test(value)) throw badRequest(`The value '${value}' is not valid for _count.`);
  const n = Number(value);
  if (n < 0) throw badRequest(msg.INVALID_COUNT);
  return n;
}

export function parseSearchQuery(
  scope: SearchScope,
  pairs: readonly [string, string][],
  strictHandling: boolean,
  now: number,
): SearchQuery {
  const q: SearchQuery = {
    ...scope,
    dates: [],
    pageSize: DEFAULT_COUNT,
    countOnly: false,
    descending: scope.kind === "history",
    includeTotal: false,
    pageNumber: 1,
    issues: [],
    dropFromLinks: new Set(),
  };
  const unsupported: string[] = [];
  const typesLabel = scope.resourceType ?? "DomainResource";
  let pageSizeGiven = false;
  let summary: string | undefined;

  for (const [name, value] of pairs) {
    switch (name) {
      case "ct": {
        const c = decodeContinuationToken(value);
        if (c.cursor !== undefined) q.cursor = c.cursor;
        else delete q.cursor;
        q.pageNumber = c.page;
        continue;
      }
      case "_format":
      case "_pretty":
        continue;
      case "_count": {
        const n = parseCount(value);
        if (n > 0) pageSizeGiven = true;
        if (n === 0) q.countOnly = true;
        else if (n > MAX_COUNT) {
          q.pageSize = MAX_COUNT;
          q.issues.push({
            severity: "information",
            code: "informational",
            diagnostics: msg.countExceedsLimit(MAX_COUNT, n),
          });
        } else q.pageSize = n;
        continue;
      }
      case "_sort":
        if (value === "_lastUpdated" || value === "-_lastUpdated") {
          q.descending = value.startsWith("-");
        } else if (scope.kind === "history") {
          throw badRequest(msg.sortNotSupported(value));
        } else {
          q.issues.push({
            severity: "warning",
            code: "not-supported",
            diagnostics: msg.sortNotSupported(value),
          });
        }
        continue;
    }
    // _summary and _total are matched case-insensitively by the server (docs/server-behaviour.md §5.1).
    const lower = name.toLowerCase();
    if (lower === "_summary") {
      const v = value.toLowerCase();
      summary = v;
      if (v === "count") q.countOnly = true;
      else if (!["true", "text", "data", "false"].includes(v))
        throw badRequest(msg.invalidSummary(value));
      continue;
    }
    if (lower === "_total") {
      const v = value.toLowerCase();
      if (v === "accurate") q.includeTotal = true;
      else if (v === "estimate") throw badRequest(msg.unsupportedTotal(value));
      else if (v !== "none") throw badRequest(msg.invalidTotal(value));
      continue;
    }
    if (scope.kind === "history") {
      if (name === "_since") q.dates.push({ prefix: "ge", range: parseDateFilter(value).range });
      else if (name === "_before") {
        const range = parseDateFilter(value).range;
        if (range.start > now) throw badRequest(msg.beforeInFuture("_before"));
        q.dates.push({ prefix: "lt", range });
      }
      // The history route binds its parameters explicitly; anything else is ignored silently.
      continue;
    }
    if (lower === "_type" && scope.resourceType === undefined) {
      parseTypes(q, value);
      continue;
    }
    if (value.trim() === "") {
      unsupported.push(name);
      continue;
    }
    // _elements is supported (SearchOptionsFactory.cs reads it into SearchParams.Elements).
    if (name === "_elements") q.elements = value.split(",").map((e) => e.trim());
    else if (name === "_lastUpdated") q.dates.push(parseDateFilter(value));
    else if (name === "_id") {
      const ids = new Set(value.split(","));
      q.ids = q.ids === undefined ? ids : new Set([...q.ids].filter((id) => ids.has(id)));
    } else if (
      name === "url" &&
      scope.resourceType !== undefined &&
      CANONICAL_TYPES.has(scope.resourceType)
    ) {
      q.urls = [...(q.urls ?? []), ...value.split(",")];
    } else unsupported.push(name);
  }

  if (q.elements !== undefined && summary !== undefined && summary !== "false")
    throw badRequest(msg.ELEMENTS_WITH_SUMMARY);
  // On _history a positive _count wins over _summary=count: a page of entries, no total
  // (SearchService.SearchHistoryAsync adds _summary=count only when _count is absent or 0).
  if (scope.kind === "history" && pageSizeGiven) q.countOnly = false;
  if (unsupported.length > 0) {
    const errors = unsupported.map((n) => msg.searchParameterNotSupported(n, typesLabel));
    if (strictHandling) {
      throw new FhirHttpError(
        400,
        errors.map((diagnostics) => ({ severity: "error", code: "not-supported", diagnostics })),
      );
    }
    for (const diagnostics of errors)
      q.issues.push({ severity: "warning", code: "not-supported", diagnostics });
    for (const n of unsupported) q.dropFromLinks.add(n);
  }
  return q;
}

function parseTypes(q: SearchQuery, value: string): void {
  if (value.trim() === "") throw badRequest(msg.invalidTypeParameter(value));
  const types = value.split(",");
  const bad = [...new Set(types.filter((t) => !isKnownResourceType(t)))].sort();
  if (bad.length > 0) {
    q.issues.push({
      severity: "warning",
      code: "not-supported",
      diagnostics: msg.invalidTypeParameter(bad.map((t) => `'${t}'`).join(",")),
    });
  }
  const good = types.filter((t) => isKnownResourceType(t));
  q.types = q.types === undefined ? good : q.types.filter((t) => good.includes(t));
}

/** Whether one lastUpdated instant satisfies a `_lastUpdated` filter. */
export function dateFilterMatches(ms: number, { prefix, range }: DateFilter): boolean {
  switch (prefix) {
    case "eq":
    case "ap":
      return ms >= range.start && ms < range.end;
    case "ne":
      return ms < range.start || ms >= range.end;
    case "ge":
      return ms >= range.start;
    case "gt":
    case "sa":
      return ms >= range.end;
    case "lt":
    case "eb":
      return ms < range.start;
    case "le":
      return ms < range.end;
  }
}
