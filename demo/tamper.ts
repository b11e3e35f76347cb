import type { FhirEmulator } from "../test/support/emulator";
import { seededRandom } from "../test/support/syntheticData";
import type { VerificationReport } from "../src/verify/types";

export interface Tampering {
  /** Destination resources whose current version was changed in place (same versionId). */
  changed: { type: string; id: string; path: string }[];
  /** Removed from the destination entirely. */
  missingOnDestination: { type: string; id: string };
  /** Hard-deleted on the source after the copy: invisible to $export. */
  hardDeletedOnSource: { type: string; id: string };
}

const key = (r: { type: string; id: string }) => `${r.type}/${r.id}`;

/**
 * What silent damage looks like: N destination resources changed without a new version (as a bad
 * write or a bug would leave them), one destination resource gone, one source resource hard-deleted.
 */
export function tamper(
  source: FhirEmulator,
  destination: FhirEmulator,
  count: number,
  seed: number,
): Tampering {
  const random = seededRandom(seed + 7);
  const candidates = source.store
    .currentVersions()
    .filter(
      (v) =>
        !v.deleted &&
        v.resourceType !== "SearchParameter" &&
        destination.store.read(v.resourceType, v.id) !== undefined,
    );
  const picked = new Set<number>();
  while (picked.size < Math.min(count + 2, candidates.length))
    picked.add(Math.floor(random() * candidates.length));
  const chosen = [...picked].map((i) => candidates[i]!);
  const changed = chosen.slice(0, count).map((v) => {
    const versions = destination.store.history(v.resourceType, v.id);
    destination.store.hardDelete(v.resourceType, v.id);
    for (const version of versions) {
      const text =
        version.isCurrent || version === versions[versions.length - 1]
          ? version.text.replace(/^\{/, '{"language":"x-tampered",')
          : version.text;
      destination.store.insertVersion({
        resourceType: version.resourceType,
        id: version.id,
        version: version.version,
        lastUpdatedMs: version.lastUpdatedMs,
        deleted: version.deleted,
        writeMethod: "PUT",
        text,
      });
    }
    return { type: v.resourceType, id: v.id, path: "language" };
  });
  const gone = chosen[count]!;
  destination.store.hardDelete(gone.resourceType, gone.id);
  const hard = chosen[count + 1]!;
  source.store.hardDelete(hard.resourceType, hard.id);
  return {
    changed,
    missingOnDestination: { type: gone.resourceType, id: gone.id },
    hardDeletedOnSource: { type: hard.resourceType, id: hard.id },
  };
}

/** Lines describing whether the checks found exactly the damage done, and nothing else. */
export function judgeTampering(
  report: VerificationReport,
  tampering: Tampering,
): { exact: boolean; lines: string[] } {
  const lines: string[] = [];
  const deepFailures = new Map((report.deep?.failures ?? []).map((f) => [key(f), f]));
  let exact = true;
  for (const c of tampering.changed) {
    const found = deepFailures.get(key(c));
    const paths = found?.findings.flatMap((f) => f.paths.map((p) => p.path)) ?? [];
    const ok = found !== undefined && paths.includes(c.path);
    exact &&= ok;
    lines.push(
      `${ok ? "found" : "MISSED"}   changed ${key(c)}: ${ok ? `differs at ${paths.join(", ")}` : "not reported"}`,
    );
  }
  const missing = deepFailures.get(key(tampering.missingOnDestination));
  const missingOk = missing?.findings.some((f) => f.problem === "missing") === true;
  exact &&= missingOk;
  lines.push(
    `${missingOk ? "found" : "MISSED"}   missing on destination ${key(tampering.missingOnDestination)}`,
  );
  const extras = (report.reconcile?.types ?? []).flatMap((t) =>
    t.sample.map((e) => ({ type: t.type, ...e })),
  );
  const hardOk = extras.some(
    (e) => key(e) === key(tampering.hardDeletedOnSource) && e.class === "hard-deleted",
  );
  exact &&= hardOk;
  lines.push(
    `${hardOk ? "found" : "MISSED"}   hard-deleted on source ${key(tampering.hardDeletedOnSource)} (listed by reconciliation)`,
  );
  const expectedDeep = new Set([
    ...tampering.changed.map(key),
    key(tampering.missingOnDestination),
  ]);
  const unexpected = [...deepFailures.keys()]
    .filter((k) => !expectedDeep.has(k))
    .concat(extras.filter((e) => key(e) !== key(tampering.hardDeletedOnSource)).map(key));
  if (unexpected.length > 0) {
    exact = false;
    lines.push(`UNEXPECTED reports: ${unexpected.join(", ")}`);
  }
  return { exact, lines };
}
