/**
 * Resources the migration recorded as refused by the destination ("known, not migrated"): the
 * verification reports them, and does not count their absence on the destination as a loss it
 * failed to find. Every one of them is also on the status page with its reason.
 */
import type { EngineDeps } from "../engine/deps";
import type { DeepResourceResult, KnownFailures } from "./types";
import { REPORTED_FAILURES } from "./types";

/** What a user can do about a refused resource (docs/operations.md, "Resources the destination refuses"). */
export const KNOWN_FAILURE_ACTION =
  "fix the value on the source (or send a corrected version to the destination), or export through an anonymization rule that changes it; see docs/operations.md";

/** Reads the failed-resource rows once: totals per type and the first few, for the plan. */
export async function loadKnownFailures(deps: EngineDeps): Promise<KnownFailures> {
  const byType = new Map<string, number>();
  const items: KnownFailures["items"] = [];
  let total = 0;
  for await (const f of deps.state.listFailedResources()) {
    total++;
    byType.set(f.resourceType, (byType.get(f.resourceType) ?? 0) + 1);
    if (items.length < REPORTED_FAILURES) {
      items.push({
        type: f.resourceType,
        id: f.id,
        version: f.isolated?.version ?? null,
        reason: f.reason,
        inputUrl: f.inputUrl,
        line: f.isolated?.line ?? null,
        window: f.isolated === undefined ? null : `${f.isolated.since} to ${f.isolated.till}`,
      });
    }
  }
  return {
    total,
    byType: [...byType.entries()]
      .map(([type, count]) => ({ type, count }))
      .sort((a, b) => (a.type < b.type ? -1 : 1)),
    items,
    action: KNOWN_FAILURE_ACTION,
  };
}

/** `Type/id/version` of every recorded failed version of one type (`Type/id/` when the version is unknown). */
export async function knownFailureKeys(deps: EngineDeps, type: string): Promise<Set<string>> {
  const all = await allKnownFailureKeys(deps);
  return new Set([...all].filter((k) => k.startsWith(`${type}/`)));
}

/** `Type/id/version` of every recorded failed version of every type (`Type/id/` when the version is unknown). */
export async function allKnownFailureKeys(deps: EngineDeps): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const f of deps.state.listFailedResources()) {
    keys.add(`${f.resourceType}/${f.id}/${f.isolated?.version ?? ""}`);
  }
  return keys;
}

/**
 * A deep check result whose only problems are missing versions that are known failures passes,
 * with a note naming them: they are reported as "known, not migrated", not as something the check
 * found. Any other finding keeps the result as it is.
 */
export function excuseKnownFailures(
  result: DeepResourceResult,
  keys: ReadonlySet<string>,
): DeepResourceResult {
  if (result.result !== "Fail" || result.findings.length === 0) return result;
  const known = (versionId: string) =>
    keys.has(`${result.type}/${result.id}/${versionId}`) ||
    keys.has(`${result.type}/${result.id}/`);
  const excused = result.findings.every((f) => f.problem === "missing" && known(f.versionId));
  if (!excused) return result;
  return {
    ...result,
    result: "Pass",
    note: `known, not migrated: version(s) ${result.findings.map((f) => f.versionId).join(", ")} refused by the destination (recorded as failed resources)`,
  };
}
