import type { FhirEmulator } from "../emulator";
import { seededRandom } from "../emulator/harness/syntheticData";
import type { VerificationReport } from "../src/verify/types";

export interface Tampering {
  /** Destination resources whose current version was changed in place (same versionId). */
  changed: { type: string; id: string; path: string }[];
  /** Removed from the destination entirely: every one of its versions is missing there. */
  missingOnDestination: { type: string; id: string; versions: number };
  /** Hard-deleted on the source after the copy: every one of its destination versions is extra. */
  hardDeletedOnSource: { type: string; id: string; versions: number };
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
  const goneVersions = source.store.history(gone.resourceType, gone.id).length;
  destination.store.hardDelete(gone.resourceType, gone.id);
  const hard = chosen[count + 1]!;
  const hardVersions = destination.store.history(hard.resourceType, hard.id).length;
  source.store.hardDelete(hard.resourceType, hard.id);
  return {
    changed,
    missingOnDestination: { type: gone.resourceType, id: gone.id, versions: goneVersions },
    hardDeletedOnSource: { type: hard.resourceType, id: hard.id, versions: hardVersions },
  };
}

/**
 * Lines describing whether the full check found exactly the damage done, and nothing else: its
 * counts must equal the damage (one changed version per changed resource, every version of the
 * removed resource missing, every destination version of the hard-deleted one extra), and every
 * example it lists must be part of the damage, changed ones with the changed path.
 */
export function judgeTampering(
  report: VerificationReport,
  tampering: Tampering,
): { exact: boolean; lines: string[] } {
  const lines: string[] = [];
  const full = report.full;
  if (full === null || full === undefined) return { exact: false, lines: ["no full check ran"] };
  let exact = true;
  const check = (ok: boolean, line: string) => {
    exact &&= ok;
    lines.push(`${ok ? "found" : "MISSED"}   ${line}`);
  };
  const changed = new Map(tampering.changed.map((c) => [key(c), c]));
  const t = full.totals;
  check(
    t.different === tampering.changed.length,
    `changed: ${t.different} version(s) reported different, ${tampering.changed.length} changed`,
  );
  const contentExamples = full.examples.filter((e) => e.problem === "content");
  for (const e of contentExamples) {
    const c = changed.get(key(e));
    const paths = e.paths.map((p) => p.path);
    check(
      c !== undefined && paths.includes(c.path),
      `changed ${key(e)} v${e.versionId}: differs at ${paths.join(", ") || "(no path)"}`,
    );
  }
  const gone = tampering.missingOnDestination;
  check(
    t.missing === gone.versions &&
      full.examples.filter((e) => e.problem === "missing").every((e) => key(e) === key(gone)),
    `missing on destination ${key(gone)}: ${t.missing} version(s) reported missing, ${gone.versions} removed`,
  );
  const hard = tampering.hardDeletedOnSource;
  check(
    t.extra === hard.versions &&
      full.examples.filter((e) => e.problem === "extra").every((e) => key(e) === key(hard)),
    `hard-deleted on source ${key(hard)}: ${t.extra} version(s) reported extra (not loss), ${hard.versions} on the destination`,
  );
  const unexpected = full.examples.filter(
    (e) => !["content", "missing", "extra"].includes(e.problem),
  );
  if (unexpected.length > 0 || t.behind > 0 || full.errors.length > 0) {
    exact = false;
    lines.push(
      `UNEXPECTED reports: ${[...unexpected.map((e) => `${key(e)} v${e.versionId} ${e.problem}`), ...full.errors.map((e) => `unit ${e.unit}: ${e.error}`), ...(t.behind > 0 ? [`${t.behind} behind`] : [])].join(", ")}`,
    );
  }
  return { exact, lines };
}
