/**
 * The ledger's seal on Azurite (src/core/ledgerSeal.ts, src/storage/ledgerStore.ts), kept in the
 * marker row: a pass's read of the open entries moves it over the final ones in front of them; it
 * keeps unreconciled entries as exceptions that may still be recounted, refuses a write that
 * would re-open an entry it sealed, and a status build reads only what follows it.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { LedgerEntry, LedgerStatus } from "../../../src/core/ledger";
import { ALL_TYPES, judgeCount, newLedgerEntry } from "../../../src/core/ledger";
import { EMPTY_SEAL } from "../../../src/core/ledgerSeal";
import { LedgerEntrySealedError, LedgerStore } from "../../../src/storage/ledgerStore";
import type { TableRepository, TableRow } from "../../../src/storage/tableRepository";
import { freshTable } from "../../support/freshTable";

const t = (hour: number) => new Date(Date.UTC(2024, 0, 1, hour)).toISOString();
const entry = (from: number, to: number, status: LedgerStatus): LedgerEntry => ({
  ...newLedgerEntry({
    since: t(from),
    till: t(to),
    kind: "window",
    chunkSeqs: [from + 1],
    expected: {},
    plannedAt: undefined,
  }),
  status,
  counts: [judgeCount(ALL_TYPES, 4, status === "unreconciled" ? 3 : 5, 0)],
});

async function listedAfterSeal(ledger: LedgerStore): Promise<string[]> {
  const starts: string[] = [];
  for await (const e of ledger.listAfterSeal(await ledger.seal())) starts.push(e.since);
  return starts;
}

describe("the ledger's seal against Azurite", () => {
  let table: TableRepository<TableRow>;
  let ledger: LedgerStore;

  beforeEach(async () => {
    table = await freshTable();
    ledger = new LedgerStore(table, { partitionKey: "pk", rowKey: "rk" });
    for (const e of [
      entry(0, 1, "reconciled"),
      entry(1, 2, "unreconciled"),
      entry(2, 3, "reconciled"),
      entry(3, 4, "pending"),
      entry(4, 5, "reconciled"),
    ])
      await ledger.insert(e);
  });

  it("seals up to the first open entry, and lists only what follows", async () => {
    expect(await ledger.seal()).toEqual(EMPTY_SEAL);
    const open = await ledger.listOpen(10, t(5));
    expect(open.map((e) => e.since)).toEqual([t(3)]);
    expect(await ledger.seal()).toEqual({
      from: t(0),
      till: t(3),
      reconciled: 2,
      windows: 2,
      skipped: 0,
      extra: 2,
      exceptions: [t(1)],
    });
    expect(await listedAfterSeal(ledger)).toEqual([t(3), t(4)]);
  });

  it("does not seal past the frontier, and catches up with the marker once the frontier moved", async () => {
    await ledger.listOpen(10, t(2));
    expect(await ledger.seal()).toMatchObject({ till: t(2) });
    await ledger.listOpen(10, t(5));
    expect(await ledger.seal()).toMatchObject({ till: t(3), reconciled: 2 });
  });

  it("seals the entries before a marker written before the seal existed", async () => {
    await table.upsert({
      partitionKey: "pk-ledger",
      rowKey: "rk-~open",
      Kind: "ledgerMarker",
      OpenFrom: `rk-${String(Date.parse(t(3))).padStart(15, "0")}`,
    });
    expect(await ledger.seal()).toEqual(EMPTY_SEAL);
    await ledger.listOpen(10, t(5));
    expect(await ledger.seal()).toMatchObject({ till: t(3), reconciled: 2, exceptions: [t(1)] });
  });

  it("refuses to re-open a reconciled entry it sealed, and leaves the entry as it was", async () => {
    await ledger.listOpen(10, t(5));
    const reopen = (e: LedgerEntry): LedgerEntry => ({ ...e, status: "pending" });
    await expect(ledger.change(t(0), reopen)).rejects.toBeInstanceOf(LedgerEntrySealedError);
    expect((await ledger.get(t(0)))?.status).toBe("reconciled");
    // After the seal, a final entry may still change (nothing sealed it yet).
    expect((await ledger.change(t(4), reopen)).written).toBe(true);
  });

  it("lets a measurement forget the seal, then set entries back and seal them again", async () => {
    await ledger.listOpen(10, t(5));
    await ledger.unseal();
    expect(await ledger.seal()).toEqual(EMPTY_SEAL);
    await ledger.change(t(0), (e) => ({ ...e, status: "pending" }));
    expect((await ledger.listOpen(10, t(5))).map((e) => e.since)).toEqual([t(0), t(3)]);
    expect(await ledger.seal()).toEqual(EMPTY_SEAL);
  });

  it("lets the recount reconcile an exception, then folds it into the totals", async () => {
    await ledger.listOpen(10, t(5));
    const recounted = await ledger.change(t(1), (e) => ({ ...e, status: "reconciled" }));
    expect(recounted.written).toBe(true);
    await ledger.foldException(t(1));
    expect(await ledger.seal()).toMatchObject({ till: t(3), reconciled: 3, exceptions: [] });
    await expect(
      ledger.change(t(1), (e) => ({ ...e, status: "unreconciled" })),
    ).rejects.toBeInstanceOf(LedgerEntrySealedError);
  });

  it("keeps the totals of a runner that moved the seal first", async () => {
    await Promise.all([ledger.listOpen(10, t(5)), ledger.listOpen(10, t(5))]);
    expect(await ledger.seal()).toMatchObject({ till: t(3), reconciled: 2, exceptions: [t(1)] });
  });
});
