/**
 * $export kick-off validation, in the server's order: headers (ValidateExportRequestFilter,
 * docs/server-behaviour.md §1.2), the query allow-list (§1.3), then the controller's parameter checks.
 */
import { badRequest } from "./http-io";
import { parsePartialDateTime } from "./instant";
import * as msg from "./messages";
import { header, type FhirRequest } from "./request";
import { parseDateFilter, type DateFilter } from "./search-query";
import type { Flavour } from "./types";
import { unescapeDataString } from "./unescape";

const ALLOWED_PARAMETERS = new Set([
  "_outputFormat",
  "_since",
  "_till",
  "_type",
  "_typeFilter",
  "_container",
  "_isParallel",
  "_maxCount",
  "includeAssociatedData",
  "_anonymizationConfig",
  "_anonymizationConfigEtag",
  "_anonymizationConfigCollectionReference",
  "_format",
]);
const OUTPUT_FORMATS = new Set(["application/fhir+ndjson", "application/ndjson", "ndjson"]);
/** Search parameters the emulator can evaluate inside `_typeFilter`. */
const TYPE_FILTER_PARAMETERS = new Set(["_id", "_lastUpdated"]);
export const DEFAULT_MAX_COUNT = 10_000;

export type ExportLevel =
  { kind: "system" } | { kind: "patient" } | { kind: "group"; groupId: string };

export interface TypeFilter {
  type: string;
  ids?: string[];
  dates: DateFilter[];
}

export interface ExportDefinition {
  level: ExportLevel;
  /** Inclusive lower bound (ms). */
  since?: number;
  /**
   * Exclusive upper bound (ms) the store applies for `_till`; absent = the job's creation time (see
   * tillBound). Cosmos and the SQL non-parallel path search `_lastUpdated=le{till}` (ExportJobTask.cs),
   * which includes the whole `_till` instant; the SQL parallel path also bounds the surrogate ids by
   * `till.ToId() - 1` (SqlExportOrchestratorJob.cs), which excludes it.
   */
  till?: number;
  /** Whether `_till` (or the default, the creation time) excludes its own instant: the SQL parallel path. */
  tillExclusive: boolean;
  types?: string[];
  typeFilters: TypeFilter[];
  container?: string;
  isParallel: boolean;
  maxCount: number;
  includeHistory: boolean;
  includeDeleted: boolean;
  anonymizationConfig?: string;
}

function checkHeaders(req: FhirRequest): { lenient: boolean } {
  const accept = header(req, "accept");
  if (accept === undefined || accept.toLowerCase() !== "application/fhir+json") {
    throw badRequest(msg.unsupportedHeaderValue(accept ?? "", "Accept"));
  }
  const prefer = header(req, "prefer");
  if (prefer === undefined) throw badRequest(msg.MISSING_PREFER);
  let respondAsync = false;
  let lenient = false;
  for (const raw of prefer.split(",")) {
    const token = raw.trim().toLowerCase();
    if (token === "respond-async") respondAsync = true;
    else if (token === "handling=lenient") lenient = true;
    else if (token !== "handling=strict")
      throw badRequest(msg.unsupportedHeaderValue(raw.trim(), "Prefer"));
  }
  if (!respondAsync) throw badRequest(msg.MISSING_RESPOND_ASYNC);
  return { lenient };
}

