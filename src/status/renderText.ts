/**
 * The status report as text tables for `fhir-migrate status`: the watermark, the jobs in flight,
 * the failures and the estimate, in the order someone checking on the migration reads them.
 */
import { stripControlCharacters } from "../core/terminalText";
import { formatTable } from "./format";
import {
  formatCount,
  formatDuration,
  formatInstant,
  formatMinute,
  formatPercent,
  paceText,
  plural,
} from "./format";
import { ledgerText } from "./ledgerOverview";
import type { StatusReport } from "./report";
import { NO_ROW_FAILURE } from "./report";
import { describeFullProgress } from "./verificationSummary";

/** Widest reason shown in a text table; the JSON report has the whole text. */
const REASON_WIDTH = 160;

/**
 * Server text goes to a terminal: control characters (an escape sequence could rewrite the screen)
 * and line breaks become spaces, and long text is cut.
 */
export function terminalText(text: string, max = REASON_WIDTH): string {
  // Whole escape sequences go (src/core/terminalText.ts), not only their ESC; line breaks become spaces.
  const flat = stripControlCharacters(text)
    .replace(/[\n\t]+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const duration = (s: number | null): string => (s === null ? "-" : formatDuration(s));

function summary(report: StatusReport): string[] {
  const { phase, watermark: w, totals: t, estimate: e, throughput: tp } = report;
  const rows: string[][] = [
    ["Phase", `${phase.label}: ${terminalText(phase.detail, 400)}`],
    [
      "Watermark",
      w.watermark === null ? "none yet" : `${formatInstant(w.watermark)}, ${w.lagText}`,
    ],
    ["Frontier", formatInstant(w.frontier)],
  ];
  if (w.coverage !== null) {
    rows.push([
      "Covered",
      `${formatPercent(w.coverage.doneFraction)} of ${formatMinute(w.coverage.from)} → ${formatMinute(w.coverage.to)}`,
    ]);
  }
  rows.push(
    [
      "Versions",
      `${formatCount(t.resourcesImported)} imported, ${formatCount(t.resourcesFailed)} failed, ${formatCount(t.resourcesExported)} exported`,
    ],
    [
      "Chunks",
      `${formatCount(t.chunksDone)} done, ${formatCount(t.chunksInFlight)} in flight (${formatCount(t.chunksWaitingToExport)} waiting to export) of ${formatCount(t.chunks)}`,
    ],
    [
      "Jobs",
      `${plural(t.exportsRunning, "export")} and ${plural(t.importsRunning, "import")} running; ${plural(t.importsWaiting, "import")} waiting for a slot`,
    ],
    [
      "Estimate",
      [
        e.text,
        e.catchUpAt === null ? undefined : `(${formatMinute(e.catchUpAt)})`,
        paceText(e) === undefined ? undefined : `; ${paceText(e)}`,
      ]
        .filter((x) => x !== undefined)
        .join(" ")
        .replace(" ;", ";"),
    ],
  );
  if (tp.hours.length > 0 || tp.averagePerHour !== null) {
    const parts = [`this hour ${formatCount(tp.currentHour)}`];
    if (tp.peak !== null)
      parts.push(`peak ${formatCount(tp.peak.imported)} (${formatMinute(tp.peak.hour)})`);
    if (tp.averagePerHour !== null)
      parts.push(`average ${formatCount(tp.averagePerHour)} per hour`);
    rows.push(["Imported/hour", parts.join("; ")]);
  }
  return formatTable(rows, "  ").split("\n");
}

function jobs(report: StatusReport): string[] {
  const { exports, imports } = report.jobs;
  if (exports.length === 0 && imports.length === 0) return ["  none"];
  const rows = [
    ["Kind", "Chunk", "Payload", "Status", "Job id", "Age", "Attempt", "Status URL"],
    ...exports.map((j) => [
      "export",
      String(j.chunk),
      "-",
      j.status,
      j.jobId ?? "-",
      duration(j.ageSeconds),
      String(j.attempts),
      j.statusUrl ?? "not recorded yet",
    ]),
    ...imports.map((j) => [
      "import",
      String(j.chunk),
      String(j.payload),
      j.status,
      j.jobId ?? "-",
      duration(j.ageSeconds),
      String(j.attempts),
      j.statusUrl ?? "not recorded yet",
    ]),
  ];
  return formatTable(rows, "  ").split("\n");
}

function failures(report: StatusReport): string[] {
  const f = report.failures;
  const lines = [
    `  ${plural(f.consecutiveFailures, "consecutive failure")}${f.haltAfter === null ? " (halting after repeated failures is off)" : ` (halts at ${f.haltAfter})`}`,
  ];
  if (f.halted) lines.push(`  HALTED: ${terminalText(f.haltReason ?? "no reason recorded", 1000)}`);
  if (f.searchParameters.failure !== null && !f.searchParameters.failureInHaltReason)
    lines.push(
      `  SearchParameter copy failed (attempt ${f.searchParameters.attempts}): ${terminalText(f.searchParameters.failure)}`,
    );
  const r = f.resources;
  if (r.groups.length > 0) {
    lines.push(
      "",
      `  Rejected resources (${formatCount(report.totals.resourcesFailed)}), by type and reason:`,
      ...formatTable(
        [
          ["Type", "Count", "Sample ids", "Reason"],
          ...r.groups.map((g) => [
            g.resourceType,
            formatCount(g.count),
            g.samples.map((s) => s.id).join(", "),
            terminalText(g.reason),
          ]),
        ],
        "    ",
      ).split("\n"),
    );
  }
  if (f.chunks.length > 0) {
    lines.push(
      "",
      `  Last failure per chunk (${formatCount(f.chunksTotal)}):`,
      ...formatTable(
        [
          ["Chunk", "State", "Attempts", "Reason"],
          ...f.chunks.map((c) => [
            String(c.chunk),
            c.unresolved ? "unresolved" : "recovered",
            String(c.attempts),
            terminalText(c.reason),
          ]),
        ],
        "    ",
      ).split("\n"),
    );
  }
  if (f.payloads.length > 0) {
    lines.push(
      "",
      `  Last failure per import payload (${formatCount(f.payloadsTotal)}):`,
      ...formatTable(
        [
          ["Chunk", "Payload", "State", "Attempts", "Reason"],
          ...f.payloads.map((p) => [
            String(p.chunk),
            String(p.payload),
            p.unresolved ? `unresolved (${p.status})` : "recovered",
            String(p.attempts),
            terminalText(p.reason),
          ]),
        ],
        "    ",
      ).split("\n"),
    );
  }
  if (
    r.groups.length === 0 &&
    f.chunks.length === 0 &&
    f.payloads.length === 0 &&
    !f.halted &&
    f.searchParameters.failure === null
  )
    lines.push(f.consecutiveFailures > 0 ? `  ${NO_ROW_FAILURE}` : "  none recorded");
  return lines;
}

function verification(report: StatusReport): string[] {
  const v = report.verification;
  if (v === null) return ["  none has run yet"];
  const counts = Object.entries(v.counts)
    .map(
      ([kind, results]) =>
        `${kind}: ${Object.entries(results)
          .map(([result, n]) => `${formatCount(n)} ${result}`)
          .join(", ")}`,
    )
    .join("; ");
  const lines = [`  Run ${terminalText(v.runId)}: ${v.verdict} (${counts})`];
  if (v.full !== undefined && v.full !== null)
    lines.push(`  ${describeFullProgress(v.full, report.generatedAt)}`);
  if (v.problems.length > 0) {
    lines.push(
      ...formatTable(
        [
          ["Check", "Type", "Key", "Result", "Details"],
          ...v.problems.map((p) => [
            p.kind,
            terminalText(p.resourceType, 60),
            terminalText(p.key, 60),
            p.result,
            terminalText(p.details),
          ]),
        ],
        "    ",
      ).split("\n"),
    );
  }
  return lines;
}

export function renderStatusText(report: StatusReport): string {
  const lines = [
    `FHIR migration status at ${formatInstant(report.generatedAt)}`,
    `  ${report.migration.source} → ${report.migration.destination}`,
    "",
    ...summary(report),
    "",
    "Jobs in flight",
    ...jobs(report),
    "",
    "Failures",
    ...failures(report),
    "",
    "Latest verification",
    ...verification(report),
    "",
    ...ledgerText(report.ledger),
  ];
  if (report.cutover !== undefined && report.cutover !== null) {
    lines.push("", "Cutover", ...report.cutover.lines.map((l) => `  ${l}`));
  }
  if (report.reindex.text !== null) {
    lines.push(
      "",
      `${report.reindex.needed ? "$reindex reminder" : "$reindex"}: ${report.reindex.text}`,
    );
    if (report.reindex.statusUrl !== null) lines.push(`  Status URL: ${report.reindex.statusUrl}`);
  }
  const warnings = report.migration.settingWarnings;
  if (warnings.length > 0)
    lines.push("", "App settings warnings:", ...warnings.map((w) => `  - ${w}`));
  if (report.truncated.length > 0)
    lines.push("", "Not everything is shown:", ...report.truncated.map((n) => `  - ${n}`));
  return `${lines.join("\n")}\n`;
}
