import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/core/ledger";
import { ALL_TYPES, judgeCount } from "../../../src/core/ledger";
import { EMPTY_SEAL, advanceSeal } from "../../../src/core/ledgerSeal";
import {
  LEDGER_SLICES,
  LedgerTally,
  ledgerChart,
  ledgerSection,
  ledgerText,
} from "../../../src/status/ledgerOverview";
import { hourInstant, windowEntry } from "../../support/ledgerEntries";

const t = hourInstant;
const entry = windowEntry;

function tally(entries: LedgerEntry[], start = t(0), frontier = t(10)) {
  const ledger = new LedgerTally(start, frontier);
  for (const e of entries) ledger.add(e);
  return ledger.result();
}

describe("the ledger overview", () => {
  const unreconciled = entry(4, 6, {
    status: "unreconciled",
    counts: [judgeCount("Patient", 9, 7, 1), judgeCount("Encounter", 3, 3, 0)],
    reason: "still short",
  });
  const report = tally([
    entry(0, 4, { status: "reconciled", counts: [judgeCount(ALL_TYPES, 5, 7, 0)] }),
    unreconciled,
    entry(6, 10, { kind: "skipped", chunkSeqs: [] }),
  ]);

  it("counts entries per status, the missing and the extra versions", () => {
    expect(report).toMatchObject({
      entries: 3,
      reconciled: 1,
      pending: 1,
      unreconciled: 1,
      missing: 1,
      extra: 2,
      coverage: [],
      ledgerStartsAt: null,
    });
  });

  it("lists an unreconciled entry with the per-type numbers that differ", () => {
    expect(report.unreconciledEntries).toEqual([
      {
        since: t(4),
        till: t(6),
        kind: "window",
        reason: "still short",
        missing: 1,
        counts: [{ type: "Patient", source: 9, destination: 7, failed: 1, missing: 1, extra: 0 }],
      },
    ]);
  });

  it("colours each slice of the timeline by the worst status in it", () => {
    expect(report.slices).toHaveLength(LEDGER_SLICES);
    expect(report.slices[0]?.state).toBe("reconciled");
    expect(report.slices[Math.floor(LEDGER_SLICES / 2)]?.state).toBe("unreconciled");
    expect(report.slices.at(-1)?.state).toBe("open");
  });

  it("reports a gap between entries", () => {
    expect(tally([entry(0, 4), entry(5, 10)]).coverage).toEqual([
      { kind: "gap", from: t(4), to: t(5) },
    ]);
  });

  it("says where the ledger begins when the start was planned without it", () => {
    expect(tally([entry(3, 10)])).toMatchObject({ coverage: [], ledgerStartsAt: t(3) });
  });

  it("draws the strip and the unreconciled table on the page", () => {
    const page = ledgerSection(report).value;
    expect(page).toContain('data-testid="ledger-chart"');
    expect(page).toContain('data-testid="ledger-unreconciled"');
    expect(page).toContain("Patient: source 9, destination 7, failed 1");
  });

  it("explains a pending skipped stretch on the page and in the text, with when it is counted", () => {
    expect(report).toMatchObject({ pendingSkipped: 1, pendingSkippedUntil: t(11) });
    const line =
      "1 skipped stretch is pending by design: a stretch planning found empty is counted on both servers 1 h after it ends, so a version written into it late is still seen (one count covers the hour, not one per idle poll); the last is counted after 2024-01-01 11:00 UTC.";
    expect(ledgerSection(report).value).toContain(line);
    expect(ledgerText(report)).toContain(`  ${line}`);
  });

  it("says one extra version in the singular", () => {
    const one = tally([
      entry(0, 10, { status: "reconciled", counts: [judgeCount(ALL_TYPES, 5, 6, 0)] }),
    ]);
    expect(ledgerSection(one).value).toContain("1 version exists only on the destination");
    expect(ledgerSection(one).value).not.toContain("1 versions");
  });

  it("writes the same at a glance for the CLI", () => {
    const text = ledgerText(report).join("\n");
    expect(text).toContain("1 reconciled, 1 pending, 1 unreconciled of 3 entries");
    expect(text).toContain(`UNRECONCILED window [${t(4)}, ${t(6)}): 1 missing`);
  });
});

describe("the ledger overview from a sealed prefix", () => {
  // Hours 0 to 30: reconciled windows and skipped stretches, two unreconciled entries (one
  // recounted since it was sealed), an open entry, a gap and entries after it.
  const entries: LedgerEntry[] = [];
  for (let h = 0; h < 24; h++) {
    entries.push(
      h === 5 || h === 9
        ? entry(h, h + 1, {
            status: "unreconciled",
            counts: [judgeCount("Patient", 9, 7, 1)],
            reason: "still short",
          })
        : entry(h, h + 1, {
            status: "reconciled",
            kind: h % 3 === 0 ? "skipped" : "window",
            counts: [judgeCount(ALL_TYPES, h, h + (h % 4), 0)],
          }),
    );
  }
  entries.push(entry(24, 25), entry(26, 27, { status: "reconciled" }));
  entries.push(entry(27, 30, { kind: "skipped", chunkSeqs: [] }));
  const start = t(0);
  const frontier = t(30);
  const { seal } = advanceSeal(EMPTY_SEAL, entries, frontier);

  function fromSeal(current: readonly LedgerEntry[]) {
    const ledger = new LedgerTally(start, frontier);
    ledger.addSeal(
      seal,
      current.filter((e) => seal.exceptions.includes(e.since)),
    );
    for (const e of current) if (e.since >= seal.till!) ledger.add(e);
    return ledger.result();
  }

  const comparable = (report: ReturnType<typeof tally>) => ({
    ...report,
    entriesRead: 0,
    sealedUntil: null,
    slices: report.slices.map((s) => s.state),
  });

  it("seals up to the first open entry", () => {
    expect(seal.till).toBe(t(24));
    expect(seal.exceptions).toEqual([t(5), t(9)]);
  });

  it("reports what reading every entry reports, reading only the seal's exceptions and what follows", () => {
    const report = fromSeal(entries);
    expect(comparable(report)).toEqual(comparable(tally(entries, start, frontier)));
    expect(report.entriesRead).toBe(2 + 3);
    expect(report.sealedUntil).toBe(t(24));
    expect(report.coverage).toEqual([{ kind: "gap", from: t(25), to: t(26) }]);
  });

  it("counts an exception as it is now when the cutover's recount reconciled it", () => {
    const recounted = entries.map((e) =>
      e.since === t(9) ? { ...e, status: "reconciled" as const, counts: [] } : e,
    );
    const report = fromSeal(recounted);
    expect(comparable(report)).toEqual(comparable(tally(recounted, start, frontier)));
    expect(report).toMatchObject({ unreconciled: 1, missing: 1 });
  });

  it("says on the strip which slices are sealed, without claiming their entry counts", () => {
    const report = fromSeal(entries);
    expect(report.slices[0]).toMatchObject({ sealed: true, state: "reconciled", entries: 0 });
    expect(report.slices.at(-1)).toMatchObject({ sealed: false });
    expect(String(ledgerChart(report))).toContain("sealed prefix");
    expect(ledgerText(report)).toContain(
      `  sealed up to ${t(24)}: its reconciled entries are counted from their totals; 5 entries read one by one`,
    );
  });
});
