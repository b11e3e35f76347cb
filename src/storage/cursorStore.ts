import type { CursorRecord } from "../core/migrationState";
import { CURSOR_ROW } from "./migrationRows";
import type { Change, RowAddress } from "./rowStore";
import { RowStore, kindCodec } from "./rowStore";
import type { TableRepository, TableRow } from "./tableRepository";

/**
 * The cursor row's address in the cursor table, from settings. The migration's other rows share its
 * partition key, and the job table's row keys start with its row key.
 */
export type StateKeys = RowAddress;

/**
 * The cursor row (watermark, frontier, counters, halt state): one row of the cursor table at the
 * state's keys. Before its first write it reads as the empty cursor.
 */
export class CursorStore {
  private readonly rows: RowStore<CursorRecord>;

  constructor(
    table: TableRepository<TableRow>,
    private readonly keys: StateKeys,
  ) {
    this.rows = new RowStore(table, kindCodec(CURSOR_ROW));
  }

  /** Writes the empty cursor unless the row exists. */
  async insertEmptyCursor(): Promise<void> {
    await this.rows.insertIfAbsent(this.keys, emptyCursor());
  }

  async getCursor(): Promise<CursorRecord> {
    return (await this.rows.get(this.keys)) ?? emptyCursor();
  }

  /**
   * The mutator gets the cursor (empty before the first write) and returns the new one, or undefined
   * to leave it unchanged; `after` is the cursor as it then stands, empty when never written.
   */
  async changeCursor(
    mutate: (cursor: CursorRecord) => CursorRecord | undefined,
  ): Promise<Change<CursorRecord> & { after: CursorRecord }> {
    const change = await this.rows.change(this.keys, (cursor) => mutate(cursor ?? emptyCursor()));
    return { ...change, after: change.after ?? emptyCursor() };
  }
}

export function emptyCursor(): CursorRecord {
  return {
    watermark: undefined,
    frontier: undefined,
    nextSeq: 1,
    firstUnprocessedSeq: 1,
    consecutiveFailures: 0,
    halted: false,
    haltReason: undefined,
    searchParametersMigrated: false,
    searchParameterAttempts: 0,
    searchParameterFailure: undefined,
    resourcesImported: 0,
    resourcesFailed: 0,
    caughtUp: false,
    startedAt: undefined,
    startWatermark: undefined,
    lastProgressAt: undefined,
    reindexState: "none",
    reindexStatusUrl: undefined,
    reindexDetail: undefined,
  };
}
