/**
 * Query strings of the operations the client sends, built in a fixed order so requests are easy
 * to compare with the server's logs and with the original tool's (docs/server-behaviour.md §1.3, §5.1, §5.3).
 */
import type { CountQuery, ExportRequest } from "./types";

/** ISO 8601 UTC with milliseconds and Z, as the servers and the original tool use. */
export function isoInstant(value: string): string {
  // A time without a zone would be read as local time by Date.parse: refuse it.
  const missingZone = /T\d{2}:\d{2}/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const ms = missingZone ? Number.NaN : Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `Invalid timestamp ${JSON.stringify(value)}: expected an ISO 8601 instant, e.g. 2024-01-31T00:00:00.000Z`,
    );
  }
  return new Date(ms).toISOString();
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function resourceType(type: string): string {
  if (!RESOURCE_TYPE.test(type)) {
    throw new RangeError(
      `Invalid resource type ${JSON.stringify(type)}: expected a FHIR resource type name such as Patient`,
    );
  }
  return type;
}

/**
 * `$export?...` for a system-level export. Parameters in this order: _type, _isParallel,
 * includeAssociatedData, _since, _till, _maxCount, _container, _anonymizationConfig. Commas in
 * list values stay literal, as in the server's documentation.
 */
export function exportPath(request: ExportRequest): string {
  const params: string[] = [];
  if (request.types !== undefined && request.types.length > 0) {
    params.push(`_type=${request.types.map(resourceType).join(",")}`);
  }
  if (request.isParallel !== undefined) params.push(`_isParallel=${request.isParallel}`);
  const associated = [
    ...(request.includeHistory === true ? ["_history"] : []),
    ...(request.includeDeleted === true ? ["_deleted"] : []),
  ];
  if (associated.length > 0) params.push(`includeAssociatedData=${associated.join(",")}`);
  if (request.since !== undefined) params.push(`_since=${isoInstant(request.since)}`);
  if (request.till !== undefined) params.push(`_till=${isoInstant(request.till)}`);
  if (request.maxCount !== undefined) {
    if (!Number.isInteger(request.maxCount) || request.maxCount < 1 || request.maxCount > 10_000) {
      throw new RangeError(
        `Invalid _maxCount ${request.maxCount}: the server accepts a whole number from 1 to 10000`,
      );
    }
    params.push(`_maxCount=${request.maxCount}`);
  }
  if (request.container !== undefined) {
    params.push(`_container=${encodeURIComponent(request.container)}`);
  }
  if (request.anonymizationConfig !== undefined) {
    params.push(`_anonymizationConfig=${encodeURIComponent(request.anonymizationConfig)}`);
  }
  return params.length > 0 ? `$export?${params.join("&")}` : "$export";
}

/**
 * Count query. Search counts bound `_lastUpdated` with ge/lt; history counts use `_since`
 * (inclusive) and `_before` (exclusive), the only bounds `_history` supports (docs/server-behaviour.md §5.1).
 */
export function countPath(query: CountQuery): string {
  const params = ["_summary=count"];
  if (query.history === true) {
    const prefix = query.type === undefined ? "" : `${resourceType(query.type)}/`;
    if (query.since !== undefined) params.push(`_since=${isoInstant(query.since)}`);
    if (query.till !== undefined) params.push(`_before=${isoInstant(query.till)}`);
    return `${prefix}_history?${params.join("&")}`;
  }
  if (query.since !== undefined) params.push(`_lastUpdated=ge${isoInstant(query.since)}`);
  if (query.till !== undefined) params.push(`_lastUpdated=lt${isoInstant(query.till)}`);
  // System-level search is `{base}/?...` (docs/server-behaviour.md §5.1).
  return query.type === undefined
    ? `?${params.join("&")}`
    : `${resourceType(query.type)}?${params.join("&")}`;
}

/** The oldest resource (or version, with history) on the server (docs/server-behaviour.md §5.3). */
export function oldestPath(history: boolean): string {
  return history ? "_history?_sort=_lastUpdated&_count=1" : "?_sort=_lastUpdated&_count=1";
}

export function resourcePath(type: string, id: string, versionId?: string): string {
  const base = `${resourceType(type)}/${encodeURIComponent(id)}`;
  return versionId === undefined ? base : `${base}/_history/${encodeURIComponent(versionId)}`;
}
