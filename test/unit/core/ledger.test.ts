import { describe, expect, it } from "vitest";
import {
  ALL_TYPES,
  coverageProblems,
  judgeCount,
  judgeWindowByType,
  OTHER_TYPES,
  totalExtra,
  totalMissing,
  ledgerKey,
  ledgerStep,
  newLedgerEntry,
  SKIPPED_SETTLE_MS,
  summarizeLedger,
} from "../../../src/core/ledger";
import type { LedgerEntry } from "../../../src/core/ledger";

const t = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
const entry = (from: number, to: number, fields: Partial<LedgerEntry> = {}): LedgerEntry => ({
  ...newLedgerEntry({
    since: t(from),
    till: t(to),
    kind: "window",
    chunkSeqs: [from + 1],
    expected: { [ALL_TYPES]: 1 },
    plannedAt: undefined,
  }),
  ...fields,
});

describe("ledger coverage", () => {
  it("finds nothing wrong with entries chained from the start to the frontier", () => {
    expect(coverageProblems([entry(0, 5), entry(5, 9)], t(0), t(9))).toEqual([]);
  });

  it("reports a gap between entries", () => {
    expect(coverageProblems([entry(0, 5), entry(6, 9)], t(0), t(9))).toEqual([
      { kind: "gap", from: t(5), to: t(6) },
    ]);
  });

  it("reports an overlap between entries", () => {
    expect(coverageProblems([entry(0, 5), entry(4, 9)], t(0), t(9))).toEqual([
      { kind: "overlap", from: t(4), to: t(5) },
    ]);
  });

  it("reports a frontier beyond the last entry as a gap", () => {
    expect(coverageProblems([entry(0, 5)], t(0), t(7))).toEqual([
      { kind: "gap", from: t(5), to: t(7) },
    ]);
  });
});

describe("judgeCount", () => {
  it("owes the source's versions less the recorded failures", () => {
    expect(judgeCount("Patient", 10, 8, 2)).toMatchObject({ missing: 0, extra: 0 });
  });

  it("reports versions the destination lacks as missing", () => {
    expect(judgeCount("Patient", 10, 7, 1)).toMatchObject({ missing: 2, extra: 0 });
  });

  it("reports versions only on the destination as extra, never as missing", () => {
    expect(judgeCount("Patient", 10, 13, 0)).toMatchObject({ missing: 0, extra: 3 });
  });

  it("owes everything the source holds when the destination is not counted (a skipped stretch)", () => {
    expect(judgeCount(ALL_TYPES, 2, undefined, 0)).toMatchObject({ missing: 2, extra: 0 });
  });
});

describe("ledgerStep", () => {
  const now = Date.parse(t(10));
  it("counts a window once its chunks are processed", () => {
    expect(ledgerStep(entry(0, 5), () => true, now)).toBe("count");
  });

  it("waits for a window whose chunks are not all processed", () => {
    expect(ledgerStep(entry(0, 5), () => false, now)).toBeUndefined();
  });

  it("waits for a recount until its time", () => {
    expect(
      ledgerStep(entry(0, 5, { status: "recheck", nextCheckAt: t(11) }), () => true, now),
    ).toBe(undefined);
    expect(
      ledgerStep(entry(0, 5, { status: "recheck", nextCheckAt: t(10) }), () => true, now),
    ).toBe("count");
  });

  it("counts a skipped stretch once it ended SKIPPED_SETTLE_MS ago, so idle stretches are counted together", () => {
    const skipped = entry(0, 5, { kind: "skipped", chunkSeqs: [] });
    expect(ledgerStep(skipped, () => true, Date.parse(t(5)) + SKIPPED_SETTLE_MS - 1)).toBe(
      undefined,
    );
    expect(ledgerStep(skipped, () => true, Date.parse(t(5)) + SKIPPED_SETTLE_MS)).toBe("count");
  });

  it("counts a skipped stretch ending at or before a cutover's settled freeze at once", () => {
    const skipped = entry(0, 5, { kind: "skipped", chunkSeqs: [] });
    expect(ledgerStep(skipped, () => true, now, Date.parse(t(5)))).toBe("count");
    expect(ledgerStep(skipped, () => true, now, Date.parse(t(4)))).toBe(undefined);
  });

  it("has nothing to do for concluded entries", () => {
    expect(ledgerStep(entry(0, 5, { status: "unreconciled" }), () => true, now)).toBeUndefined();
  });
});

describe("ledgerKey", () => {
  it("sorts by time as text", () => {
    expect(ledgerKey("1999-12-31T23:59:59.999Z") < ledgerKey("2024-01-01T00:00:00.000Z")).toBe(
      true,
    );
    expect(ledgerKey("2024-01-01T00:00:00.000+00:00")).toBe(ledgerKey("2024-01-01T00:00:00.000Z"));
  });
});

describe("summarizeLedger", () => {
  it("counts entries per status and the versions missing from unreconciled ones", () => {
    const missing = [judgeCount(ALL_TYPES, 5, 3, 0)];
    const summary = summarizeLedger(
      [
        entry(0, 5, { status: "reconciled", counts: [judgeCount(ALL_TYPES, 5, 6, 0)] }),
        entry(5, 7, { status: "unreconciled", counts: missing }),
        entry(7, 9, { kind: "skipped", chunkSeqs: [] }),
      ],
      t(0),
      t(9),
    );
    expect(summary).toMatchObject({
      entries: 3,
      windows: 2,
      skipped: 1,
      reconciled: 1,
      open: 1,
      unreconciled: 1,
      missing: 2,
      extra: 1,
      coverage: [],
    });
  });
});

describe("judgeWindowByType", () => {
  it("finds a loss of one type that a gain of another would cancel in the totals", () => {
    const counts = judgeWindowByType({
      types: [
        { type: "Patient", source: 20, destination: 19, failed: 0 },
        { type: "Encounter", source: 20, destination: 20, failed: 0 },
      ],
      searchParameters: { source: 0, destination: 0 },
      // An Observation created on the destination: 40 = 40 in the totals.
      totals: { source: 40, destination: 40 },
      failedTotal: 0,
    });
    expect(totalMissing(counts)).toBe(1);
    expect(totalExtra(counts)).toBe(1);
    expect(counts.find((c) => c.missing > 0)?.type).toBe("Patient");
    expect(counts.find((c) => c.extra > 0)?.type).toBe(OTHER_TYPES);
  });

  it("owes no SearchParameter and counts the tool's copies on the destination as neither extra nor loss", () => {
    const counts = judgeWindowByType({
      types: [{ type: "Patient", source: 40, destination: 39, failed: 0 }],
      searchParameters: { source: 0, destination: 1 },
      totals: { source: 40, destination: 40 },
      failedTotal: 0,
    });
    expect(counts).toEqual([
      { type: "Patient", source: 40, destination: 39, failed: 0, missing: 1, extra: 0 },
      { type: OTHER_TYPES, source: 0, destination: 0, failed: 0, missing: 0, extra: 0 },
      { type: "SearchParameter", source: 0, destination: 1, failed: 0, missing: 0, extra: 0 },
    ]);
  });

  it("judges what the listed types do not account for, with the failures not listed by type", () => {
    const counts = judgeWindowByType({
      types: [{ type: "Patient", source: 10, destination: 10, failed: 0 }],
      searchParameters: { source: 2, destination: 0 },
      totals: { source: 15, destination: 11 },
      failedTotal: 1,
    });
    expect(counts.find((c) => c.type === OTHER_TYPES)).toEqual({
      type: OTHER_TYPES,
      source: 3,
      destination: 1,
      failed: 1,
      missing: 1,
      extra: 0,
    });
  });
});
