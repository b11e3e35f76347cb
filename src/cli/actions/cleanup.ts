/**
 * `fhir-migrate cleanup`: lists what the migration left in storage (export files, `$import`
 * bodies, manifests, self-staged windows, isolation parts, verification samples) and, with
 * --delete, deletes what a passing proof covers (src/core/cleanupProof.ts; docs/operations.md,
 * "Delete staging data").
 */
import { createEngineDeps } from "../../engine/createDeps";
import type { CleanupGroup, CleanupReport } from "../../engine/stagingCleanup";
import { cleanUpStaging } from "../../engine/stagingCleanup";
import { formatBytes, formatCount, formatTable, plural } from "../../status/format";
import type { SettingsSourceOptions, StateDirOptions } from "../commandOptions";
import { OperationFailedError } from "../errors";
import { withMigrationState } from "../migrationState";
import { writeJson } from "../output";
import type { ActionContext } from "../runtime";

export interface CleanupOptions extends SettingsSourceOptions, StateDirOptions {
  delete?: boolean;
}

/** What cleanup does not find, said on every listing (docs/operations.md, "Delete staging data"). */
export const NOT_COVERED =
  'Not covered: the destination\'s import error files (container fhirlogs, or the one the import names), and partial files of export attempts that failed and were retried (their manifests were never stored). docs/operations.md, "Delete staging data", says how to find them.';

/** Containers listed one by one per kind; more are summed in one row (one per export job adds up). */
const LISTED_CONTAINERS = 3;

/** The groups for the table: a kind spread over many containers becomes one row. */
function tableGroups(groups: readonly CleanupGroup[]): CleanupGroup[] {
  const byWhat = new Map<string, CleanupGroup[]>();
  for (const g of groups) byWhat.set(g.what, [...(byWhat.get(g.what) ?? []), g]);
  return [...byWhat.values()].flatMap((same) => {
    if (same.length <= LISTED_CONTAINERS) return same;
    const store = same[0]!.where.replace(/^.*\(/, "(");
    return [
      same.reduce(
        (sum, g) => ({
          ...sum,
          blobs: sum.blobs + g.blobs,
          bytes: sum.bytes + g.bytes,
          keptBlobs: sum.keptBlobs + g.keptBlobs,
          keptBytes: sum.keptBytes + g.keptBytes,
        }),
        {
          what: same[0]!.what,
          where: `${same.length} containers ${store}`,
          blobs: 0,
          bytes: 0,
          keptBlobs: 0,
          keptBytes: 0,
        },
      ),
    ];
  });
}

export function cleanupText(report: CleanupReport, removed: boolean): string {
  const lines: string[] = [];
  const p = report.proof;
  lines.push(
    p.ok
      ? `Proof: ${p.text}. It covers ${plural(report.chunks.covered, "chunk")} (processed, windows ending by ${p.until}); ${plural(report.chunks.kept, "chunk")} kept for a later proof.`
      : `No deletion: ${p.reason}.`,
  );
  lines.push("");
  if (report.groups.length === 0) lines.push("Nothing of this migration is in storage.");
  else
    lines.push(
      formatTable(
        [
          ["What", "Where", removed ? "Deleted" : "To delete", "Size", "Kept", "Kept size"],
          ...tableGroups(report.groups).map((g) => [
            g.what,
            g.where,
            formatCount(g.blobs),
            formatBytes(g.bytes),
            formatCount(g.keptBlobs),
            formatBytes(g.keptBytes),
          ]),
          [
            "Total",
            "",
            formatCount(report.totals.blobs),
            formatBytes(report.totals.bytes),
            formatCount(report.totals.keptBlobs),
            formatBytes(report.totals.keptBytes),
          ],
        ],
        "  ",
      ),
    );
  if (report.elsewhere.length > 0)
    lines.push(
      "",
      `Left alone: export files on another account than the staging one (${report.elsewhere.join(", ")}).`,
    );
  lines.push("", NOT_COVERED, "");
  lines.push(
    removed
      ? `Deleted ${plural(report.deleted, "blob")}.`
      : p.ok
        ? `Dry run: nothing was deleted. Run again with --delete to delete ${plural(report.totals.blobs, "blob")} (${formatBytes(report.totals.bytes)}).`
        : "Dry run: nothing was deleted.",
  );
  return `${lines.join("\n")}\n`;
}

export async function cleanup(
  options: CleanupOptions,
  context: ActionContext,
): Promise<CleanupReport> {
  const { json, runtime } = context;
  return withMigrationState(
    options,
    { ...context, access: "read", servers: false },
    async (settings) => {
      const deps = createEngineDeps(settings);
      const remove = options.delete === true;
      const report = await cleanUpStaging(deps, { remove });
      const removed = remove && report.proof.ok;
      if (json) writeJson(runtime, { ok: !remove || report.proof.ok, dryRun: !removed, ...report });
      else runtime.stdout(cleanupText(report, removed));
      if (remove && !report.proof.ok)
        throw new OperationFailedError(`Cleanup refused: ${report.proof.reason}.`);
      return report;
    },
  );
}
