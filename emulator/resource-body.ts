/**
 * Stored resource text. Each version is serialized once, when written, with the server's meta
 * (versionId, lastUpdated) and then kept as text: exports emit it verbatim (docs/server-behaviour.md §2.4
 * "each line is the stored raw JSON"), so decimals survive exactly as received.
 */
import type { FhirResource } from "../src/fhir/types";
import { SOFT_DELETED_EXTENSION_URL } from "../src/fhir/types";
import {
  isLosslessObject,
  parseLossless,
  stringifyLossless,
  type LosslessObject,
  type LosslessValue,
} from "../src/core/losslessJson";

export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/** Parses JSON text (or re-reads a JS object) into a lossless object; throws SyntaxError/TypeError. */
export function toLosslessObject(resource: FhirResource | string): LosslessObject {
  const value = parseLossless(typeof resource === "string" ? resource : JSON.stringify(resource));
  if (!isLosslessObject(value)) throw new TypeError("a resource must be a JSON object");
  return value;
}

export function stringProperty(obj: LosslessObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === "string" ? v : undefined;
}

export function metaOf(obj: LosslessObject): LosslessObject | undefined {
  const meta = obj["meta"];
  return isLosslessObject(meta) ? meta : undefined;
}

/**
 * The stored text of a version: resourceType, id and meta first (versionId, lastUpdated, then the
 * caller's other meta elements), then the remaining elements in received order.
 */
export function withServerMeta(
  obj: LosslessObject,
  id: string,
  versionId: string,
  lastUpdated: string,
): string {
  const meta: LosslessObject = { versionId, lastUpdated };
  for (const [k, v] of Object.entries(metaOf(obj) ?? {})) {
    if (k !== "versionId" && k !== "lastUpdated") meta[k] = v;
  }
  const out: Record<string, LosslessValue> = {
    resourceType: obj["resourceType"] ?? null,
    id,
    meta,
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k !== "resourceType" && k !== "id" && k !== "meta") out[k] = v;
  }
  return stringifyLossless(out);
}

/**
 * A soft delete stores an empty instance carrying only the id (DeleteResourceHandler creates
 * `Activator.CreateInstance(type)` with the id and `keepMeta: false`).
 */
export function emptyInstanceText(
  type: string,
  id: string,
  versionId: string,
  lastUpdated: string,
): string {
  return stringifyLossless({ resourceType: type, id, meta: { versionId, lastUpdated } });
}

/** Removes the deleted-state meta extension (import, docs/server-behaviour.md §4.4); true when it was present. */
export function removeSoftDeletedExtension(obj: LosslessObject): boolean {
  const meta = metaOf(obj);
  const ext = meta?.["extension"];
  if (meta === undefined || !Array.isArray(ext)) return false;
  const kept = ext.filter((e) => !(isLosslessObject(e) && e["url"] === SOFT_DELETED_EXTENSION_URL));
  if (kept.length === ext.length) return false;
  if (kept.length === 0) delete meta["extension"];
  else meta["extension"] = kept;
  return true;
}

/** Export of a soft-deleted version adds the deleted-state extension to meta (docs/server-behaviour.md §2.4). */
export function addSoftDeletedExtension(text: string): string {
  const obj = toLosslessObject(text);
  const meta = metaOf(obj) ?? {};
  const ext = Array.isArray(meta["extension"]) ? meta["extension"] : [];
  meta["extension"] = [...ext, { url: SOFT_DELETED_EXTENSION_URL, valueString: "soft-deleted" }];
  obj["meta"] = meta;
  return stringifyLossless(obj);
}
