/**
 * Compares one sampled resource between the servers.
 *
 * Current mode (history not migrated): the source's current version is read, then the same id and
 * versionId is read on the destination (`$import` IncrementalLoad keeps versionId and lastUpdated,
 * docs/server-behaviour.md §4.4). History mode: both servers' `_history` of the resource are listed and matched by
 * versionId, which also shows versions missing on, or extra on, the destination; a deleted version
 * matches a deleted version (the destination stores an imported soft delete as deleted and drops the
 * marker extension, docs/server-behaviour.md §4.4). SearchParameters are copied by PUT (docs/server-behaviour.md §6): current
 * versions are compared without meta.versionId and meta.lastUpdated.
 *
 * A version missing on the destination whose lastUpdated is at or after the watermark is
 * "not migrated yet" (Behind), not a failure.
 */
import { canonicalInstant, compareResources } from "../core/resourceDiff";
import { SEARCH_PARAMETER_TYPE } from "../core/resourceTypes";
import type { EngineDeps } from "../engine/deps";
import { ensureError } from "../errors";
import type { FhirResource } from "../fhir/types";
import { listVersions } from "./paging";
import type { DeepResourceResult, ResourceResult, VersionFinding } from "./types";

export interface CompareContext {
  /** Compare every version (history migrated) or the current one. */
  history: boolean;
  migratesDeletes: boolean;
  watermark: string | null;
}

function isAtOrAfterWatermark(lastUpdated: string | undefined, watermark: string | null): boolean {
  if (watermark === null || lastUpdated === undefined) return false;
  const at = canonicalInstant(lastUpdated);
  return at !== undefined && Date.parse(at) >= Date.parse(watermark);
}

function finding(
  versionId: string,
  problem: VersionFinding["problem"],
  note: string | null = null,
  paths: VersionFinding["paths"] = [],
): VersionFinding {
  return { versionId, problem, paths, note };
}

function resultOf(findings: readonly VersionFinding[]): ResourceResult {
  if (findings.some((f) => f.problem !== "not-migrated-yet")) return "Fail";
  return findings.length > 0 ? "Behind" : "Pass";
}

async function destinationHas(deps: EngineDeps, type: string, id: string): Promise<string> {
  const current = await deps.destination.read(type, id);
  const version = current?.meta?.versionId;
  return current === undefined
    ? "the destination has no current version of it"
    : `the destination's current version is ${version ?? "(no versionId)"}`;
}

async function compareSearchParameter(
  deps: EngineDeps,
  id: string,
  source: FhirResource,
): Promise<Omit<DeepResourceResult, "type" | "id">> {
  const versionId = source.meta?.versionId ?? "current";
  const destination = await deps.destination.read(SEARCH_PARAMETER_TYPE, id);
  if (destination === undefined) {
    return {
      result: "Fail",
      versionsCompared: 0,
      findings: [finding(versionId, "missing", "the SearchParameter is not on the destination")],
      note: null,
    };
  }
  const paths = compareResources(source, destination, { ignoreVersionMeta: true });
  const findings = paths.length > 0 ? [finding(versionId, "content", null, paths)] : [];
  return { result: resultOf(findings), versionsCompared: 1, findings, note: null };
}

