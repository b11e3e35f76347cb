/**
 * The ledger at a glance for the status page and `fhir-migrate status`: entries per status, the
 * coverage of [start, frontier), a strip of the timeline coloured by the worst status in each
 * slice, and the unreconciled entries with their per-type numbers (docs/status.md, "Ledger"). Read
 * in one pass over the ledger rows, in key (time) order, with memory bounded by the strip and the
 * listed entries, not by the number of entries. The sealed prefix (src/core/ledgerSeal.ts) comes
 * in as its totals and its unreconciled entries; only the entries after it are read one by one.
 */
import type { CoverageProblem, LedgerCount, LedgerEntry, LedgerKind } from "../core/ledger";
import { SKIPPED_SETTLE_MS, isFinal, totalExtra, totalMissing } from "../core/ledger";
import type { LedgerSeal } from "../core/ledgerSeal";
import { formatCount, formatDuration, formatMinute, plural } from "./format";
import type { SafeHtml } from "./html";
import { html } from "./html";

/** Slices of the timeline strip. */
export const LEDGER_SLICES = 120;
/** Unreconciled entries listed with their counts (all are counted). */
export const LEDGER_UNRECONCILED_ROWS = 20;
/** Coverage problems listed. */
const COVERAGE_ROWS = 10;
/** Ledger entries after the seal read per status request. */
export const MAX_LEDGER_ROWS_READ = 500_000;

export type LedgerSliceState = "none" | "reconciled" | "open" | "unreconciled";

export interface LedgerSlice {
  from: string;
  to: string;
  state: LedgerSliceState;
  /** Entries read in the slice: those after the seal and the seal's unreconciled ones. */
  entries: number;
  /** The slice holds part of the sealed prefix: every entry there reconciled, but those read. */
  sealed: boolean;
}

export interface LedgerUnreconciled {
  since: string;
  till: string;
  kind: LedgerKind;
  reason: string | null;
  missing: number;
  counts: LedgerCount[];
}

export interface LedgerReport {
  entries: number;
  /** Entry rows read: the sealed prefix's unreconciled ones and every one after the seal. */
  entriesRead: number;
  /** Where the sealed prefix ends (its entries are counted from the seal row); null: none sealed. */
  sealedUntil: string | null;
  windows: number;
  skipped: number;
  reconciled: number;
  /** Waiting for imports, a first count, a recount or a second import. */
  pending: number;
  /** Of `pending`, skipped stretches: counted SKIPPED_SETTLE_MS after they end (core/ledger.ts). */
  pendingSkipped: number;
  /** When the last pending skipped stretch is due to be counted; null when none is pending. */
  pendingSkippedUntil: string | null;
  unreconciled: number;
  /** Versions missing from unreconciled entries. */
  missing: number;
  /** Versions only on the destination, over all counted entries: never loss. */
  extra: number;
  /** Gaps and overlaps from the first entry to the frontier; empty when the ledger covers it exactly. */
  coverage: CoverageProblem[];
  /**
   * Where the ledger begins when that is after the migration's start: the stretch before it was
   * planned by a version without the ledger (or nothing is planned yet), so no entry covers it.
   */
  ledgerStartsAt: string | null;
  from: string | null;
  to: string | null;
  slices: LedgerSlice[];
  unreconciledEntries: LedgerUnreconciled[];
  /**
   * Where the first unreconciled entry and the first entry still waiting for a count begin: the
   * ledger confirms the destination only before the earlier of them ("caught up" says so).
   */
  firstUnreconciledSince: string | null;
  firstOpenSince: string | null;
  /** The ledger held more rows than were read (MAX_LEDGER_ROWS_READ). */
  capped: boolean;
  /** When capped: where the entries read end (nothing after it was read, so nothing is confirmed). */
  readUntil: string | null;
}

const RANK: Record<LedgerSliceState, number> = { none: 0, reconciled: 1, open: 2, unreconciled: 3 };

function stateOf(e: LedgerEntry): LedgerSliceState {
  if (e.status === "reconciled") return "reconciled";
  if (e.status === "unreconciled") return "unreconciled";
  return "open";
}

/** Streams entries in time order into a LedgerReport over [start, frontier). */
export class LedgerTally {
  private readonly report: LedgerReport;
  private readonly fromMs: number | undefined;
  private readonly spanMs: number;
  private at: number | undefined;

