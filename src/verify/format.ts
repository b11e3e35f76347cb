/**
 * The verification report as text: one table per check, then the failures with the JSON paths
 * that differ, then one line saying whether the copy can be cut over to.
 */
import type { CheckVerdict } from "../core/surfaceVerdict";
import { describeDeepResult, describeExtra, describeFullExample } from "./describe";
import type { FullSummary } from "./fullTypes";
import { FULL_EXAMPLES_PER_TYPE } from "./fullTypes";
import type { VerificationReport } from "./types";

function table(rows: readonly (readonly string[])[], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map(
    (row) =>
      indent +
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
  );
}

const n = (v: number | null): string => (v === null ? "-" : String(v));
const signed = (v: number | null): string => (v === null ? "-" : v > 0 ? `+${v}` : String(v));

const VERDICT_TEXT: Record<CheckVerdict, string> = {
  Pass: "PASS",
  Behind: "BEHIND",
  Fail: "FAIL",
  Error: "ERROR",
};

export function formatVerificationReport(report: VerificationReport): string {
  const lines: string[] = [];
  lines.push(`Verification ${report.runId}: ${VERDICT_TEXT[report.verdict]}`);
  lines.push(
    `  seed ${report.seed} (run again with this seed to sample the same resources)`,
    `  watermark ${report.watermark ?? "none (nothing recorded as migrated yet)"}`,
    `  checks ${report.checks.join(", ")}; types ${report.typeSelection}; history migrated: ${report.migratesHistory ? "yes" : "no"}; deletes migrated: ${report.migratesDeletes ? "yes" : "no"}; concurrency ${report.concurrency}`,
    `  ${report.startedAt} → ${report.finishedAt}`,
  );

  if (report.surface !== null) {
    lines.push("", `Surface check: ${VERDICT_TEXT[report.surface.verdict]}`);
    if (report.surface.rows.length === 0) lines.push("  no resources of any type on either server");
    else {
      lines.push(
        ...table([
          ["Type", "Scope", "Source", "Destination", "Difference", "Verdict", "Reason"],
          ...report.surface.rows.map((r) => [
            r.type,
            r.scope,
            n(r.source),
            n(r.destination),
            signed(r.difference),
            r.verdict,
            r.verdict === "Pass" ? "" : r.reason,
          ]),
        ]),
      );
    }
  }

  if (report.deep !== null) {
    const d = report.deep;
    lines.push(
      "",
      `Deep check: ${VERDICT_TEXT[d.verdict]} (${d.sampled} sampled of ${d.requested} requested: ${d.passed} passed, ${d.failed} failed, ${d.behind} behind, ${d.errors} errors)`,
    );
    if (d.perType.length > 0) {
      lines.push(
        ...table([
          ["Type", "Allocated", "Sampled", "Passed", "Failed", "Behind", "Errors"],
          ...d.perType.map((t) => [
            t.type,
            String(t.allocated),
            String(t.sampled),
            String(t.passed),
            String(t.failed),
            String(t.behind),
            String(t.errors),
          ]),
        ]),
      );
    }
    for (const t of d.perType.filter((x) => x.error !== null)) {
      lines.push(`  ${t.type}: not sampled: ${t.error}`);
    }
    if (d.failures.length > 0) {
      const more = d.failed + d.errors > d.failures.length ? ` (first ${d.failures.length})` : "";
      lines.push(`  Differences${more}:`);
      for (const r of d.failures)
        lines.push(`    ${r.type}/${r.id} ${r.result}: ${describeDeepResult(r)}`);
    }
  }

  if (report.reconcile !== null) {
    lines.push("", `Hard-delete reconciliation: ${VERDICT_TEXT[report.reconcile.verdict]}`);
    if (report.reconcile.types.length > 0) {
      lines.push(
        ...table([
          [
            "Type",
            "Checked",
            "Extra",
            "Hard-deleted",
            "Deleted on source",
            "Pending",
            "Applied",
            "Verdict",
          ],
          ...report.reconcile.types.map((t) => [
            t.type,
            String(t.totals.scanned),
            String(t.totals.extra),
            String(t.totals.hardDeleted),
            String(t.totals.deletedOnSource),
            String(t.totals.deletePending),
            String(t.totals.applied),
            t.verdict,
          ]),
        ]),
      );
    }
    for (const t of report.reconcile.types) {
      if (t.error !== null) lines.push(`  ${t.type}: not fully checked: ${t.error}`);
      if (t.applyRefused !== null)
        lines.push(`  ${t.type}: deletes not applied: ${t.applyRefused}`);
      for (const x of t.sample) lines.push(`    ${t.type}/${x.id} ${describeExtra(x)}`);
    }
    const unapplied = report.reconcile.types.reduce(
      (s, t) => s + t.totals.hardDeleted - t.totals.applied,
      0,
    );
    if (unapplied > 0 && !report.applyHardDeletes) {
      lines.push(
        `  ${unapplied} hard-deleted resource(s) are still on the destination; run again with applyHardDeletes=true (or AZURE_ApplyHardDeletes=true) to delete them there.`,
      );
    }
  }

  const known = report.knownFailures;
  if (known !== undefined && known.total > 0) {
    lines.push(
      "",
      `Known failures: ${known.total} resource(s) refused by the destination (known, not migrated)`,
    );
    lines.push(
      ...table([["Type", "Refused"], ...known.byType.map((k) => [k.type, String(k.count)])]),
    );
    const more = known.total > known.items.length ? ` (first ${known.items.length})` : "";
    lines.push(`  Resources${more}:`);
    for (const k of known.items) {
      const where = k.line === null ? k.inputUrl : `${k.inputUrl} line ${k.line}`;
      lines.push(
        `    ${k.type}/${k.id}${k.version === null ? "" : ` version ${k.version}`}: ${k.reason} (${where}${k.window === null ? "" : `, window ${k.window}`})`,
      );
    }
    lines.push(`  What to do: ${known.action}.`);
  }
  if (report.full !== null && report.full !== undefined) lines.push("", ...formatFull(report.full));

  lines.push("", conclusion(report));
  return `${lines.join("\n")}\n`;
}

