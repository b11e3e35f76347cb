/**
 * renderStatusPage: the status report as one self-contained HTML page (inline CSS and SVG, no
 * external requests). Every text from the report is escaped by the html`` builder. The numbers the
 * browser test checks carry data-testid attributes.
 */
import { coverageBar, throughputChart } from "./charts";
import { ledgerSection } from "./ledgerOverview";
import {
  formatCount,
  formatDuration,
  formatInstant,
  formatMinute,
  formatPercent,
  formatShortMinute,
  formatWindowBounds,
  paceText,
  plural,
} from "./format";
import type { SafeHtml } from "./html";
import { html, raw } from "./html";
import { PAGE_CSS, PAGE_SCRIPT } from "./pageAssets";
import { describeFullProgress } from "./verificationSummary";
import type {
  ChunkFailure,
  ExportJob,
  FailedResourceGroup,
  ImportJob,
  PayloadFailure,
  StatusReport,
  TimelineChunk,
  VerificationRow,
} from "./report";
import { NO_ROW_FAILURE } from "./report";

export interface PageOptions {
  /** Seconds between automatic reloads; 0 turns it off. */
  refreshSeconds: number;
}

export const DEFAULT_REFRESH_SECONDS = 30;

/**
 * Built outside html`` on purpose: the Content-Security-Policy allows these two by the hash of
 * their exact text, which a formatter reflowing a template must never be able to change.
 */
const STYLE_ELEMENT = raw(`<style>${PAGE_CSS}</style>`);
const SCRIPT_ELEMENT = raw(`<script>${PAGE_SCRIPT}</script>`);

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const duration = (s: number | null): string => (s === null ? "-" : formatDuration(s));
const count = (n: number | null): string => (n === null ? "-" : formatCount(n));

function pill(status: string): SafeHtml {
  const kind = /^(Completed|Pass)$/.test(status)
    ? "ok"
    : /^(Running|Started|Payloads Ready)$/.test(status)
      ? "run"
      : /^(Failed|Fail|Error)$/.test(status)
        ? "bad"
        : /^(Behind)$/.test(status)
          ? "warn"
          : "wait";
  return html`<span class="pill ${kind}">${status}</span>`;
}

/** Whether a recorded failure still blocks: the row went on to complete, or not yet. */
function resolution(unresolved: boolean): SafeHtml {
  return unresolved
    ? html`<span class="pill bad">Unresolved</span>`
    : html`<span class="pill ok">Recovered</span>`;
}

function windowCell(since: string, till: string, type: string | null): SafeHtml {
  const [from, to] = formatWindowBounds(since, till);
  // Two unbreakable halves: the window wraps at the arrow, never inside a date.
  return html`<span class="nowrap">${from} →</span>
    <span class="nowrap">${to}</span
    >${type === null ? "" : html` <span class="muted">(${type})</span>`}`;
}

function statusUrl(url: string | null): SafeHtml {
  return url === null
    ? html`<span class="muted">not recorded yet</span>`
    : html`<code class="url">${url}</code>`;
}

function stat(
  label: string,
  value: string,
  testId: string,
  options: { bad?: boolean; note?: string } = {},
): SafeHtml {
  return html`<div>
    <dt>${label}</dt>
    <dd class="${options.bad === true ? "bad" : ""}" data-testid="${testId}">${value}</dd>
    ${options.note === undefined ? "" : html`<dd class="note">${options.note}</dd>`}
  </div>`;
}

