import type { CutoverPhase, CutoverRecord } from "../core/cutover";
import { fromRow, json, requiredText, rowKind, toRow, word } from "./rowSpec";
import type { StateKeys } from "./cursorStore";
import { RowStore, StoredRow, rowCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";

/**
 * The cutover row holds the record as one JSON column (bounded: the verdict caps its problem list);
 * Phase and Freeze repeat two of its fields so a person reading the table sees them.
 */
export const CUTOVER_ROW = rowKind<{ phase: CutoverPhase; freeze: string; record: CutoverRecord }>(
  "cutover",
  {
    phase: word<CutoverPhase>("Phase"),
    freeze: requiredText("Freeze"),
    record: json<CutoverRecord>("Record", { max: 30000 }),
  },
);

export function cutoverToRow(
  partitionKey: string,
  rowKey: string,
  record: CutoverRecord,
): TableRow {
  return toRow(CUTOVER_ROW, partitionKey, rowKey, {
    phase: record.phase,
    freeze: record.freeze,
    record,
  });
}

export function cutoverFromRow(row: TableRow): CutoverRecord {
  return fromRow(CUTOVER_ROW, row).record;
}

/** The cutover operation's row (src/core/cutover.ts): `{rowKey}-cutover` in the cursor table. */
export function storedCutover(
  table: TableRepository<TableRow>,
  keys: StateKeys,
): StoredRow<CutoverRecord> {
  return new StoredRow(new RowStore(table, rowCodec(cutoverToRow, cutoverFromRow)), {
    partitionKey: keys.partitionKey,
    rowKey: `${keys.rowKey}-cutover`,
  });
}