function formatFull(f: FullSummary): string[] {
  const t = f.totals;
  const lines = [
    `Full check: ${VERDICT_TEXT[f.verdict]} (every ${f.scope === "history" ? "version" : "current version"} from ${f.since} to ${f.till}: ${t.source} on the source, ${t.destination} on the destination; ${t.matched} equal, ${t.missing} missing, ${t.different} different, ${t.extra} extra, ${t.behind} not migrated yet)`,
    `  ${f.units} unit(s) of at most ${f.unitVersions} versions${f.resumedUnits > 0 ? `, ${f.resumedUnits} finished by an earlier attempt` : ""}${f.oversizeUnits > 0 ? `; ${f.oversizeUnits} unit(s) of one millisecond hold more` : ""}`,
  ];
  if (f.perType.length > 0) {
    lines.push(
      ...table([
        [
          "Type",
          "Source",
          "Destination",
          "Equal",
          "Missing",
          "Different",
          "Extra",
          "Behind",
          "Skipped",
          "Known",
        ],
        ...f.perType.map((r) =>
          [
            r.type,
            r.source,
            r.destination,
            r.matched,
            r.missing,
            r.different,
            r.extra,
            r.behind,
            r.skipped,
            r.known,
          ].map(String),
        ),
      ]),
    );
  }
  if (t.extra > 0)
    lines.push(
      `  ${t.extra} version(s) only on the destination: not loss (created there, or hard-deleted on the source; see the reconciliation)`,
    );
  if (t.known > 0)
    lines.push(
      `  ${t.known} version(s) refused by the destination and recorded as failed resources: known, not migrated (see Known failures)`,
    );
  if (t.skipped > 0)
    lines.push(
      `  ${t.skipped} deleted source version(s) not expected on the destination: deletes are not migrated (AZURE_ExportWithDelete=false)`,
    );
  for (const e of f.errors) lines.push(`  unit ${e.unit} not compared: ${e.error}`);
  if (f.examples.length > 0) {
    lines.push(`  Examples (at most ${FULL_EXAMPLES_PER_TYPE} per type and kind):`);
    for (const e of f.examples) lines.push(`    ${describeFullExample(e)}`);
  }
  const sp = f.searchParameters;
  if (sp !== null && sp.processed > 0) {
    lines.push(
      `  SearchParameter (current versions): ${sp.processed} compared, ${sp.passed} passed, ${sp.failed} failed, ${sp.behind} behind, ${sp.errors} errors`,
    );
    for (const r of sp.failures)
      lines.push(`    ${r.type}/${r.id} ${r.result}: ${describeDeepResult(r)}`);
  }
  return lines;
}

function conclusion(report: VerificationReport): string {
  switch (report.verdict) {
    case "Pass":
      return (report.knownFailures?.total ?? 0) > 0
        ? `Result: PASS. Every check that ran found the destination equal to the source, apart from the ${report.knownFailures?.total} known failure(s) listed above.`
        : "Result: PASS. Every check that ran found the destination equal to the source.";
    case "Behind":
      return "Result: BEHIND. No difference older than the watermark; the destination has not caught up with the newest source changes yet.";
    case "Fail":
      return "Result: FAIL. The destination differs from the source (details above; every result is in the job table's check rows for this run).";
    case "Error":
      return "Result: ERROR. Some checks could not be completed (details above); the copy is not verified.";
  }
}