function header(report: StatusReport, options: PageOptions): SafeHtml {
  const { phase, watermark } = report;
  const headline =
    phase.kind === "halted"
      ? `Halted, ${watermark.lagText}`
      : phase.kind === "caught-up"
        ? "Caught up"
        : watermark.lagSeconds === null
          ? "Nothing migrated yet"
          : watermark.lagText.replace(/^behind/, "Behind");
  const cov = watermark.coverage;
  const refresh =
    options.refreshSeconds > 0
      ? html`Refreshes every ${options.refreshSeconds} s ·
          <a href="?refresh=0" data-keep-query="refresh=0">stop auto-refresh</a>`
      : html`Auto-refresh off ·
          <a
            href="?refresh=${String(DEFAULT_REFRESH_SECONDS)}"
            data-keep-query="refresh=${String(DEFAULT_REFRESH_SECONDS)}"
            >turn it on</a
          >`;
  return html`<header class="card">
    <div class="title-row">
      <h1>FHIR migration status</h1>
      <span class="badge phase-${phase.kind}" data-testid="phase">${phase.label}</span>
    </div>
    <p class="headline${phase.kind === "halted" ? " halted" : ""}" data-testid="lag">${headline}</p>
    <p class="sub">
      Watermark
      <time datetime="${watermark.watermark ?? ""}" data-testid="watermark"
        >${watermark.watermark === null ? "none yet" : formatInstant(watermark.watermark)}</time
      >
      · now
      <time datetime="${watermark.now}">${formatInstant(watermark.now)}</time
      >${watermark.lastProgressAt === null ? "" : html` · last progress ${duration(watermark.secondsSinceProgress)} ago`}
    </p>
    ${phase.kind === "halted" ? "" : html`<p class="sub">${phase.detail}</p>`}
    ${
      cov === null
        ? ""
        : html`${coverageBar(cov)}
            <ul class="legend" aria-hidden="true">
              <li>
                <span class="swatch sw-done"></span>migrated:
                <strong data-testid="coverage-percent">${formatPercent(cov.doneFraction)}</strong>
              </li>
              <li>
                <span class="swatch sw-planned"></span>in flight (planned to
                ${formatMinute(watermark.frontier)})
              </li>
              <li><span class="swatch sw-rest"></span>not planned yet</li>
              <li>span: ${formatMinute(cov.from)} → ${formatMinute(cov.to)}</li>
            </ul>`
    }
    <div class="toolbar muted">
      <span>${refresh}</span
      ><span><a href="?format=json" data-keep-query="format=json">JSON report</a></span>
    </div>
  </header>`;
}

function stats(report: StatusReport): SafeHtml {
  const t = report.totals;
  const e = report.estimate;
  const pace = paceText(e);
  return html`<dl class="stats">
    ${stat("Versions imported", formatCount(t.resourcesImported), "resources-imported", { note: "each version of a resource counts" })}
    ${stat("Versions failed", formatCount(t.resourcesFailed), "resources-failed", { bad: t.resourcesFailed > 0 })}
    ${stat("Versions exported", formatCount(t.resourcesExported), "resources-exported", { note: "SearchParameters excluded" })}
    ${stat("Chunks done", formatCount(t.chunksDone), "chunks-done", { note: `of ${formatCount(t.chunks)} planned` })}
    ${stat("Chunks in flight", formatCount(t.chunksInFlight), "chunks-in-flight", { note: `${formatCount(t.chunksWaitingToExport)} waiting to export` })}
    ${stat("Exports running", formatCount(t.exportsRunning), "exports-running")}
    ${stat("Imports running", formatCount(t.importsRunning), "imports-running", { note: `${formatCount(t.importsWaiting)} waiting for a slot` })}
    ${stat("Estimate to catch up", upperFirst(e.text), "estimate", { note: e.catchUpAt === null ? pace : `${formatMinute(e.catchUpAt)}${pace === undefined ? "" : `; ${pace}`}` })}
  </dl>`;
}

function banners(report: StatusReport): SafeHtml {
  const f = report.failures;
  return html`${
    f.halted
      ? html`<div class="banner banner-error" role="alert">
          <strong>The migration is halted.</strong>
          <p data-testid="halt-reason">${f.haltReason ?? "No reason was recorded."}</p>
          <p>
            Nothing is skipped. Fix the cause, then resume it (ClearMaxExportRetries_Http, or
            <code>fhir-migrate reset-retries</code>).
          </p>
        </div>`
      : ""
  }${
    f.searchParameters.failure === null || f.searchParameters.failureInHaltReason
      ? ""
      : html`<div class="banner banner-error" role="alert">
          <strong>Custom SearchParameters were not all copied</strong> (attempt
          ${f.searchParameters.attempts}).
          <p>${f.searchParameters.failure}</p>
        </div>`
  }${
    report.cutover === undefined || report.cutover === null
      ? ""
      : html`<div
          class="banner ${report.cutover.phase === "NO-GO" ? "banner-error" : report.cutover.phase === "GO" ? "banner-info" : "banner-note"}"
          data-testid="cutover"
        >
          <strong>Cutover: ${report.cutover.phase}</strong>
          ${report.cutover.lines.map((l) => html`<p>${l}</p>`)}
        </div>`
  }${
    report.reindex.text === null
      ? ""
      : html`<div
          class="banner ${report.reindex.needed ? "banner-note" : "banner-info"}"
          data-testid="reindex-reminder"
        >
          <strong>${report.reindex.needed ? "$reindex reminder." : "$reindex."}</strong>
          <p>${report.reindex.text}</p>
          ${
            report.reindex.statusUrl === null
              ? ""
              : html`<p>Status URL: <code class="url">${report.reindex.statusUrl}</code></p>`
          }
        </div>`
  }`;
}

