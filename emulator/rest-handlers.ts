/**
 * Resource interactions: create (POST, server id), update (PUT, create or new version), read
 * (410 when deleted, 404 when unknown), vread, and soft delete (a deleted version, 204).
 */
import { randomUUID } from "node:crypto";
import { indexFailure } from "./decimal";
import { parseRefusal } from "./fhir-parse";
import { badRequest, FhirHttpError, type HttpReply, notFound, operationOutcome } from "./http-io";
import { isLosslessObject, parseLossless, type LosslessObject } from "../src/core/losslessJson";
import * as msg from "./messages";
import { RESOURCE_ID_PATTERN, stringProperty, withServerMeta } from "./resource-body";
import { checkSearchParameterDelete, checkSearchParameterWrite } from "./search-parameters";
import type { ServerState } from "./state";
import type { StoredVersion } from "./stored-version";

/** `lenient`: a bundle entry, parsed with unknown elements and codes allowed (fhir-parse.ts). */
function parseResourceBody(body: string, lenient: boolean): LosslessObject {
  let value;
  try {
    value = parseLossless(body);
  } catch (error) {
    throw badRequest(msg.parsingError((error as Error).message));
  }
  if (!isLosslessObject(value))
    throw badRequest(msg.parsingError("a resource must be a JSON object"));
  const refusal = lenient ? undefined : parseRefusal(value);
  if (refusal !== undefined) throw badRequest(msg.parsingError(refusal));
  return value;
}

function checkResource(state: ServerState, obj: LosslessObject, type: string): void {
  if (stringProperty(obj, "resourceType") !== type) throw badRequest(msg.RESOURCE_TYPE_MISMATCH);
  if (state.flavour === "ahds") {
    // decimal(36,18) search index columns on the SQL store (emulator/decimal.ts): the write's merge
    // throws while SqlClient writes the index rows. OperationOutcomeExceptionFilterAttribute.cs maps
    // the OverflowException of 1e20 and more to 400 "too-long" with its message; the
    // SqlTruncateException of 1e18 up to 1e20 is no exception it knows: 500 with no diagnostics.
    // Extra fraction digits are rounded, not refused.
    const failure = indexFailure(obj);
    if (failure === "overflow") throw new FhirHttpError(400, msg.ARITHMETIC_OVERFLOW, "too-long");
    if (failure === "truncation") throw new FhirHttpError(500, "", "unknown");
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

export function createResource(
  state: ServerState,
  type: string,
  body: string,
  bundleEntry = false,
): HttpReply {
  const obj = parseResourceBody(body, bundleEntry);
  checkResource(state, obj, type);
  if (type === "SearchParameter") checkSearchParameterWrite(state, "POST", obj, undefined);
  return written(state, state.store.writeVersion(obj, type, randomUUID(), "POST"), 201);
}

/**
 * Both stores keep the existing version when the new content equals it apart from
 * meta.versionId/lastUpdated: the SQL store in SqlServerFhirDataStore.MergeInternalAsync
 * (ExistingRawResourceIsEqualToInput: "Update operation resulted in no changes"), the Cosmos store
 * in CosmosFhirDataStore.UpsertAsync (RemoveVersionIdAndLastUpdatedFromMeta compared: "update with
 * no impact"); the existing resource is returned as Updated (200). The E2E test
 * UpdateTests.GivenTheResource_WhenUpdatingAnExistingResourceWithNoDataChange_ThenServerShouldNotCreateAVersionAndSendOk
 * runs on DataStore.All. A deleted resource is written again.
 */
function unchanged(obj: LosslessObject, before: StoredVersion): boolean {
  if (before.deleted) return false;
  return withServerMeta(obj, before.id, before.versionId, before.lastUpdated) === before.text;
}

export function updateResource(
  state: ServerState,
  type: string,
  id: string,
  body: string,
  bundleEntry = false,
): HttpReply {
  const obj = parseResourceBody(body, bundleEntry);
  checkResource(state, obj, type);
  const bodyId = stringProperty(obj, "id");
  if (bodyId === undefined) throw badRequest(msg.RESOURCE_ID_REQUIRED);
  if (bodyId !== id) throw badRequest(msg.URL_ID_MISMATCH);
  if (!RESOURCE_ID_PATTERN.test(id)) throw badRequest(msg.invalidResourceId(id));
  if (type === "SearchParameter") checkSearchParameterWrite(state, "PUT", obj, id);
  const before = state.store.current(type, id);
  if (before !== undefined && unchanged(obj, before)) return written(state, before, 200);
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
