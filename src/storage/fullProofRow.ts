import type { FullProofRecord } from "../core/fullProof";
import type { TableRow } from "./tableRepository";

/** The last full proof, next to the cursor (src/core/fullProof.ts): one JSON column plus its instant. */
export function fullProofToRow(
  partitionKey: string,
  rowKey: string,
  record: FullProofRecord,
): TableRow {
  return {
    partitionKey,
    rowKey,
    Kind: "fullProof",
    ProvenUntil: record.provenUntil,
    Record: JSON.stringify(record),
  };
}

export function fullProofFromRow(row: TableRow): FullProofRecord {
  return JSON.parse(String(row.Record)) as FullProofRecord;
}
