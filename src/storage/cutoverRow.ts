import type { CutoverRecord } from "../core/cutover";
import type { TableRow } from "./tableRepository";

/** The cutover row holds the record as one JSON column (bounded: the verdict caps its problem list). */
export function cutoverToRow(
  partitionKey: string,
  rowKey: string,
  record: CutoverRecord,
): TableRow {
  return {
    partitionKey,
    rowKey,
    Kind: "cutover",
    Phase: record.phase,
    Freeze: record.freeze,
    Record: JSON.stringify(record).slice(0, 30000),
  };
}

export function cutoverFromRow(row: TableRow): CutoverRecord {
  return JSON.parse(String(row.Record)) as CutoverRecord;
}
