import type { CutoverRecord } from "../core/cutover";
import type { FullProofRecord } from "../core/fullProof";
import type { WatermarkMove } from "./advanceWatermark";
import { advanceWatermark } from "./advanceWatermark";
import { CheckResultStore } from "./checkResultStore";
import { ChunkStore } from "./chunkStore";
import type { StateKeys } from "./cursorStore";
import { CursorStore } from "./cursorStore";
import { storedCutover } from "./cutoverRow";
import { FailedResourceStore } from "./failedResourceStore";
import { storedFullProof } from "./fullProofRow";
import { IsolationStore } from "./isolationStore";
import { LedgerStore } from "./ledgerStore";
import type { SeenTypes } from "./migrationRows";
import { SEEN_TYPES_ROW, seenTypesRowKey } from "./migrationRows";
import { PayloadStore } from "./payloadStore";
import { RowStore, StoredRow, kindCodec } from "./rowStore";
import { SettingsStore } from "./settingsStore";
import type { TableRepository, TableRow } from "./tableRepository";

export type { FailedResourceReason, FailedResourceRecord } from "./failedResourceStore";
export { FAILED_RESOURCE_ROW } from "./failedResourceStore";
export type { CheckResultRecord } from "./checkResultStore";
export { CHECK_ROW } from "./checkResultStore";

/** The methods the state store answers for each row kind's store. */
const CURSOR_METHODS = ["getCursor", "changeCursor"] as const;
const SETTINGS_METHODS = [
  "getSettingsRecord",
  "insertSettingsRecord",
  "putSettingsRecord",
  "noteSettingsRefusal",
] as const;
const CHUNK_METHODS = [
  "getChunk",
  "insertChunk",
  "changeChunk",
  "listChunksWithPayloads",
  "listAllChunks",
  "listChunkSummaries",
  "firstChunkEndedSince",
  "listFailureRows",
] as const;
const PAYLOAD_METHODS = ["getPayload", "insertPayload", "changePayload", "listPayloads"] as const;
const FAILED_RESOURCE_METHODS = [
  "recordFailedResources",
  "listFailedResourceReasons",
  "listFailedResources",
] as const;
const CHECK_RESULT_METHODS = [
  "recordCheckResult",
  "getCheckResult",
  "listCheckResults",
  "listRunCheckResults",
  "listAllCheckResults",
  "registerVerificationRun",
  "getLatestVerificationRun",
  "recordCheckSummary",
  "listCheckSummaries",
] as const;

/** The names of T's methods. */
type MethodName<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/** `names` of `store`, bound to it. */
function boundMethods<T, K extends MethodName<T>>(store: T, names: readonly K[]): Pick<T, K> {
  const bound = (name: K) => [name, (store[name] as (...a: unknown[]) => unknown).bind(store)];
  return Object.fromEntries(names.map(bound)) as Pick<T, K>;
}

/**
 * The migration's state: two tables named from settings, one store per row kind (docs/architecture.md,
 * "State tables", lists the rows; every change goes through RowStore's ETag-guarded loop). This class
 * only composes the stores, answering their methods under their own names, so an activity holds one
 * handle on the tables.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface MigrationStateStore
  extends
    Pick<CursorStore, (typeof CURSOR_METHODS)[number]>,
    Pick<SettingsStore, (typeof SETTINGS_METHODS)[number]>,
    Pick<ChunkStore, (typeof CHUNK_METHODS)[number]>,
    Pick<PayloadStore, (typeof PAYLOAD_METHODS)[number]>,
    Pick<FailedResourceStore, (typeof FAILED_RESOURCE_METHODS)[number]>,
    Pick<CheckResultStore, (typeof CHECK_RESULT_METHODS)[number]> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class MigrationStateStore {
  private readonly cursors: CursorStore;
  private readonly chunks: ChunkStore;
  /** The cutover operation's row (src/core/cutover.ts). */
  readonly cutover: StoredRow<CutoverRecord>;
  /** The last full proof's row (src/core/fullProof.ts). */
  readonly fullProof: StoredRow<FullProofRecord>;
  /** The types seen holding resources, type discovery's candidates (src/core/typeDiscovery.ts). */
  readonly seenTypes: StoredRow<SeenTypes>;

  constructor(
    private readonly cursorTable: TableRepository<TableRow>,
    private readonly jobTable: TableRepository<TableRow>,
    private readonly keys: StateKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.cursors = new CursorStore(cursorTable, keys);
    this.chunks = new ChunkStore(jobTable, keys);
    this.cutover = storedCutover(cursorTable, keys);
    this.fullProof = storedFullProof(cursorTable, keys);
    this.seenTypes = new StoredRow(new RowStore(jobTable, kindCodec(SEEN_TYPES_ROW)), {
      partitionKey: keys.partitionKey,
      rowKey: seenTypesRowKey(keys),
    });
    Object.assign(
      this,
      boundMethods(this.cursors, CURSOR_METHODS),
      boundMethods(new SettingsStore(cursorTable, keys), SETTINGS_METHODS),
      boundMethods(this.chunks, CHUNK_METHODS),
      boundMethods(new PayloadStore(jobTable, keys), PAYLOAD_METHODS),
      boundMethods(new FailedResourceStore(jobTable, keys.partitionKey), FAILED_RESOURCE_METHODS),
      boundMethods(new CheckResultStore(jobTable, keys.partitionKey), CHECK_RESULT_METHODS),
    );
  }

  /** Creates both tables and the empty cursor, if absent. */
  async ensure(): Promise<void> {
    await this.cursorTable.ensureTable();
    await this.jobTable.ensureTable();
    await this.cursors.insertEmptyCursor();
  }

  /** src/storage/advanceWatermark.ts: reads the open chunks, moves the cursor. */
  async advanceWatermark(): Promise<WatermarkMove> {
    return advanceWatermark(this.cursors, this.chunks, this.now);
  }

  /** The ledger's rows, in the job table (src/storage/ledgerStore.ts). */
  ledger(): LedgerStore {
    return new LedgerStore(this.jobTable, this.keys);
  }

  /** Isolation parts of refused resources (src/storage/isolationStore.ts). */
  isolation(): IsolationStore {
    return new IsolationStore(this.jobTable, this.keys.partitionKey);
  }
}
