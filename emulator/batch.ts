/**
 * POST {base} with a Bundle: "batch" runs each entry independently and answers a batch-response
 * with a status per entry. "transaction" is only supported by AHDS (IsTransactionSupported=false on
 * Azure API for FHIR, docs/server-behaviour.md §5.4); the emulator validates every entry before running
 * any, and fails the whole transaction on the first failing entry. As BundleHandler.cs
 * (src/Microsoft.Health.Fhir.Shared.Api/Features/Resources/Bundle/) does:
 * - entries run grouped by verb, DELETE, POST, PUT, PATCH, GET, HEAD (R4 BundleHandler
 *   `_verbExecutionOrder`), and answer in their request positions;
 * - an entry's status is the bare code, "201" (CreateEntryComponent: `StatusCode.ToString()`);
 * - once an entry of a batch is throttled (429 after the one retry), every entry executed after it
 *   answers that same 429 entry without running.
 */
import { randomUUID } from "node:crypto";
import { badRequest, FhirHttpError, type HttpReply } from "./http-io";
import {
  isLosslessObject,
  parseLossless,
  RawJson,
  stringifyLossless,
  type LosslessValue,
} from "../src/core/losslessJson";
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
      bundleEntry: true,
      method,
      ...target,
      rawUrl: url,
      headers: { "content-type": "application/fhir+json", prefer: parent.headers["prefer"] },
      body: resource === undefined ? "" : stringifyLossless(resource),
    },
  };
}

const VERB_ORDER = ["DELETE", "POST", "PUT", "PATCH", "GET", "HEAD"];

function responseEntry(reply: HttpReply): Record<string, unknown> {
  const h = reply.headers ?? {};
  const response: Record<string, unknown> = { status: String(reply.status) };
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

function verbRank(method: string): number {
  const rank = VERB_ORDER.indexOf(method);
  return rank === -1 ? VERB_ORDER.length : rank;
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
  const throttleAt = transaction ? undefined : state.faults.takeBatchFault("batch");
  const order = requests
    .map((r, i) => ({ r, i }))
    .sort((a, b) => verbRank(a.r.method) - verbRank(b.r.method) || a.i - b.i);
  const responses: Record<string, unknown>[] = new Array(requests.length);
  let throttled: Record<string, unknown> | undefined;
  for (const { r, i } of order) {
    if (throttled !== undefined && r.error === undefined) {
      responses[i] = throttled;
      continue;
    }
    if (throttleAt !== undefined && i === (throttleAt.entry ?? 0) && r.error === undefined) {
      throttled = responseEntry(
        new FhirHttpError(429, msg.REQUEST_RATE_EXCEEDED, "throttled").toReply(),
      );
      responses[i] = throttled;
      continue;
    }
    const reply = await run(dispatch, r);
    if (transaction && reply.status >= 400)
      throw badRequest(msg.transactionFailed(r.method, r.url));
    responses[i] = responseEntry(reply);
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
