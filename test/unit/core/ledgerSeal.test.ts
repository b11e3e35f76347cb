import { describe, expect, it } from "vitest";
import type { LedgerEntry, LedgerStatus } from "../../../src/core/ledger";
import { ALL_TYPES, judgeCount, summarizeLedger } from "../../../src/core/ledger";
import {
  EMPTY_SEAL,
  MAX_SEAL_EXCEPTIONS,
  advanceSeal,
  foldEntry,
  foldReconciledExceptions,
  isSealed,
  sealAllowsChange,
  sealStop,
} from "../../../src/core/ledgerSeal";
import { hourInstant, windowEntry } from "../../support/ledgerEntries";

const t = hourInstant;
const entry = (
  from: number,
  to: number,
  status: LedgerStatus = "reconciled",
  fields: Partial<LedgerEntry> = {},
): LedgerEntry => windowEntry(from, to, { status, ...fields });

describe("which entry may join the ledger's seal", () => {
  const sealed = foldEntry(EMPTY_SEAL, entry(0, 2));

  it("takes the first entry of the ledger into an empty seal, wherever it starts", () => {
    expect(sealStop(EMPTY_SEAL, entry(3, 4), t(10))).toBeUndefined();
  });

  it("takes only an entry that starts where the seal ends", () => {
    expect(sealStop(sealed, entry(2, 3), t(10))).toBeUndefined();
    expect(sealStop(sealed, entry(3, 4), t(10))).toBe("not contiguous");
    expect(sealStop(sealed, entry(1, 3), t(10))).toBe("not contiguous");
  });

  it.each<LedgerStatus>(["pending", "recheck", "reimporting"])(
    "stops at an entry still %s",
    (status) => {
      expect(sealStop(sealed, entry(2, 3, status), t(10))).toBe("open");
    },
  );

  it("stops at an entry reaching past the frontier, or with no frontier", () => {
    expect(sealStop(sealed, entry(2, 11), t(10))).toBe("past the frontier");
    expect(sealStop(sealed, entry(2, 3), undefined)).toBe("past the frontier");
    expect(sealStop(sealed, entry(2, 10), t(10))).toBeUndefined();
  });

  it("takes unreconciled entries as exceptions, up to MAX_SEAL_EXCEPTIONS", () => {
    let seal = EMPTY_SEAL;
    for (let i = 0; i < MAX_SEAL_EXCEPTIONS; i++)
      seal = foldEntry(seal, entry(i, i + 1, "unreconciled"));
    const next = entry(MAX_SEAL_EXCEPTIONS, MAX_SEAL_EXCEPTIONS + 1, "unreconciled");
    const reconciled = entry(MAX_SEAL_EXCEPTIONS, MAX_SEAL_EXCEPTIONS + 1);
    const frontier = t(MAX_SEAL_EXCEPTIONS + 1);
    expect(sealStop(seal, next, frontier)).toBe("too many exceptions");
    expect(sealStop(seal, reconciled, frontier)).toBeUndefined();
  });
});

describe("folding entries into the seal", () => {
  const entries = [
    entry(0, 1, "reconciled", { counts: [judgeCount(ALL_TYPES, 5, 7, 0)] }),
    entry(1, 2, "reconciled", { kind: "skipped", chunkSeqs: [] }),
    entry(2, 3, "unreconciled", { counts: [judgeCount("Patient", 9, 7, 1)] }),
    entry(3, 5, "reconciled", { counts: [judgeCount("Patient", 3, 4, 0)] }),
    entry(5, 6, "pending"),
    entry(6, 7),
  ];

  it("advances over the final entries up to the first open one", () => {
    const { seal, sealed } = advanceSeal(EMPTY_SEAL, entries, t(7));
    expect(sealed).toBe(4);
    expect(seal).toEqual({
      from: t(0),
      till: t(5),
      reconciled: 3,
      windows: 2,
      skipped: 1,
      extra: 3,
      exceptions: [t(2)],
    });
  });

  it("keeps totals equal to the sum of the reconciled entries it replaces", () => {
    const { seal } = advanceSeal(EMPTY_SEAL, entries, t(7));
    const replaced = entries.filter((e) => e.till <= seal.till! && e.status === "reconciled");
    const summary = summarizeLedger(replaced, t(0), t(5));
    expect({
      entries: seal.reconciled,
      windows: seal.windows,
      skipped: seal.skipped,
      extra: seal.extra,
    }).toEqual({
      entries: summary.reconciled,
      windows: summary.windows,
      skipped: summary.skipped,
      extra: summary.extra,
    });
  });

  it("gives the same seal advanced in several steps as in one", () => {
    const final = entries.slice(0, 4);
    const once = advanceSeal(EMPTY_SEAL, final, t(7)).seal;
    const first = advanceSeal(EMPTY_SEAL, final.slice(0, 2), t(7)).seal;
    expect(advanceSeal(first, final.slice(2), t(7)).seal).toEqual(once);
  });

  it("does not move over a gap", () => {
    const { seal, sealed } = advanceSeal(EMPTY_SEAL, [entry(0, 1), entry(2, 3)], t(7));
    expect(sealed).toBe(1);
    expect(seal.till).toBe(t(1));
  });

  it("folds an exception into the totals once it is reconciled, and keeps the others", () => {
    const { seal } = advanceSeal(
      EMPTY_SEAL,
      [entry(0, 1, "unreconciled"), entry(1, 2, "unreconciled"), entry(2, 3, "unreconciled")],
      t(7),
    );
    const recounted = entry(1, 2, "reconciled", { counts: [judgeCount(ALL_TYPES, 4, 6, 0)] });
    const current = new Map([
      [t(0), entry(0, 1, "unreconciled")],
      [t(1), recounted],
      [t(2), entry(2, 3, "unreconciled")],
    ]);
    expect(foldReconciledExceptions(seal, current)).toEqual({
      ...seal,
      reconciled: 1,
      windows: 1,
      extra: 2,
      exceptions: [t(0), t(2)],
    });
  });
});

describe("writes to an entry the seal covers", () => {
  const seal = advanceSeal(
    EMPTY_SEAL,
    [entry(0, 1), entry(1, 2, "unreconciled"), entry(2, 3)],
    t(7),
  ).seal;

  it("knows which entries lie in the sealed prefix", () => {
    expect(isSealed(seal, t(0))).toBe(true);
    expect(isSealed(seal, t(2))).toBe(true);
    expect(isSealed(seal, t(3))).toBe(false);
    expect(isSealed(EMPTY_SEAL, t(0))).toBe(false);
  });

  it("refuses any change to a reconciled entry folded into the totals (re-opening it)", () => {
    expect(sealAllowsChange(seal, entry(0, 1), entry(0, 1, "pending"))).toBe(false);
  });

  it("lets an unreconciled entry be recounted in place, but not move", () => {
    expect(sealAllowsChange(seal, entry(1, 2, "unreconciled"), entry(1, 2))).toBe(true);
    expect(sealAllowsChange(seal, entry(1, 2, "unreconciled"), entry(1, 3))).toBe(false);
  });

  it("lets entries after the seal change freely", () => {
    expect(sealAllowsChange(seal, entry(3, 4), entry(3, 5, "pending"))).toBe(true);
  });
});
