import type { FullProofRecord } from "../core/fullProof";
import { fromRow, json, requiredText, rowKind, toRow } from "./rowSpec";
import type { StateKeys } from "./cursorStore";
import { RowStore, StoredRow, rowCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";

/**
 * The last full proof, next to the cursor (src/core/fullProof.ts): the record as one JSON column;
 * ProvenUntil repeats its instant so a person reading the table sees it.
 */
export const FULL_PROOF_ROW = rowKind<{ provenUntil: string; record: FullProofRecord }>(
  "fullProof",
  {
    provenUntil: requiredText("ProvenUntil"),
    record: json<FullProofRecord>("Record"),
  },
);

export function fullProofToRow(
  partitionKey: string,
  rowKey: string,
  record: FullProofRecord,
): TableRow {
  return toRow(FULL_PROOF_ROW, partitionKey, rowKey, { provenUntil: record.provenUntil, record });
}

export function fullProofFromRow(row: TableRow): FullProofRecord {
  return fromRow(FULL_PROOF_ROW, row).record;
}

/** The last full proof's row (src/core/fullProof.ts): `{rowKey}-fullproof` in the cursor table. */
export function storedFullProof(
  table: TableRepository<TableRow>,
  keys: StateKeys,
): StoredRow<FullProofRecord> {
  return new StoredRow(new RowStore(table, rowCodec(fullProofToRow, fullProofFromRow)), {
    partitionKey: keys.partitionKey,
    rowKey: `${keys.rowKey}-fullproof`,
  });
}