function throughputSection(report: StatusReport): SafeHtml {
  const t = report.throughput;
  const summary = [
    `this hour: ${formatCount(t.currentHour)}`,
    t.peak === null
      ? undefined
      : `peak: ${formatCount(t.peak.imported)} (${formatMinute(t.peak.hour)})`,
    t.averagePerHour === null
      ? undefined
      : `average since start: ${formatCount(t.averagePerHour)} per hour`,
  ].filter((x): x is string => x !== undefined);
  return html`<section class="card" aria-labelledby="throughput-h">
    <h2 id="throughput-h">Versions moved per hour</h2>
    ${
      t.hours.length === 0
        ? html`<p class="empty">Nothing imported yet.</p>`
        : html`<p class="sub">${summary.join(" · ")}</p>
            ${throughputChart(t.hours)}
            <details>
              <summary>Show the numbers</summary>
              <div class="scroll">
                <table>
                  <caption>
                    Versions per hour (UTC)
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Hour</th>
                      <th scope="col" class="num">Imported</th>
                      <th scope="col" class="num">Failed</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${t.hours.map(
                      (h) =>
                        html`<tr>
                          <td class="nowrap">${formatShortMinute(h.hour)}</td>
                          <td class="num">${formatCount(h.imported)}</td>
                          <td class="num">${formatCount(h.failed)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </details>`
    }
  </section>`;
}

function exportRow(j: ExportJob): SafeHtml {
  return html`<tr>
    <td class="num">${j.chunk}</td>
    <td>${windowCell(j.since, j.till, j.resourceType)}</td>
    <td>${pill(j.status)}</td>
    <td>${j.jobId === null ? "-" : html`<code>${j.jobId}</code>`}</td>
    <td class="num">${duration(j.ageSeconds)}</td>
    <td class="num">${j.attempts}</td>
    <td class="num">${formatCount(j.expectedResources)}</td>
    <td>${statusUrl(j.statusUrl)}</td>
  </tr>`;
}

function importRow(j: ImportJob): SafeHtml {
  return html`<tr>
    <td class="num">${j.chunk}</td>
    <td class="num">${j.payload}</td>
    <td>${pill(j.status)}</td>
    <td>${j.jobId === null ? "-" : html`<code>${j.jobId}</code>`}</td>
    <td class="num">${duration(j.ageSeconds)}</td>
    <td class="num">${j.attempts}</td>
    <td class="num">${formatCount(j.resources)}</td>
    <td class="num">${formatCount(j.inputFiles)}</td>
    <td>${statusUrl(j.statusUrl)}</td>
  </tr>`;
}

function jobsSection(report: StatusReport): SafeHtml {
  const { exports, imports } = report.jobs;
  return html`<section class="card" aria-labelledby="jobs-h">
    <h2 id="jobs-h">Jobs in flight</h2>
    ${
      exports.length === 0
        ? html`<p class="empty">No export running.</p>`
        : html`<div class="scroll">
            <table data-testid="export-jobs">
              <caption>
                Exports (${exports.length})
              </caption>
              <thead>
                <tr>
                  <th scope="col" class="num">Chunk</th>
                  <th scope="col">Window (UTC)</th>
                  <th scope="col">Status</th>
                  <th scope="col">Job id</th>
                  <th scope="col" class="num">Age</th>
                  <th scope="col" class="num">Attempt</th>
                  <th scope="col" class="num">Expected</th>
                  <th scope="col">Status URL</th>
                </tr>
              </thead>
              <tbody>
                ${exports.map(exportRow)}
              </tbody>
            </table>
          </div>`
    }
    ${
      imports.length === 0
        ? html`<p class="empty">No import running.</p>`
        : html`<div class="scroll">
            <table data-testid="import-jobs">
              <caption>
                Imports (${imports.length})
              </caption>
              <thead>
                <tr>
                  <th scope="col" class="num">Chunk</th>
                  <th scope="col" class="num">Payload</th>
                  <th scope="col">Status</th>
                  <th scope="col">Job id</th>
                  <th scope="col" class="num">Age</th>
                  <th scope="col" class="num">Attempt</th>
                  <th scope="col" class="num">Resources</th>
                  <th scope="col" class="num">Files</th>
                  <th scope="col">Status URL</th>
                </tr>
              </thead>
              <tbody>
                ${imports.map(importRow)}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function groupRow(g: FailedResourceGroup): SafeHtml {
  return html`<tr>
    <td>${g.resourceType}</td>
    <td class="reason">${g.reason}</td>
    <td class="num">${formatCount(g.count)}</td>
    <td>
      ${g.samples.map(
        (s, i) =>
          html`${i > 0 ? ", " : ""}<code class="nowrap">${s.id}</code>
            <span class="muted nowrap">(chunk ${s.chunk})</span>`,
      )}
    </td>
  </tr>`;
}

function chunkFailureRow(f: ChunkFailure): SafeHtml {
  return html`<tr>
    <td class="num">${f.chunk}</td>
    <td>${windowCell(f.since, f.till, f.resourceType)}</td>
    <td>${pill(f.exportStatus)} ${pill(f.importStatus)}</td>
    <td>${resolution(f.unresolved)}</td>
    <td class="num">${f.attempts}</td>
    <td class="reason">${f.reason}</td>
  </tr>`;
}

function payloadFailureRow(f: PayloadFailure): SafeHtml {
  return html`<tr>
    <td class="num">${f.chunk}</td>
    <td class="num">${f.payload}</td>
    <td>${pill(f.status)}</td>
    <td>${resolution(f.unresolved)}</td>
    <td class="num">${f.attempts}</td>
    <td class="reason">${f.reason}</td>
  </tr>`;
}

function failuresSection(report: StatusReport): SafeHtml {
  const f = report.failures;
  const r = f.resources;
  const nothing = r.groups.length === 0 && f.chunks.length === 0 && f.payloads.length === 0;
  return html`<section class="card" aria-labelledby="failures-h">
    <h2 id="failures-h">Failures</h2>
    <p class="sub">
      ${plural(f.consecutiveFailures, "consecutive failure")}${f.haltAfter === null ? " (halting after repeated failures is off)" : ` (the migration halts at ${f.haltAfter})`}.
      SearchParameters:
      ${f.searchParameters.failure !== null ? "copy failed" : f.searchParameters.copied ? "copied" : "not copied yet"}.
    </p>
    ${
      !nothing
        ? ""
        : f.consecutiveFailures > 0 || f.halted
          ? html`<p class="empty">${NO_ROW_FAILURE}</p>`
          : html`<p class="empty">No failures recorded.</p>`
    }
    ${
      r.groups.length === 0
        ? ""
        : html`<h3>Resources the destination rejected</h3>
            <div class="scroll">
              <table data-testid="failed-resource-groups">
                <caption>
                  ${formatCount(report.totals.resourcesFailed)} rejected in all, grouped by type and
                  reason
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col">Reason</th>
                    <th scope="col" class="num">Count</th>
                    <th scope="col">Sample ids</th>
                  </tr>
                </thead>
                <tbody>
                  ${r.groups.map(groupRow)}
                </tbody>
              </table>
            </div>`
    }
    ${
      f.chunks.length === 0
        ? ""
        : html`<h3>Export failures</h3>
            <div class="scroll">
              <table data-testid="chunk-failures">
                <caption>
                  Last failure recorded per chunk (${formatCount(f.chunksTotal)})
                </caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">Chunk</th>
                    <th scope="col">Window (UTC)</th>
                    <th scope="col">Export / import</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">Attempts</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  ${f.chunks.map(chunkFailureRow)}
                </tbody>
              </table>
            </div>`
    }
    ${
      f.payloads.length === 0
        ? ""
        : html`<h3>Import failures</h3>
            <div class="scroll">
              <table data-testid="payload-failures">
                <caption>
                  Last failure recorded per import payload (${formatCount(f.payloadsTotal)})
                </caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">Chunk</th>
                    <th scope="col" class="num">Payload</th>
                    <th scope="col">Status</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">Attempts</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  ${f.payloads.map(payloadFailureRow)}
                </tbody>
              </table>
            </div>`
    }
  </section>`;
}

function verificationRow(v: VerificationRow): SafeHtml {
  return html`<tr>
    <td>${v.kind}</td>
    <td>${v.resourceType}</td>
    <td>${v.key}</td>
    <td>${pill(v.result)}</td>
    <td class="num">${count(v.source)}</td>
    <td class="num">${count(v.destination)}</td>
    <td class="reason">${v.details}</td>
  </tr>`;
}

const VERIFICATION_HEAD = raw(
  '<thead><tr><th scope="col">Check</th><th scope="col">Type</th><th scope="col">Scope / key</th><th scope="col">Result</th><th scope="col" class="num">Source</th><th scope="col" class="num">Destination</th><th scope="col">Details</th></tr></thead>',
);

function verificationSection(report: StatusReport): SafeHtml {
  const v = report.verification;
  if (v === null) {
    return html`<section class="card" aria-labelledby="verify-h">
      <h2 id="verify-h">Latest verification</h2>
      <p class="empty">
        No verification has run yet (E2ETest_Http or <code>fhir-migrate verify</code>).
      </p>
    </section>`;
  }
  const counts = Object.entries(v.counts).map(
    ([kind, results]) =>
      `${kind}: ${Object.entries(results)
        .map(([result, n]) => `${formatCount(n)} ${result}`)
        .join(", ")}`,
  );
  return html`<section class="card" aria-labelledby="verify-h">
    <h2 id="verify-h">Latest verification</h2>
    <p>
      Run <code>${v.runId}</code>: ${pill(v.verdict)}
      <span class="muted">${counts.join(" · ")}</span>
    </p>
    ${
      v.full === undefined || v.full === null
        ? ""
        : html`<p data-testid="full-check-progress">
            ${describeFullProgress(v.full, report.generatedAt)}
          </p>`
    }
    ${
      v.problems.length === 0
        ? html`<p class="empty">Every check passed.</p>`
        : html`<div class="scroll">
            <table data-testid="verification-problems">
              <caption>
                Checks that did not pass (${formatCount(v.problemsTotal)})
              </caption>
              ${VERIFICATION_HEAD}
              <tbody>
                ${v.problems.map(verificationRow)}
              </tbody>
            </table>
          </div>`
    }
    ${
      v.surface.length === 0
        ? ""
        : html`<details>
            <summary>Surface check counts (${v.surface.length})</summary>
            <div class="scroll">
              <table>
                <caption>
                  Resource counts on each side
                </caption>
                ${VERIFICATION_HEAD}
                <tbody>
                  ${v.surface.map(verificationRow)}
                </tbody>
              </table>
            </div>
          </details>`
    }
  </section>`;
}

function timelineRow(c: TimelineChunk): SafeHtml {
  const payloads = c.payloads === null ? "" : `, ${c.payloadsCompleted}/${c.payloads} payloads`;
  return html`<tr data-testid="timeline-row">
    <td class="num">${c.chunk}</td>
    <td>${windowCell(c.since, c.till, c.resourceType)}</td>
    <td>
      ${pill(c.exportStatus)}
      <span class="detail"
        >${c.exportSeconds === null ? "" : duration(c.exportSeconds)}${c.exportAttempts > 1 ? `, attempt ${c.exportAttempts}` : ""}</span
      >
    </td>
    <td>
      ${pill(c.importStatus)}
      <span class="detail"
        >${c.importSeconds === null ? "" : duration(c.importSeconds)}${payloads}</span
      >
    </td>
    <td class="num">${formatCount(c.expectedResources)}</td>
    <td class="num">
      ${count(c.exportedResources)}${
        c.exportedSearchParameters > 0
          ? html`<span
              class="detail"
              title="SearchParameter versions: copied through the API, not imported"
              >+ ${formatCount(c.exportedSearchParameters)} SP</span
            >`
          : ""
      }
    </td>
    <td class="num">${formatCount(c.importedResources)}</td>
    <td class="num">${formatCount(c.failedResources)}</td>
    <td class="nowrap">${formatShortMinute(c.endTime)}</td>
  </tr>`;
}

function timelineSection(report: StatusReport): SafeHtml {
  const t = report.timeline;
  return html`<section class="card" aria-labelledby="timeline-h">
    <h2 id="timeline-h">Chunks</h2>
    ${
      t.chunks.length === 0
        ? html`<p class="empty">No chunk planned yet.</p>`
        : html`<div class="scroll">
            <table data-testid="timeline">
              <caption>
                Newest first:
                ${t.chunks.length === t.total ? `all ${formatCount(t.total)}` : `the latest ${formatCount(t.chunks.length)} of ${formatCount(t.total)}`}.
                Windows are [since, till) on _lastUpdated. Expected is the versions counted when the
                window was planned; Exported leaves out SearchParameters (+ N SP), which are copied
                through the API rather than imported.
              </caption>
              <thead>
                <tr>
                  <th scope="col" class="num">Chunk</th>
                  <th scope="col">Window (UTC)</th>
                  <th scope="col">Export</th>
                  <th scope="col">Import</th>
                  <th scope="col" class="num">Expected</th>
                  <th scope="col" class="num">Exported</th>
                  <th scope="col" class="num">Imported</th>
                  <th scope="col" class="num">Failed</th>
                  <th scope="col">Finished (UTC)</th>
                </tr>
              </thead>
              <tbody>
                ${t.chunks.map(timelineRow)}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function footer(report: StatusReport): SafeHtml {
  const m = report.migration;
  return html`<footer>
    <p>
      Source <code class="url">${m.source}</code> → destination
      <code class="url">${m.destination}</code>.
      ${m.exportMode === "per-type" ? "One export per type and window" : "System-level exports"};
      history ${m.withHistory ? "included" : "not included"}; deletes
      ${m.withDeletes ? "included" : "not included"}${m.endDate === null ? "" : `; range ends ${formatMinute(m.endDate)}`}.
    </p>
    <p>
      State: tables ${m.state.cursorTable} and ${m.state.jobTable}, partition
      ${m.state.partitionKey}, row key ${m.state.rowKey}. Report built
      ${formatInstant(report.generatedAt)}; all times UTC.
    </p>
    ${
      m.settingWarnings.length === 0
        ? ""
        : html`<p>App settings warnings (docs/configuration.md):</p>
            <ul data-testid="setting-warnings">
              ${m.settingWarnings.map((w) => html`<li>${w}</li>`)}
            </ul>`
    }
    ${
      report.truncated.length === 0
        ? ""
        : html`<p>Not everything is shown:</p>
            <ul data-testid="truncated">
              ${report.truncated.map((n) => html`<li>${n}</li>`)}
            </ul>`
    }
  </footer>`;
}

export function renderStatusPage(
  report: StatusReport,
  options: PageOptions = { refreshSeconds: DEFAULT_REFRESH_SECONDS },
): string {
  const title = `${report.phase.label}: ${report.watermark.lagText} · FHIR migration`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${options.refreshSeconds > 0 ? html`<meta http-equiv="refresh" content="${String(options.refreshSeconds)}" />` : ""}
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <main>
          ${header(report, options)} ${banners(report)} ${stats(report)}
          ${throughputSection(report)} ${jobsSection(report)} ${failuresSection(report)}
          ${verificationSection(report)} ${ledgerSection(report.ledger)} ${timelineSection(report)}
          ${footer(report)}
        </main>
        ${SCRIPT_ELEMENT}
      </body>
    </html> `.value;
}