async function compareCurrent(
  deps: EngineDeps,
  type: string,
  id: string,
  ctx: CompareContext,
): Promise<Omit<DeepResourceResult, "type" | "id">> {
  const source = await deps.source.read(type, id);
  if (source === undefined) {
    return {
      result: "Behind",
      versionsCompared: 0,
      findings: [],
      note: "deleted on the source after it was sampled; not compared",
    };
  }
  if (type === SEARCH_PARAMETER_TYPE) return compareSearchParameter(deps, id, source);
  const versionId = source.meta?.versionId;
  if (versionId === undefined || versionId === "") {
    throw new Error(`the source's ${type}/${id} has no meta.versionId`);
  }
  const destination = await deps.destination.vread(type, id, versionId);
  let findings: VersionFinding[];
  if (!destination.found) {
    const where = await destinationHas(deps, type, id);
    findings = [
      isAtOrAfterWatermark(source.meta?.lastUpdated, ctx.watermark)
        ? finding(versionId, "not-migrated-yet", `changed at or after the watermark; ${where}`)
        : finding(versionId, "missing", where),
    ];
  } else if (destination.deleted) {
    findings = [finding(versionId, "deleted-on-destination")];
  } else {
    const paths = compareResources(source, destination.resource);
    findings = paths.length > 0 ? [finding(versionId, "content", null, paths)] : [];
  }
  return { result: resultOf(findings), versionsCompared: 1, findings, note: null };
}

async function compareHistory(
  deps: EngineDeps,
  type: string,
  id: string,
  ctx: CompareContext,
): Promise<Omit<DeepResourceResult, "type" | "id">> {
  const source = await listVersions(deps.source, type, id);
  if (source.length === 0) {
    return {
      result: "Behind",
      versionsCompared: 0,
      findings: [],
      note: "no longer on the source (hard-deleted after it was sampled); not compared",
    };
  }
  const destination = new Map(
    (await listVersions(deps.destination, type, id)).map((v) => [v.versionId, v]),
  );
  const findings: VersionFinding[] = [];
  let compared = 0;
  let skippedDeletes = 0;
  const sourceIds = new Set<string>();
  for (const s of source) {
    sourceIds.add(s.versionId);
    const d = destination.get(s.versionId);
    if (s.deleted && !ctx.migratesDeletes) {
      skippedDeletes++;
      if (d !== undefined && !d.deleted) {
        findings.push(
          finding(
            s.versionId,
            "deleted-on-source",
            "the source version is a delete, the destination's is not",
          ),
        );
      }
      continue;
    }
    compared++;
    if (d === undefined) {
      findings.push(
        isAtOrAfterWatermark(s.lastUpdated, ctx.watermark)
          ? finding(s.versionId, "not-migrated-yet", "changed at or after the watermark")
          : finding(s.versionId, "missing"),
      );
    } else if (s.deleted && d.deleted) {
      // Both deleted: the same state; a deleted version's body is not part of the resource's data.
    } else if (s.deleted) {
      findings.push(
        finding(
          s.versionId,
          "deleted-on-source",
          "the source version is a delete, the destination's is not",
        ),
      );
    } else if (d.deleted) {
      findings.push(finding(s.versionId, "deleted-on-destination"));
    } else {
      const paths = compareResources(s.resource, d.resource);
      if (paths.length > 0) findings.push(finding(s.versionId, "content", null, paths));
    }
  }
  for (const d of destination.values()) {
    if (!sourceIds.has(d.versionId))
      findings.push(finding(d.versionId, "extra", "only the destination has this version"));
  }
  const note =
    skippedDeletes > 0
      ? `${skippedDeletes} deleted version(s) not expected on the destination: deletes are not migrated (AZURE_ExportWithDelete=false)`
      : null;
  return { result: resultOf(findings), versionsCompared: compared, findings, note };
}

/** Never throws for a server answer: an error is this resource's result ("Error"), with the message. */
export async function compareSampledResource(
  deps: EngineDeps,
  type: string,
  id: string,
  ctx: CompareContext,
): Promise<DeepResourceResult> {
  try {
    // SearchParameters get new versions on the destination: only their current versions compare.
    const outcome =
      ctx.history && type !== SEARCH_PARAMETER_TYPE
        ? await compareHistory(deps, type, id, ctx)
        : await compareCurrent(deps, type, id, ctx);
    return { type, id, ...outcome };
  } catch (thrown) {
    return {
      type,
      id,
      result: "Error",
      versionsCompared: 0,
      findings: [],
      note: `could not be compared: ${ensureError(thrown).message}`,
    };
  }
}
