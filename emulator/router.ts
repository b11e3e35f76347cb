/**
 * Routing: which operation a request is (for stats and faults) and which handler answers it.
 * Route shapes follow KnownRoutes (docs/server-behaviour.md §0); unknown resource types do not match any
 * route and get 404 "The requested route was not found.".
 */
import { handleBundle } from "./batch";
import { parseExportRequest, type ExportLevel } from "./export-request";
import { isKnownResourceType } from "./fhir-resource-types";
import { badRequest, FhirHttpError, type HttpReply, notFound } from "./http-io";
import { parseImportRequest } from "./import-request";
import * as msg from "./messages";
import { preferStrict, type FhirRequest } from "./request";
import {
  createResource,
  deleteResource,
  readResource,
  updateResource,
  vreadResource,
} from "./rest-handlers";
import { executeSearch } from "./search";
import { parseSearchQuery, type SearchScope } from "./search-query";
import type { ServerState } from "./state";
import type { Operation } from "./types";

function isCountRequest(req: FhirRequest): boolean {
  return req.pairs.some(
    ([k, v]) =>
      (k.toLowerCase() === "_summary" && v.toLowerCase() === "count") ||
      (k === "_count" && v === "0"),
  );
}

export function classify(req: FhirRequest): Operation | undefined {
  const s = req.segments;
  const m = req.method;
  if (s[0] === "_operations" && s.length === 3) {
    if (s[1] === "reindex") return "reindex";
    if (s[1] !== "export" && s[1] !== "import") return undefined;
    return m === "DELETE" ? `${s[1]}-cancel` : `${s[1]}-status`;
  }
  if (s.includes("$export")) return "export-kickoff";
  if (s[0] === "$import") return "import-kickoff";
  if (s[0] === "$reindex") return "reindex";
  // The capability statement is no data operation: counted in the total only.
  if (s[0] === "metadata") return undefined;
  if (m === "GET" && isCountRequest(req)) return "count";
  if (s.length === 0) return m === "POST" ? "batch" : "search";
  if (s.includes("_history")) return s.length === 4 ? "read" : "history";
  if (s.length === 1) return m === "POST" ? "write" : "search";
  if (s.length === 2) return m === "GET" ? "read" : "write";
  return undefined;
}

const methodNotAllowed = (allow: string): HttpReply => ({ status: 405, headers: { Allow: allow } });

function search(state: ServerState, req: FhirRequest, scope: SearchScope): HttpReply {
  const now = state.clock.now();
  const q = parseSearchQuery(scope, req.pairs, preferStrict(req), now);
  const operation: Operation = scope.kind === "history" ? "history" : "search";
  return executeSearch(
    state.store,
    q,
    {
      baseUrl: state.baseUrl,
      pathname: req.pathname,
      pairs: req.pairs,
      now,
      countLimit: state.countLimit,
    },
    {
      take: (query) =>
        state.faults.takePageFault({ operation, path: req.pathname, position: query.pageNumber }),
      draw: () => state.faults.draw(),
    },
  );
}

function exportKickOff(state: ServerState, req: FhirRequest, level: ExportLevel): HttpReply {
  const def = parseExportRequest(req, level, state.flavour);
  const id = state.exportJobs.create(def, req.rawUrl, state.faults.takeJobFault("export-kickoff"));
  return {
    status: 202,
    headers: { "Content-Location": `${state.baseUrl}/_operations/export/${id}` },
  };
}

function importKickOff(state: ServerState, req: FhirRequest): HttpReply {
  const def = parseImportRequest(req, state.initialImportMode, state.blobs);
  const location = (id: number): HttpReply => ({
    status: 202,
    headers: { "Content-Location": `${state.baseUrl}/_operations/import/${id}` },
  });
  // Identical definitions return the existing job, even a finished one (docs/server-behaviour.md §3.6).
  const existing = state.importJobs.existing(def.hash);
  if (existing !== undefined) return location(existing);
  if (state.importJobs.runningCount() >= state.importJobs.maxJobs) {
    throw new FhirHttpError(429, msg.TOO_MANY_IMPORT_JOBS, "throttled", { "Retry-After": "60" });
  }
  return location(
    state.importJobs.create(def, req.rawUrl, state.faults.takeJobFault("import-kickoff")),
  );
}

