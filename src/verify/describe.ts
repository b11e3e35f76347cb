/**
 * One-line descriptions of check results, shared by the text report and the check rows (the status
 * page shows a row's `reason`).
 */
import { describeDifference } from "../core/resourceDiff";
import type { CheckVerdict } from "../core/surfaceVerdict";
import type { DeepResourceResult, ExtraResource, ReconcileTotals } from "./types";
import type { FullExample } from "./fullTypes";

export function describeFullExample(e: FullExample): string {
  const what =
    e.problem === "content" && e.paths.length > 0
      ? `differs at ${e.paths.map(describeDifference).join(", ")}`
      : e.problem.replace(/-/g, " ");
  return `${e.type}/${e.id} v${e.versionId} ${what}${e.note === null ? "" : ` (${e.note})`}`;
}

export function describeDeepResult(r: DeepResourceResult): string {
  const parts = r.findings.map((f) => {
    const what =
      f.problem === "content"
        ? f.paths.map(describeDifference).join(", ")
        : f.problem.replace(/-/g, " ");
    return `v${f.versionId} ${what}${f.note === null || f.problem === "content" ? "" : ` (${f.note})`}`;
  });
  if (r.note !== null) parts.push(r.note);
  return parts.length > 0 ? parts.join("; ") : "equal";
}

/** A reconciled resource's own verdict: an applied hard delete is resolved. */
export function extraVerdict(extra: ExtraResource): CheckVerdict {
  switch (extra.class) {
    case "hard-deleted":
      return extra.applied ? "Pass" : "Fail";
    case "deleted-on-source":
      return "Fail";
    case "delete-pending":
      return "Behind";
    case "error":
      return "Error";
  }
}

export function describeExtra(extra: ExtraResource): string {
  const what = extra.class.replace(/-/g, " ");
  return `${what}${extra.applied ? ", deleted on the destination" : ""}${extra.note === null ? "" : `: ${extra.note}`}`;
}

export function describeTotals(t: ReconcileTotals): string {
  if (t.extra === 0)
    return `${t.scanned} destination resource(s) checked, none missing on the source`;
  return `${t.scanned} checked, ${t.extra} not on the source: ${t.hardDeleted} hard-deleted (${t.applied} deleted on the destination), ${t.deletedOnSource} deleted on the source, ${t.deletePending} delete(s) still to migrate, ${t.errors} error(s)`;
}
