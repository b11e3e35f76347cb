import { chunkKey, payloadKey } from "../core/migrationState";
import { custom, fromRow, requiredText, rowKind, toRow } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";

export interface FailedResourceRecord {
  chunkSeq: number;
  payloadIndex: number;
  resourceType: string;
  id: string;
  reason: string;
  inputUrl: string;
  /** Set for a resource found by isolation (src/core/importIsolation.ts). */
  isolated?: {
    version: string | undefined;
    /** 1-based non-empty line of inputUrl (the original export file). */
    line: number;
    since: string;
    till: string;
    /** Row key suffix: one row per isolated resource, written again after a crash without a copy. */
    partId: string;
  };
}

/** What the status page groups failed resources by (listFailedResourceReasons). */
export type FailedResourceReason = Pick<
  FailedResourceRecord,
  "chunkSeq" | "resourceType" | "id" | "reason"
>;

/** A resource the destination refused, partition `{pk}-failed` of the job table. */
export const FAILED_RESOURCE_ROW = rowKind<FailedResourceRecord>("failedResource", {
  chunkSeq: custom<number>("ChunkId", chunkKey, Number),
  payloadIndex: custom<number>("PayloadIndex", (index) => index, Number),
  resourceType: requiredText("ResourceType"),
  id: requiredText("ResourceId"),
  // Reasons quote servers: cleaned where they enter the table (toRow), then cut.
  reason: custom<string>("Reason", (reason) => reason.slice(0, 4000), String),
  inputUrl: requiredText("InputUrl"),
  isolated: {
    names: ["ResourceVersion", "Line", "WindowSince", "WindowTill", "PartId"],
    writeCells: (iso): Record<string, string | number> =>
      iso === undefined
        ? {}
        : {
            ResourceVersion: iso.version ?? "",
            Line: iso.line,
            WindowSince: iso.since,
            WindowTill: iso.till,
            PartId: iso.partId,
          },
    readRow: (row) =>
      row.PartId === undefined
        ? undefined
        : {
            version: row.ResourceVersion === "" ? undefined : String(row.ResourceVersion),
            line: Number(row.Line),
            since: String(row.WindowSince),
            till: String(row.WindowTill),
            partId: String(row.PartId),
          },
    omitWhenAbsent: true,
  },
});

/**
 * Resources a server refused or an export could not write, one row each in the job table's
 * partition `{pk}-failed`, row key `{chunk}-p{n}-{seq}` (or `-i-{partId}` for one found by isolation,
 * so writing it again after a crash makes no copy).
 */
export class FailedResourceStore {
  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly partitionKey: string,
  ) {}

  /** `tag` keeps rows recorded by another step for the same payload (window checks) apart. */
  async recordFailedResources(records: readonly FailedResourceRecord[], tag = ""): Promise<void> {
    for (const [n, r] of records.entries()) {
      const iso = r.isolated;
      await this.table.upsert(
        toRow(
          FAILED_RESOURCE_ROW,
          `${this.partitionKey}-failed`,
          `${payloadKey(r.chunkSeq, r.payloadIndex)}-${iso === undefined ? `${tag}${String(n).padStart(6, "0")}` : `i-${iso.partId}`}`,
          r,
        ),
      );
    }
  }

  /** The failed-resource rows' type, id, reason and chunk only: what the status page groups. */
  async *listFailedResourceReasons(): AsyncIterable<FailedResourceReason> {
    for await (const row of this.table.list(`${this.partitionKey}-failed`, {
      select: ["ChunkId", "ResourceType", "ResourceId", "Reason"],
    })) {
      yield {
        chunkSeq: Number(row.ChunkId),
        resourceType: String(row.ResourceType),
        id: String(row.ResourceId),
        reason: String(row.Reason),
      };
    }
  }

  async *listFailedResources(): AsyncIterable<FailedResourceRecord> {
    for await (const row of this.table.list(`${this.partitionKey}-failed`)) {
      yield fromRow(FAILED_RESOURCE_ROW, row);
    }
  }
}
