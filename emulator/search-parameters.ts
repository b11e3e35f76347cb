/**
 * Writes of SearchParameter resources, checked the way the server checks them before it stores one:
 * - SearchParameterValidator.ValidateSearchParameterInput (src/Microsoft.Health.Fhir.Shared.Core/
 *   Features/Search/Parameters/SearchParameterValidator.cs): a missing url is 400; a PUT of a
 *   system-defined url is 405 (MethodNotAllowedException); a POST of a url that exists is 400; a code
 *   that another definition of the same base type already uses with another type or expression is 400;
 * - CreateOrUpdateSearchParameterBehavior.cs: a url owned by another resource is 400;
 * - the status upsert (CosmosDbSearchParameterStatusDataStore.UpsertStatuses on Cosmos,
 *   dbo.MergeSearchParams on SQL): any change while a reindex job is active is 409 (JobConflictException).
 * The emulator knows a handful of the specification's definitions (SYSTEM_PARAMETERS) for code
 * conflicts, and treats every url under http://hl7.org/fhir/SearchParameter/ as system-defined.
 */
import { badRequest, FhirHttpError } from "./http-io";
import type { LosslessObject } from "../src/core/losslessJson";
import * as msg from "./messages";
import type { ServerState } from "./state";

const SYSTEM_URL_PREFIX = "http://hl7.org/fhir/SearchParameter/";

interface Definition {
  url: string;
  code: string;
  base: string[];
  type: string;
  expression: string;
}

/** A few definitions of the FHIR R4 specification (search-parameters.json) the server loads at start. */
const SYSTEM_PARAMETERS: readonly Definition[] = [
  ["Resource-id", "_id", ["Resource"], "token", "Resource.id"],
  ["Resource-lastUpdated", "_lastUpdated", ["Resource"], "date", "Resource.meta.lastUpdated"],
  ["Resource-tag", "_tag", ["Resource"], "token", "Resource.meta.tag"],
  ["Resource-profile", "_profile", ["Resource"], "uri", "Resource.meta.profile"],
  ["Resource-security", "_security", ["Resource"], "token", "Resource.meta.security"],
  ["Resource-source", "_source", ["Resource"], "uri", "Resource.meta.source"],
  ["individual-gender", "gender", ["Patient"], "token", "Patient.gender"],
  ["individual-birthdate", "birthdate", ["Patient"], "date", "Patient.birthDate"],
  ["individual-family", "family", ["Patient"], "string", "Patient.name.family"],
  ["Patient-identifier", "identifier", ["Patient"], "token", "Patient.identifier"],
  ["Observation-status", "status", ["Observation"], "token", "Observation.status"],
  ["clinical-code", "code", ["Observation"], "token", "Observation.code"],
  ["Encounter-status", "status", ["Encounter"], "token", "Encounter.status"],
].map(([id, code, base, type, expression]) => ({
  url: `${SYSTEM_URL_PREFIX}${id as string}`,
  code: code as string,
  base: base as string[],
  type: type as string,
  expression: expression as string,
}));

function definitionOf(obj: LosslessObject | Record<string, unknown>): Partial<Definition> {
  const str = (k: string): string | undefined =>
    typeof obj[k] === "string" ? (obj[k] as string) : undefined;
  const base = Array.isArray(obj["base"])
    ? (obj["base"] as unknown[]).filter((b): b is string => typeof b === "string")
    : [];
  return {
    ...(str("url") !== undefined ? { url: str("url") } : {}),
    ...(str("code") !== undefined ? { code: str("code") } : {}),
    ...(str("type") !== undefined ? { type: str("type") } : {}),
    ...(str("expression") !== undefined ? { expression: str("expression") } : {}),
    base,
  };
}

/** Stored custom definitions, with the id of the resource that holds each. */
function customDefinitions(state: ServerState): { id: string; def: Partial<Definition> }[] {
  return state.store
    .currentVersions("SearchParameter")
    .map((v) => ({ id: v.id, def: definitionOf(v.resource as Record<string, unknown>) }));
}

function basesOverlap(a: readonly string[], b: readonly string[]): boolean {
  const wide = (t: string): boolean => t === "Resource" || t === "DomainResource";
  return a.some((x) => b.some((y) => x === y || wide(x) || wide(y)));
}

/** SearchParameterComparer.CompareExpression: equal, or one union a superset of the other. */
function compatibleExpressions(a: string | undefined, b: string | undefined): boolean {
  const parts = (e: string | undefined): Set<string> =>
    new Set((e ?? "").split("|").map((p) => p.replace(/\s+/g, "")));
  const pa = parts(a);
  const pb = parts(b);
  return [...pa].every((p) => pb.has(p)) || [...pb].every((p) => pa.has(p));
}

function conflictingCode(state: ServerState, incoming: Partial<Definition>): string | undefined {
  if (incoming.code === undefined) return undefined;
  const existing: Partial<Definition>[] = [
    ...SYSTEM_PARAMETERS,
    ...customDefinitions(state).map((c) => c.def),
  ];
  for (const baseType of incoming.base ?? []) {
    for (const other of existing) {
      if (other.code !== incoming.code || !basesOverlap([baseType], other.base ?? [])) continue;
      const sameType = (other.type ?? "").toLowerCase() === (incoming.type ?? "").toLowerCase();
      if (!sameType || !compatibleExpressions(incoming.expression, other.expression)) {
        return msg.searchParameterConflictingCode(incoming.code, baseType);
      }
    }
  }
  return undefined;
}

/** The active reindex job's id, if one runs. */
function refuseDuringReindex(state: ServerState): void {
  const active = state.reindexJobs.activeId();
  if (active !== undefined) {
    throw new FhirHttpError(409, msg.searchParametersLockedByReindex(active), "conflict");
  }
}

/** Checks a POST (create) or PUT (update by `id`) of a SearchParameter; throws the server's error. */
export function checkSearchParameterWrite(
  state: ServerState,
  method: "POST" | "PUT",
  obj: LosslessObject,
  id: string | undefined,
): void {
  const incoming = definitionOf(obj);
  const url = incoming.url;
  if (url === undefined || url === "") throw badRequest(msg.SEARCH_PARAMETER_MISSING_URI);
  const system = url.startsWith(SYSTEM_URL_PREFIX);
  const owner = customDefinitions(state).find((c) => c.def.url === url);
  if (system && method === "PUT") {
    throw new FhirHttpError(405, msg.searchParameterSystemDefined(url), "forbidden");
  }
  if (method === "POST" && (system || owner !== undefined)) {
    throw badRequest(msg.searchParameterDuplicatedUrl(url));
  }
  const conflict = conflictingCode(state, incoming);
  if (conflict !== undefined) throw badRequest(conflict);
  if (method === "PUT" && owner !== undefined && owner.id !== id) {
    throw badRequest(msg.searchParameterDuplicatedUrl(url));
  }
  refuseDuringReindex(state);
}

/** A DELETE of a SearchParameter changes its status too (DeleteSearchParameterBehavior.cs). */
export function checkSearchParameterDelete(state: ServerState): void {
  refuseDuringReindex(state);
}