  constructor(start: string | undefined, frontier: string | undefined) {
    this.fromMs = start === undefined ? undefined : Date.parse(start);
    const toMs = frontier === undefined ? undefined : Date.parse(frontier);
    this.spanMs =
      this.fromMs === undefined || toMs === undefined ? 0 : Math.max(0, toMs - this.fromMs);
    const slices: LedgerSlice[] = [];
    if (this.fromMs !== undefined && this.spanMs > 0) {
      for (let i = 0; i < LEDGER_SLICES; i++) {
        slices.push({
          from: new Date(this.fromMs + (this.spanMs * i) / LEDGER_SLICES).toISOString(),
          to: new Date(this.fromMs + (this.spanMs * (i + 1)) / LEDGER_SLICES).toISOString(),
          state: "none",
          entries: 0,
          sealed: false,
        });
      }
    }
    this.report = {
      entries: 0,
      entriesRead: 0,
      sealedUntil: null,
      windows: 0,
      skipped: 0,
      reconciled: 0,
      pending: 0,
      pendingSkipped: 0,
      pendingSkippedUntil: null,
      unreconciled: 0,
      missing: 0,
      extra: 0,
      coverage: [],
      ledgerStartsAt: null,
      from: start ?? null,
      to: frontier ?? null,
      slices,
      unreconciledEntries: [],
      firstUnreconciledSince: null,
      firstOpenSince: null,
      capped: false,
      readUntil: null,
    };
  }

  /**
   * The sealed prefix, before any other entry: its totals, and its unreconciled entries as they
   * are now (`exceptions`, read by their starts; the cutover's recount may have reconciled some).
   */
  addSeal(seal: LedgerSeal, exceptions: readonly LedgerEntry[]): void {
    if (seal.from === undefined || seal.till === undefined) return;
    const r = this.report;
    r.entries += seal.reconciled;
    r.windows += seal.windows;
    r.skipped += seal.skipped;
    r.reconciled += seal.reconciled;
    r.extra += seal.extra;
    r.sealedUntil = seal.till;
    if (this.fromMs === undefined || Date.parse(seal.from) > this.fromMs)
      r.ledgerStartsAt = seal.from;
    const since = Date.parse(seal.from);
    const till = Date.parse(seal.till);
    this.paint(since, till, "reconciled", { sealed: true });
    const sorted = [...exceptions].sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
    for (const e of sorted) {
      this.count(e);
      this.paint(Date.parse(e.since), Date.parse(e.till), stateOf(e));
    }
    this.at = till;
  }

  add(e: LedgerEntry): void {
    this.count(e);
    const r = this.report;
    const since = Date.parse(e.since);
    const till = Date.parse(e.till);
    if (this.at === undefined && (this.fromMs === undefined || since > this.fromMs)) {
      r.ledgerStartsAt = e.since;
    }
    if (this.at !== undefined && r.coverage.length < COVERAGE_ROWS) {
      if (since > this.at)
        r.coverage.push({ kind: "gap", from: new Date(this.at).toISOString(), to: e.since });
      if (since < this.at)
        r.coverage.push({
          kind: "overlap",
          from: e.since,
          to: new Date(Math.min(this.at, till)).toISOString(),
        });
    }
    this.at = this.at === undefined ? till : Math.max(this.at, till);
    this.paint(since, till, stateOf(e));
  }

  /** Counts one entry read (after the seal, or one of its exceptions), in time order. */
  private count(e: LedgerEntry): void {
    const r = this.report;
    r.entries++;
    r.entriesRead++;
    if (e.kind === "window") r.windows++;
    else r.skipped++;
    // Entries arrive in time order: the first of each kind is the earliest.
    if (e.status === "reconciled") r.reconciled++;
    else if (e.status === "unreconciled") {
      r.unreconciled++;
      r.firstUnreconciledSince ??= e.since;
    } else {
      r.pending++;
      r.firstOpenSince ??= e.since;
    }
    if (e.kind === "skipped" && !isFinal(e.status)) {
      r.pendingSkipped++;
      // Entries come in time order: the last one read settles last.
      r.pendingSkippedUntil = new Date(Date.parse(e.till) + SKIPPED_SETTLE_MS).toISOString();
    }
    if (isFinal(e.status)) r.extra += totalExtra(e.counts);
    if (e.status === "unreconciled") {
      const missing = totalMissing(e.counts);
      r.missing += missing;
      if (r.unreconciledEntries.length < LEDGER_UNRECONCILED_ROWS) {
        r.unreconciledEntries.push({
          since: e.since,
          till: e.till,
          kind: e.kind,
          reason: e.reason ?? null,
          missing,
          counts: e.counts.filter((c) => c.missing > 0 || c.extra > 0),
        });
      }
    }
  }

