/**
 * Resource interactions: create (POST, server id), update (PUT, create or new version), read
 * (410 when deleted, 404 when unknown), vread, and soft delete (a deleted version, 204).
 */
import { randomUUID } from "node:crypto";
import { overflowingIndexedNumber } from "./decimal";
import { badRequest, FhirHttpError, type HttpReply, notFound, operationOutcome } from "./http-io";
import { isLosslessObject, parseLossless, type LosslessObject } from "../src/core/losslessJson";
import * as msg from "./messages";
import { RESOURCE_ID_PATTERN, stringProperty, withServerMeta } from "./resource-body";
import { checkSearchParameterDelete, checkSearchParameterWrite } from "./search-parameters";
import type { ServerState } from "./state";
import type { StoredVersion } from "./stored-version";

function parseResourceBody(body: string): LosslessObject {
  let value;
  try {
    value = parseLossless(body);
  } catch (error) {
    throw badRequest(msg.parsingError((error as Error).message));
  }
  if (!isLosslessObject(value))
    throw badRequest(msg.parsingError("a resource must be a JSON object"));
  return value;
}

function checkResource(state: ServerState, obj: LosslessObject, type: string): void {
  if (stringProperty(obj, "resourceType") !== type) throw badRequest(msg.RESOURCE_TYPE_MISMATCH);
  if (state.flavour === "ahds") {
    // decimal(36,18) search index columns on the SQL store: an indexed value of 1e18 or more
    // fails the write with 400 "Arithmetic overflow" (fhir-server PR #4587,
    // src/Microsoft.Health.Fhir.SqlServer/Features/Schema/Sql/Tables/NumberSearchParam.sql);
    // extra fraction digits are rounded, not refused.
    if (overflowingIndexedNumber(obj) !== undefined)
      throw new FhirHttpError(400, msg.ARITHMETIC_OVERFLOW, "invalid");
  }
}

function versionHeaders(v: StoredVersion): Record<string, string> {
  return { ETag: `W/"${v.versionId}"`, "Last-Modified": new Date(v.lastUpdatedMs).toUTCString() };
}

function gone(v: StoredVersion): HttpReply {
  // ResourceGoneException carries no issue text; the filter adds the deleted version's ETag.
  return { status: 410, headers: { ETag: `W/"${v.versionId}"` }, body: operationOutcome([]) };
}

function written(state: ServerState, v: StoredVersion, status: 200 | 201): HttpReply {
  const location = `${state.baseUrl}/${v.resourceType}/${v.id}/_history/${v.versionId}`;
  return {
    status,
    headers: { ...versionHeaders(v), ...(status === 201 ? { Location: location } : {}) },
    body: v.text,
  };
}

export function createResource(state: ServerState, type: string, body: string): HttpReply {
  const obj = parseResourceBody(body);
  checkResource(state, obj, type);
  if (type === "SearchParameter") checkSearchParameterWrite(state, "POST", obj, undefined);
  return written(state, state.store.writeVersion(obj, type, randomUUID(), "POST"), 201);
}

/**
 * The SQL store keeps the existing version when the new content equals it apart from
 * meta.versionId/lastUpdated (SqlServerFhirDataStore.ExistingRawResourceIsEqualToInput: "Update
 * operation resulted in no changes", the existing resource is returned as Updated). The Cosmos store
 * has no such check: every PUT makes a version.
 */
function unchanged(state: ServerState, obj: LosslessObject, before: StoredVersion): boolean {
  if (state.flavour !== "ahds" || before.deleted) return false;
  return withServerMeta(obj, before.id, before.versionId, before.lastUpdated) === before.text;
}

export function updateResource(
  state: ServerState,
  type: string,
  id: string,
  body: string,
): HttpReply {
  const obj = parseResourceBody(body);
  checkResource(state, obj, type);
  const bodyId = stringProperty(obj, "id");
  if (bodyId === undefined) throw badRequest(msg.RESOURCE_ID_REQUIRED);
  if (bodyId !== id) throw badRequest(msg.URL_ID_MISMATCH);
  if (!RESOURCE_ID_PATTERN.test(id)) throw badRequest(msg.invalidResourceId(id));
  if (type === "SearchParameter") checkSearchParameterWrite(state, "PUT", obj, id);
  const before = state.store.current(type, id);
  if (before !== undefined && unchanged(state, obj, before)) return written(state, before, 200);
  const v = state.store.writeVersion(obj, type, id, "PUT");
  return written(state, v, before === undefined || before.deleted ? 201 : 200);
}

export function readResource(state: ServerState, type: string, id: string): HttpReply {
  const v = state.store.current(type, id);
  if (v === undefined) throw notFound(msg.resourceNotFound(type, id));
  if (v.deleted) return gone(v);
  return { status: 200, headers: versionHeaders(v), body: v.text };
}

export function vreadResource(
  state: ServerState,
  type: string,
  id: string,
  vid: string,
): HttpReply {
  const v = state.store.vread(type, id, vid);
  if (v === undefined) throw notFound(msg.versionNotFound(type, id, vid));
  if (v.deleted) return gone(v);
  return { status: 200, headers: versionHeaders(v), body: v.text };
}

export function deleteResource(state: ServerState, type: string, id: string): HttpReply {
  if (type === "SearchParameter" && state.store.read(type, id) !== undefined)
    checkSearchParameterDelete(state);
  const v = state.store.softDelete(type, id);
  return { status: 204, headers: v === undefined ? {} : { ETag: `W/"${v.versionId}"` } };
}
