import type { LedgerEntry } from "../../src/core/ledger";
import { newLedgerEntry } from "../../src/core/ledger";

/** An hour of 2024-01-01 as an instant: ledger tests speak of hours since midnight. */
export const hourInstant = (hour: number): string =>
  new Date(Date.UTC(2024, 0, 1, hour)).toISOString();

/** A window entry over [from, to) hours of 2024-01-01, as planned, with `fields` over it. */
export function windowEntry(
  from: number,
  to: number,
  fields: Partial<LedgerEntry> = {},
): LedgerEntry {
  return {
    ...newLedgerEntry({
      since: hourInstant(from),
      till: hourInstant(to),
      kind: "window",
      chunkSeqs: [1],
      expected: {},
      plannedAt: undefined,
    }),
    ...fields,
  };
}