  private paint(
    since: number,
    till: number,
    state: LedgerSliceState,
    { sealed = false }: { sealed?: boolean } = {},
  ): void {
    if (this.fromMs === undefined || this.spanMs === 0) return;
    const slice = (t: number) =>
      Math.min(
        LEDGER_SLICES - 1,
        Math.max(0, Math.floor(((t - this.fromMs!) / this.spanMs) * LEDGER_SLICES)),
      );
    const first = slice(since);
    const last = slice(Math.max(since, till - 1));
    for (let i = first; i <= last; i++) {
      const s = this.report.slices[i]!;
      if (sealed) s.sealed = true;
      else s.entries++;
      if (RANK[state] > RANK[s.state]) s.state = state;
    }
  }

  markCapped(): void {
    this.report.capped = true;
    this.report.readUntil = this.at === undefined ? null : new Date(this.at).toISOString();
  }

  result(): LedgerReport {
    const r = this.report;
    if (this.at === undefined && r.to !== null && this.spanMs > 0) r.ledgerStartsAt = r.to;
    if (!r.capped && this.at !== undefined && r.to !== null && r.coverage.length < COVERAGE_ROWS) {
      const end = Date.parse(r.to);
      if (this.at < end)
        r.coverage.push({ kind: "gap", from: new Date(this.at).toISOString(), to: r.to });
    }
    return r;
  }
}

const SLICE_CLASS: Record<LedgerSliceState, string> = {
  none: "lg-none",
  reconciled: "lg-ok",
  open: "lg-open",
  unreconciled: "lg-bad",
};

/** The timeline strip: one bar per slice, coloured by the worst entry status in it. */
export function ledgerChart(ledger: LedgerReport): SafeHtml {
  const width = 1000;
  const w = width / Math.max(1, ledger.slices.length);
  const label = `Ledger from ${formatMinute(ledger.from)} to ${formatMinute(ledger.to)}: ${formatCount(ledger.reconciled)} reconciled, ${formatCount(ledger.pending)} pending, ${formatCount(ledger.unreconciled)} unreconciled entries.`;
  return html`<svg
    class="ledger"
    viewBox="0 0 ${width} 24"
    preserveAspectRatio="none"
    role="img"
    aria-label="${label}"
    data-testid="ledger-chart"
  >
    ${ledger.slices.map(
      (s, i) =>
        html`<rect
          class="${SLICE_CLASS[s.state]}"
          data-state="${s.state}"
          x="${String(Math.round(i * w * 10) / 10)}"
          y="0"
          width="${String(Math.round(w * 10) / 10 + 0.5)}"
          height="24"
          ><title>${formatMinute(s.from)} to ${formatMinute(s.to)}: ${sliceTitle(s)}</title></rect
        >`,
    )}
  </svg>`;
}

function sliceTitle(s: LedgerSlice): string {
  if (s.state === "none") return "no entry";
  if (!s.sealed) return `${plural(s.entries, "entry", "entries")}, ${s.state}`;
  // The sealed prefix is counted as totals, not entry by entry: its entries per slice are not known.
  const read =
    s.entries > 0 ? `, and ${plural(s.entries, "entry", "entries")} read one by one` : "";
  return `${s.state}: sealed prefix (its reconciled entries counted as totals${read})`;
}

