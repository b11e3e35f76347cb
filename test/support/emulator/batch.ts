/**
 * POST {base} with a Bundle: "batch" runs each entry independently and answers a batch-response
 * with a status per entry ("201 Created", "200 OK", 4xx with an OperationOutcome). "transaction"
 * is only supported by AHDS (IsTransactionSupported=false on Azure API for FHIR, protocol
 * reference 5.4); the emulator validates every entry before running any, and fails the whole
 * transaction on the first failing entry.
 */
import { randomUUID } from "node:crypto";
import { badRequest, FhirHttpError, type HttpReply, statusText } from "./http-io";
import {
  isLosslessObject,
  parseLossless,
  RawJson,
  stringifyLossless,
  type LosslessValue,
} from "./lossless-json";
import * as msg from "./messages";
import { parseRequestTarget, type FhirRequest } from "./request";
import type { ServerState } from "./state";

export type Dispatch = (req: FhirRequest) => Promise<HttpReply>;

interface EntryRequest {
  method: string;
  url: string;
  req?: FhirRequest;
  error?: FhirHttpError;
}

function toEntryRequest(
  state: ServerState,
  entry: LosslessValue,
  parent: FhirRequest,
): EntryRequest {
  const e = isLosslessObject(entry) ? entry : {};
  const request = isLosslessObject(e["request"]) ? e["request"] : {};
  const method = typeof request["method"] === "string" ? request["method"].toUpperCase() : "";
  let url = typeof request["url"] === "string" ? request["url"] : "";
  if (url === "") return { method, url, error: badRequest(msg.BUNDLE_ENTRY_URL_REQUIRED) };
  if (url.startsWith(state.baseUrl)) url = url.slice(state.baseUrl.length);
  if (!url.startsWith("/")) url = `/${url}`;
  const target = parseRequestTarget(url);
  if (target.segments.some((s) => s.startsWith("$") || s === "_operations")) {
    return {
      method,
      url,
      error: badRequest(`Requested operation '${url}' is not supported using ${method}.`),
    };
  }
  if (!["GET", "POST", "PUT", "DELETE"].includes(method)) {
    return {
      method,
      url,
      error: badRequest(`Requested operation '${url}' is not supported using ${method}.`),
    };
  }
  const resource = e["resource"];
  return {
    method,
    url,
    req: {
      method,
      ...target,
      rawUrl: url,
      headers: { "content-type": "application/fhir+json", prefer: parent.headers["prefer"] },
      body: resource === undefined ? "" : stringifyLossless(resource),
    },
  };
}

function responseEntry(reply: HttpReply): Record<string, unknown> {
  const h = reply.headers ?? {};
  const response: Record<string, unknown> = { status: statusText(reply.status) };
  if (h["Location"] !== undefined) response["location"] = h["Location"];
  if (h["ETag"] !== undefined) response["etag"] = h["ETag"];
  if (h["Last-Modified"] !== undefined)
    response["lastModified"] = new Date(h["Last-Modified"]).toISOString();
  const isError = reply.status >= 400;
  if (isError && reply.body !== undefined) response["outcome"] = reply.body;
  const entry: Record<string, unknown> = {};
  if (!isError && typeof reply.body === "string") entry["resource"] = new RawJson(reply.body);
  else if (!isError && reply.body !== undefined) entry["resource"] = reply.body;
  entry["response"] = response;
  return entry;
}

async function run(dispatch: Dispatch, r: EntryRequest): Promise<HttpReply> {
  if (r.error !== undefined || r.req === undefined)
    return (r.error ?? badRequest(msg.BUNDLE_ENTRY_URL_REQUIRED)).toReply();
  try {
    return await dispatch(r.req);
  } catch (error) {
    if (error instanceof FhirHttpError) return error.toReply();
    throw error;
  }
}

export async function handleBundle(
  state: ServerState,
  req: FhirRequest,
  dispatch: Dispatch,
): Promise<HttpReply> {
  let bundle: LosslessValue;
  try {
    bundle = parseLossless(req.body);
  } catch (error) {
    throw badRequest(msg.parsingError((error as Error).message));
  }
  if (!isLosslessObject(bundle) || bundle["resourceType"] !== "Bundle")
    throw badRequest(msg.BUNDLE_REQUIRED);
  const type = bundle["type"];
  const transaction = type === "transaction";
  if (type !== "batch" && !(transaction && state.flavour === "ahds")) {
    throw badRequest(msg.invalidBundleType(typeof type === "string" ? type : ""));
  }
  const entries = Array.isArray(bundle["entry"]) ? bundle["entry"] : [];
  const requests = entries.map((e) => toEntryRequest(state, e, req));

  if (transaction) {
    const invalid = requests.find((r) => r.error !== undefined);
    if (invalid !== undefined) throw badRequest(msg.transactionFailed(invalid.method, invalid.url));
  }
  const responses: Record<string, unknown>[] = [];
  for (const r of requests) {
    const reply = await run(dispatch, r);
    if (transaction && reply.status >= 400)
      throw badRequest(msg.transactionFailed(r.method, r.url));
    responses.push(responseEntry(reply));
  }
  return {
    status: 200,
    body: {
      resourceType: "Bundle",
      id: randomUUID(),
      type: transaction ? "transaction-response" : "batch-response",
      entry: responses,
    },
  };
}
