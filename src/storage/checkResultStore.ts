import type { CheckSummary } from "../verify/runSummary";
import type { LatestRunRecord } from "./checkSummaryRows";
import {
  LATEST_RUN_KEY,
  LATEST_RUN_ROW,
  checkSummaryFromRow,
  checkSummaryToRow,
  runCheckColumns,
} from "./checkSummaryRows";
import { custom, fromRow, requiredText, rowKind, toRow } from "./rowSpec";
import { RowStore, kindCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";

export interface CheckResultRecord {
  runId: string;
  kind: "surface" | "deep" | "reconcile" | "full";
  resourceType: string;
  key: string;
  result: string;
  details: string;
}

/** A verification check's row, partition `{pk}-checks` of the job table. */
export const CHECK_ROW = rowKind<CheckResultRecord>("check", {
  ...runCheckColumns<CheckResultRecord["kind"]>(),
  resourceType: requiredText("Resource"),
  key: requiredText("Key"),
  result: requiredText("Result"),
  // Details quote servers: cleaned where they enter the table (toRow), then cut.
  details: custom<string>(
    "Details",
    (details) => details.slice(0, 30000),
    (cell) => (typeof cell === "string" ? cell : ""),
  ),
});

/**
 * The verification's rows in the job table: each check's row (partition `{pk}-checks`), each run's
 * check summaries and the latest-run row (partition `{pk}-runs`).
 */
export class CheckResultStore {
  private readonly latestRuns: RowStore<LatestRunRecord>;

  constructor(
    private readonly table: TableRepository<TableRow>,
    private readonly partitionKey: string,
  ) {
    this.latestRuns = new RowStore(table, kindCodec(LATEST_RUN_ROW));
  }

  async recordCheckResult(record: CheckResultRecord): Promise<void> {
    await this.table.upsert(
      toRow(CHECK_ROW, `${this.partitionKey}-checks`, this.checkRowKey(record), record),
    );
  }

  private checkRowKey(r: Pick<CheckResultRecord, "runId" | "kind" | "resourceType" | "key">) {
    return `${r.runId}-${r.kind}-${r.resourceType}-${r.key}`.slice(0, 900);
  }

  /** One check row, or undefined (the full check resumes from the unit rows a run wrote). */
  async getCheckResult(
    record: Pick<CheckResultRecord, "runId" | "kind" | "resourceType" | "key">,
  ): Promise<CheckResultRecord | undefined> {
    const row = await this.table.get(`${this.partitionKey}-checks`, this.checkRowKey(record));
    if (row === undefined || row.RunId !== record.runId) return undefined;
    const { result, details } = fromRow(CHECK_ROW, row);
    return { ...record, result, details };
  }

  /** Every check row of one run (surface, deep and reconcile), in row-key order. */
  async *listCheckResults(runId: string): AsyncIterable<CheckResultRecord> {
    for await (const row of this.table.list(`${this.partitionKey}-checks`, {
      rowKeyPrefix: `${runId}-`,
    })) {
      if (row.RunId !== runId) continue;
      yield fromRow(CHECK_ROW, row);
    }
  }

  /** Check rows of one check of one run, in row-key order (the status reads the surface rows). */
  async *listRunCheckResults(
    runId: string,
    kind: CheckResultRecord["kind"],
  ): AsyncIterable<CheckResultRecord> {
    for await (const row of this.table.list(`${this.partitionKey}-checks`, {
      rowKeyPrefix: `${runId}-${kind}-`,
    })) {
      if (row.RunId !== runId) continue;
      yield fromRow(CHECK_ROW, row);
    }
  }

  /**
   * Every check row of every run (cleanup finds the runs whose samples it lists). The status never
   * reads this: it reads the runs' summary rows.
   */
  async *listAllCheckResults(): AsyncIterable<CheckResultRecord> {
    for await (const row of this.table.list(`${this.partitionKey}-checks`)) {
      yield fromRow(CHECK_ROW, row);
    }
  }

  /**
   * Records a verification run as started: the latest-run row (`{pk}-runs` / `~latest`) names the run
   * id that sorts last and counts the runs registered. Resuming a run changes nothing.
   */
  async registerVerificationRun(runId: string): Promise<void> {
    await this.latestRuns.change(
      { partitionKey: `${this.partitionKey}-runs`, rowKey: LATEST_RUN_KEY },
      (latest) =>
        latest !== undefined && latest.runId >= runId
          ? undefined
          : { runId, runs: (latest?.runs ?? 0) + 1 },
    );
  }

  /** The latest run (the id that sorts last) and how many runs registered; undefined before any. */
  async getLatestVerificationRun(): Promise<LatestRunRecord | undefined> {
    return this.latestRuns.get({
      partitionKey: `${this.partitionKey}-runs`,
      rowKey: LATEST_RUN_KEY,
    });
  }

  /** Writes one check's summary of one run (one writer per run and check: its orchestration). */
  async recordCheckSummary(summary: CheckSummary): Promise<void> {
    await this.table.upsert(checkSummaryToRow(`${this.partitionKey}-runs`, summary), "Replace");
  }

  /** The check summaries of one run (at most one per check). */
  async listCheckSummaries(runId: string): Promise<CheckSummary[]> {
    const summaries: CheckSummary[] = [];
    for await (const row of this.table.list(`${this.partitionKey}-runs`, {
      rowKeyPrefix: `${runId}-`,
    })) {
      if (row.RunId === runId && row.Kind === "checkSummary")
        summaries.push(checkSummaryFromRow(row));
    }
    return summaries;
  }
}