/** The page's ledger card: counts, the strip, the coverage verdict and the unreconciled entries. */
export function ledgerSection(ledger: LedgerReport): SafeHtml {
  const coverage =
    ledger.coverage.length === 0
      ? html`<p data-testid="ledger-coverage">
          Entries cover ${formatMinute(ledger.ledgerStartsAt ?? ledger.from)} to
          ${formatMinute(ledger.to)} without gap or overlap.
        </p>`
      : html`<p class="bad" data-testid="ledger-coverage">
          The ledger does not cover the timeline exactly:
          ${ledger.coverage.map((c) => `${c.kind} ${formatMinute(c.from)} to ${formatMinute(c.to)}`).join("; ")}.
        </p>`;
  const rows = ledger.unreconciledEntries.map(
    (e) =>
      html`<tr>
        <td class="nowrap">${formatMinute(e.since)} to ${formatMinute(e.till)}</td>
        <td>${e.kind}</td>
        <td class="num">${formatCount(e.missing)}</td>
        <td>
          ${e.counts
            .map(
              (c) =>
                `${c.type === "*" ? "all types" : c.type}: source ${c.source}, destination ${c.destination ?? "not counted"}, failed ${c.failed}`,
            )
            .join("; ")}
        </td>
        <td class="reason">${e.reason ?? ""}</td>
      </tr>`,
  );
  return html`<section class="card" aria-labelledby="ledger-h" data-testid="ledger">
    <h2 id="ledger-h">Ledger</h2>
    <p>
      ${formatCount(ledger.reconciled)} reconciled, ${formatCount(ledger.pending)} pending,
      <span class="${ledger.unreconciled > 0 ? "bad" : ""}"
        >${formatCount(ledger.unreconciled)} unreconciled</span
      >
      of ${plural(ledger.entries, "entry", "entries")} (${plural(ledger.windows, "window")},
      ${plural(ledger.skipped, "skipped stretch", "skipped stretches")}).
      ${ledger.extra > 0 ? extraText(ledger.extra) : ""}
    </p>
    ${
      ledger.pendingSkipped > 0
        ? html`<p class="muted" data-testid="ledger-pending-skipped">
            ${pendingSkippedText(ledger)}
          </p>`
        : ""
    }
    <p class="muted">
      Everything last updated before the watermark is on the destination, except in the entries
      listed as unreconciled.
    </p>
    ${ledger.slices.length > 0 ? ledgerChart(ledger) : ""}
    <ul class="legend">
      <li><span class="swatch lg-ok"></span>reconciled</li>
      <li><span class="swatch lg-open"></span>pending</li>
      <li><span class="swatch lg-bad"></span>unreconciled</li>
      <li><span class="swatch lg-none"></span>no entry</li>
    </ul>
    ${coverage}
    ${
      rows.length === 0
        ? ""
        : html`<div class="scroll">
            <table data-testid="ledger-unreconciled">
              <caption>
                Unreconciled entries: versions before the watermark in these ranges may be missing
                (docs/operations.md, "An unreconciled ledger entry")
              </caption>
              <thead>
                <tr>
                  <th>Range</th>
                  <th>Kind</th>
                  <th class="num">Missing</th>
                  <th>Counts</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

/** Versions only on the destination, said the same way on the page and in the text. */
function extraText(extra: number): string {
  return `${plural(extra, "version")} ${extra === 1 ? "exists" : "exist"} only on the destination (extra, not loss: resources created there, or hard-deleted on the source).`;
}

/** Why skipped stretches stay pending after a catch-up, and until when. */
export function pendingSkippedText(ledger: LedgerReport): string {
  const stretches = plural(ledger.pendingSkipped, "skipped stretch", "skipped stretches");
  return `${stretches} ${ledger.pendingSkipped === 1 ? "is" : "are"} pending by design: a stretch planning found empty is counted on both servers ${formatDuration(SKIPPED_SETTLE_MS / 1000)} after it ends, so a version written into it late is still seen (one count covers the hour, not one per idle poll); the last is counted after ${formatMinute(ledger.pendingSkippedUntil)}.`;
}

/** Lines for `fhir-migrate status`. */
export function ledgerText(ledger: LedgerReport): string[] {
  const lines = [
    `Ledger: ${ledger.reconciled} reconciled, ${ledger.pending} pending, ${ledger.unreconciled} unreconciled of ${plural(ledger.entries, "entry", "entries")} (${plural(ledger.windows, "window")}, ${plural(ledger.skipped, "skipped stretch", "skipped stretches")})${ledger.extra > 0 ? `; ${extraText(ledger.extra)}` : ""}`,
    ledger.coverage.length === 0
      ? `  covers ${ledger.ledgerStartsAt ?? ledger.from ?? "-"} to ${ledger.to ?? "-"} without gap or overlap`
      : `  NOT covered exactly: ${ledger.coverage.map((c) => `${c.kind} ${c.from} to ${c.to}`).join("; ")}`,
  ];
  lines.push(
    "  everything before the watermark is on the destination, except in entries listed as unreconciled",
  );
  if (ledger.pendingSkipped > 0) lines.push(`  ${pendingSkippedText(ledger)}`);
  if (ledger.sealedUntil !== null)
    lines.push(
      `  sealed up to ${ledger.sealedUntil}: its reconciled entries are counted from their totals; ${plural(ledger.entriesRead, "entry", "entries")} read one by one`,
    );
  if (ledger.ledgerStartsAt !== null)
    lines.push(
      `  no entry before ${ledger.ledgerStartsAt} (planned before the ledger existed, or nothing planned yet)`,
    );
  if (ledger.slices.length > 0) {
    const mark: Record<LedgerSliceState, string> = {
      none: " ",
      reconciled: "=",
      open: "-",
      unreconciled: "X",
    };
    lines.push(
      `  [${ledger.slices.map((s) => mark[s.state]).join("")}]  (= reconciled, - pending, X unreconciled)`,
    );
  }
  for (const e of ledger.unreconciledEntries) {
    lines.push(
      `  UNRECONCILED ${e.kind} [${e.since}, ${e.till}): ${e.missing} missing; ${e.counts.map((c) => `${c.type}: source ${c.source}, destination ${c.destination ?? "-"}, failed ${c.failed}`).join("; ")}`,
    );
  }
  return lines;
}