function operations(
  state: ServerState,
  req: FhirRequest,
  kind: string,
  id: string,
): HttpReply | Promise<HttpReply> {
  if (req.method !== "GET" && req.method !== "DELETE") return methodNotAllowed("GET, DELETE");
  const get = req.method === "GET";
  if (kind === "export") return get ? state.exportJobs.status(id) : state.exportJobs.cancel(id);
  if (kind === "import") {
    const details = req.pairs.some(([k, v]) => k === "_details" && v.toLowerCase() === "true");
    return get ? state.importJobs.status(id, details) : state.importJobs.cancel(id);
  }
  if (kind === "reindex") return get ? state.reindexJobs.status(id) : state.reindexJobs.cancel(id);
  throw notFound(msg.ROUTE_NOT_FOUND);
}

function capabilityStatement(state: ServerState): HttpReply {
  return {
    status: 200,
    body: {
      resourceType: "CapabilityStatement",
      status: "active",
      kind: "instance",
      fhirVersion: "4.0.1",
      format: ["json"],
      software: { name: "Microsoft FHIR Server (emulator)" },
      implementation: {
        description: `FHIR server emulator (${state.flavour})`,
        url: state.baseUrl,
      },
    },
  };
}

/** Answers one request (HTTP or batch entry) after auth, faults and locks were handled. */
export async function dispatch(state: ServerState, req: FhirRequest): Promise<HttpReply> {
  const s = req.segments;
  const m = req.method;
  const [s0 = "", s1 = "", s2 = ""] = s;
  if (s.length === 0) {
    if (m === "GET") return search(state, req, { kind: "search" });
    if (m === "POST") return handleBundle(state, req, (r) => dispatch(state, r));
    return methodNotAllowed("GET, POST");
  }
  if (s0 === "metadata" && s.length === 1)
    return m === "GET" ? capabilityStatement(state) : methodNotAllowed("GET");
  if (s0 === "$export" && s.length === 1) {
    // Only GET is routed for export kick-off (docs/server-behaviour.md §1.1).
    return m === "GET" ? exportKickOff(state, req, { kind: "system" }) : methodNotAllowed("GET");
  }
  if (s0 === "$import" && s.length === 1)
    return m === "POST" ? importKickOff(state, req) : methodNotAllowed("POST");
  if (s0 === "$reindex" && s.length === 1) {
    return m === "POST" ? state.reindexJobs.create(req.body) : methodNotAllowed("POST");
  }
  if (s0 === "_history" && s.length === 1)
    return m === "GET" ? search(state, req, { kind: "history" }) : methodNotAllowed("GET");
  if (s0 === "_operations" && s.length === 3) return operations(state, req, s1, s2);

  if (s1 === "$export" && s.length === 2) {
    if (m !== "GET") return methodNotAllowed("GET");
    if (s0 !== "Patient") throw badRequest(msg.unsupportedResourceType(s0));
    return exportKickOff(state, req, { kind: "patient" });
  }
  if (s2 === "$export" && s.length === 3) {
    if (m !== "GET") return methodNotAllowed("GET");
    if (s0 !== "Group" || s1 === "") throw badRequest(msg.unsupportedResourceType(s0));
    return exportKickOff(state, req, { kind: "group", groupId: s1 });
  }

  if (!isKnownResourceType(s0)) throw notFound(msg.ROUTE_NOT_FOUND);
  if (s.length === 1) {
    if (m === "GET") return search(state, req, { kind: "search", resourceType: s0 });
    if (m === "POST") return createResource(state, s0, req.body, req.bundleEntry === true);
    return methodNotAllowed("GET, POST");
  }
  if (s1 === "_history" && s.length === 2) {
    return m === "GET"
      ? search(state, req, { kind: "history", resourceType: s0 })
      : methodNotAllowed("GET");
  }
  if (s.length === 2) {
    if (m === "GET") return readResource(state, s0, s1);
    if (m === "PUT") return updateResource(state, s0, s1, req.body, req.bundleEntry === true);
    if (m === "DELETE") return deleteResource(state, s0, s1);
    return methodNotAllowed("GET, PUT, DELETE");
  }
  if (s2 === "_history" && s.length === 3) {
    return m === "GET"
      ? search(state, req, { kind: "history", resourceType: s0, resourceId: s1 })
      : methodNotAllowed("GET");
  }
  if (s2 === "_history" && s.length === 4) {
    return m === "GET" ? vreadResource(state, s0, s1, s[3] as string) : methodNotAllowed("GET");
  }
  throw notFound(msg.ROUTE_NOT_FOUND);
}