function single(req: FhirRequest, name: string): string | undefined {
  const values = req.pairs.filter(([k]) => k === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(",");
}

function parseTypeFilters(value: string, lenient: boolean): TypeFilter[] {
  const filters: TypeFilter[] = [];
  const invalid: [string, string][] = [];
  for (const segment of value.split(",")) {
    const q = segment.indexOf("?");
    if (q <= 0) throw badRequest(msg.typeFilterUnparseable(segment));
    const type = segment.slice(0, q);
    const filter: TypeFilter = { type, dates: [] };
    for (const pair of segment.slice(q + 1).split("&")) {
      const parts = pair.split("=");
      if (parts.length !== 2) throw badRequest(msg.typeFilterUnparseable(segment));
      const [name, v] = parts as [string, string];
      if (!TYPE_FILTER_PARAMETERS.has(name)) invalid.push([type, name]);
      else if (name === "_id") filter.ids = v.split(",");
      else filter.dates.push(parseDateFilter(v));
    }
    filters.push(filter);
  }
  // With Prefer: handling=lenient the server skips the validation and ignores unknown parameters.
  if (invalid.length > 0 && !lenient) throw badRequest(msg.invalidTypeFilterParameters(invalid));
  return filters;
}

/**
 * ExportController.ValidatePathTraversalForExportParameter: `Uri.UnescapeDataString` first (so
 * `..%2f` arriving as such is caught), then any "/" or "\\" segment that is exactly "..". Applies to
 * `_container` and `_anonymizationConfig`.
 */
function hasPathTraversal(value: string): boolean {
  return unescapeDataString(value).split(/[/\\]/).includes("..");
}

function parseBound(value: string | undefined, edge: "start" | "end"): number | undefined {
  if (value === undefined) return undefined;
  const range = parsePartialDateTime(value);
  if (range === undefined) throw badRequest(msg.dateTimeMalformed(value));
  return range[edge];
}

/**
 * The exclusive upper bound (ms) an export of `def` created at `createdMs` applies. `le{till}` keeps
 * every version up to the end of the `_till` value's precision; `till.ToId() - 1` on the SQL parallel
 * path keeps only those before its start (PartialDateTime.ToDateTimeOffset).
 */
export function tillBound(def: ExportDefinition, createdMs: number): number {
  if (def.till !== undefined) return def.till;
  return def.tillExclusive ? createdMs : createdMs + 1;
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw badRequest(msg.invalidBoolean(name, value));
}

export function parseExportRequest(
  req: FhirRequest,
  level: ExportLevel,
  flavour: Flavour,
): ExportDefinition {
  const { lenient } = checkHeaders(req);
  for (const [name] of req.pairs) {
    if (!ALLOWED_PARAMETERS.has(name)) throw badRequest(msg.unsupportedParameter(name));
  }
  const typeFilterText = single(req, "_typeFilter");
  const typeText = single(req, "_type");
  if (typeFilterText !== undefined && typeText === undefined)
    throw badRequest(msg.TYPE_FILTER_WITHOUT_TYPE);
  for (const [name, v] of req.pairs) {
    if (name === "_outputFormat" && !OUTPUT_FORMATS.has(v))
      throw badRequest(msg.unsupportedOutputFormat(v));
  }

  let includeHistory = false;
  let includeDeleted = false;
  const associated = single(req, "includeAssociatedData");
  if (associated !== undefined) {
    for (const value of associated.split(",")) {
      if (value === "_history") includeHistory = true;
      else if (value === "_deleted") includeDeleted = true;
      else throw badRequest(msg.invalidIncludeAssociatedData(value));
    }
    if (typeFilterText !== undefined) throw badRequest(msg.TYPE_FILTER_WITH_HISTORY);
  }

  const container = single(req, "_container");
  const anonymizationConfig = single(req, "_anonymizationConfig");
  if (anonymizationConfig !== undefined && container === undefined) {
    throw badRequest(msg.MISSING_CONTAINER_FOR_ANONYMIZATION);
  }
  if (
    single(req, "_anonymizationConfigEtag") !== undefined &&
    single(req, "_anonymizationConfigCollectionReference") !== undefined
  ) {
    throw badRequest(msg.ANONYMIZATION_PARAMETER_CONFLICT);
  }
  for (const value of [container, anonymizationConfig]) {
    if (value !== undefined && hasPathTraversal(value)) throw badRequest(msg.pathTraversal(value));
  }
  const format = single(req, "_format");
  if (format !== undefined) throw badRequest(msg.formatNotFound(format));

  let maxCount = DEFAULT_MAX_COUNT;
  const maxCountText = single(req, "_maxCount");
  if (maxCountText !== undefined) {
    const n = /^\d+$/.test(maxCountText) ? Number(maxCountText) : Number.NaN;
    if (!(n >= 0 && n <= DEFAULT_MAX_COUNT)) throw badRequest(msg.MAX_COUNT_OUT_OF_RANGE);
    if (n > 0) maxCount = n;
  }

  // `_type` values are not validated at kick-off: ExportController.cs checks only the route's type
  // (Patient/$export, Group/{id}/$export); a type the store does not know exports nothing.
  const types = typeText?.split(",");
  const typeFilters = typeFilterText === undefined ? [] : parseTypeFilters(typeFilterText, lenient);

  // _isParallel and includeAssociatedData are honoured only at system level (docs/server-behaviour.md §1.1).
  const parallelParam = parseBoolean("_isParallel", single(req, "_isParallel"));
  const systemLevel = level.kind === "system";
  const isParallel =
    level.kind === "patient" ? true : systemLevel ? (parallelParam ?? flavour === "ahds") : false;

  const parallel = isParallel && typeFilters.length === 0;
  // SqlExportOrchestratorJob handles the parallel system and Patient exports on the SQL store; the
  // Cosmos orchestrator splits by feed range and keeps the `le` search bound (CosmosExportOrchestratorJob.cs).
  const tillExclusive = flavour === "ahds" && parallel;
  return {
    level,
    since: parseBound(single(req, "_since"), "start"),
    till: parseBound(single(req, "_till"), tillExclusive ? "start" : "end"),
    tillExclusive,
    ...(types !== undefined ? { types } : {}),
    typeFilters,
    ...(container !== undefined ? { container } : {}),
    // Filters force the non-parallel path.
    isParallel: parallel,
    maxCount,
    includeHistory: systemLevel && includeHistory,
    includeDeleted: systemLevel && includeDeleted,
    ...(anonymizationConfig !== undefined ? { anonymizationConfig } : {}),
  };
}
