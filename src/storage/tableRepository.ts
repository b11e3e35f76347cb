import { TableClient, odata } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import type { StorageTarget } from "../config/settings";
import { ConcurrencyConflictError } from "../errors";
import { parseStorageConnectionString } from "./connectionString";
import { defaultStorageCredential } from "./credential";
import { isStorageError } from "./storageErrors";
import { fromTableEntity, toTableEntity } from "./tableValues";

export { odata };

/** A row: keys plus scalar properties (see tableValues.ts for what a property may hold). */
export interface TableRow {
  partitionKey: string;
  rowKey: string;
  etag?: string;
  [k: string]: unknown;
}

export type Stored<T extends TableRow> = T & { etag: string };
export type UpdateMode = "Merge" | "Replace";

export interface ListOptions {
  /** Only rows whose RowKey starts with this text. */
  rowKeyPrefix?: string;
  /** An extra OData filter, ANDed with the key conditions. Build it with `odata` for escaping. */
  filter?: string;
  /** Only these properties (and the keys) of each row; all when absent. */
  select?: readonly string[];
}

/**
 * Typed access to one table. Concurrency rules: `insert` fails when the row exists, `update` and
 * an ETag-carrying `delete` fail when the row changed since it was read; both failures are
 * ConcurrencyConflictError. Everything else the service or network throws is passed on unchanged
 * (the SDK has already retried transient failures).
 */
export interface TableRepository<T extends TableRow> {
  readonly tableName: string;
  /** Creates the table if it does not exist. */
  ensureTable(): Promise<void>;
  /** The row, or undefined when it does not exist. A missing table is an error, not undefined. */
  get(pk: string, rk: string): Promise<Stored<T> | undefined>;
  /** Creates the row; rejects with ConcurrencyConflictError when it already exists. */
  insert(row: T): Promise<Stored<T>>;
  /** Creates the row unless one with the same keys exists; then returns the stored one unchanged. */
  insertIfAbsent(row: T): Promise<{ created: boolean; row: Stored<T> }>;
  /**
   * Writes the row if its ETag still matches (default mode Merge). Returns the row passed in with
   * its new ETag; with Merge the stored row may hold more properties than that.
   */
  update(row: Stored<T>, mode?: UpdateMode): Promise<Stored<T>>;
  /** Creates or overwrites the row without a concurrency check (default mode Merge). */
  upsert(row: T, mode?: UpdateMode): Promise<void>;
  /** Deletes the row (only that version when an ETag is given). A row already gone is not an error. */
  delete(pk: string, rk: string, etag?: string): Promise<void>;
  /** Rows of one partition in RowKey order, fetched page by page as the caller iterates. */
  list(pk: string, options?: ListOptions): AsyncIterable<Stored<T>>;
}

export interface TableRepositoryOptions {
  /** Credential for identity targets; defaults to DefaultAzureCredential. */
  credential?: TokenCredential;
  /** Rows per service call when listing, 1..1000 (the service maximum and the default). */
  maxPageSize?: number;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
/** How often insertIfAbsent retries when the row it collided with is deleted before it is read. */
const INSERT_IF_ABSENT_ATTEMPTS = 3;

function createClient(target: StorageTarget, tableName: string, credential?: TokenCredential) {
  if (target.kind === "connectionString") {
    const { tableEndpoint } = parseStorageConnectionString(target.connectionString);
    // Plain http only when the connection string itself says so (Azurite, a local emulator).
    const insecure = tableEndpoint?.startsWith("http:") === true;
    return TableClient.fromConnectionString(target.connectionString, tableName, {
      allowInsecureConnection: insecure,
    });
  }
  return new TableClient(target.endpoint, tableName, credential ?? defaultStorageCredential());
}

/**
 * `RowKey ge 'abc' and RowKey lt 'abd'`: the upper bound is the prefix with its last character
 * incremented, which bounds exactly the keys that start with the prefix.
 */
export function rowKeyPrefixFilter(prefix: string): string {
  let stem = prefix;
  while (stem.endsWith("\uffff")) stem = stem.slice(0, -1);
  if (stem === "") return odata`RowKey ge ${prefix}`;
  const upper = stem.slice(0, -1) + String.fromCharCode(stem.charCodeAt(stem.length - 1) + 1);
  return odata`RowKey ge ${prefix} and RowKey lt ${upper}`;
}

export function createTableRepository<T extends TableRow>(
  target: StorageTarget,
  tableName: string,
  options: TableRepositoryOptions = {},
): TableRepository<T> {
  if (!TABLE_NAME.test(tableName)) {
    throw new TypeError(
      `Table name "${tableName}" is invalid: expected 3-63 letters or digits, starting with a letter`,
    );
  }
  const maxPageSize = options.maxPageSize ?? 1000;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1 || maxPageSize > 1000) {
    throw new RangeError(`maxPageSize must be a whole number from 1 to 1000, got ${maxPageSize}`);
  }
  const client = createClient(target, tableName, options.credential);
  const conflict = (pk: string, rk: string) =>
    new ConcurrencyConflictError(tableName, `${pk}/${rk}`);
  const alreadyExists = (pk: string, rk: string) =>
    new RowAlreadyExistsError(tableName, `${pk}/${rk}`);

  const repository: TableRepository<T> = {
    tableName,

    async ensureTable() {
      // The SDK's createTable already treats 409 TableAlreadyExists as success (and only that).
      await client.createTable();
    },

    async get(pk, rk) {
      try {
        return fromTableEntity<T>(await client.getEntity(pk, rk));
      } catch (error) {
        // ResourceNotFound = no such row. TableNotFound (also 404) is a setup error and propagates.
        if (isStorageError(error, 404, ["ResourceNotFound"])) return undefined;
        throw error;
      }
    },

    async insert(row) {
      const entity = toTableEntity(tableName, row);
      try {
        const response = await client.createEntity(entity);
        return { ...row, etag: requireEtag(response.etag, tableName, row) };
      } catch (error) {
        if (isStorageError(error, 409, ["EntityAlreadyExists"])) {
          throw alreadyExists(row.partitionKey, row.rowKey);
        }
        throw error;
      }
    },

    async insertIfAbsent(row) {
      for (let attempt = 1; attempt <= INSERT_IF_ABSENT_ATTEMPTS; attempt++) {
        try {
          return { created: true, row: await repository.insert(row) };
        } catch (error) {
          if (!(error instanceof RowAlreadyExistsError)) throw error;
        }
        const existing = await repository.get(row.partitionKey, row.rowKey);
        if (existing !== undefined) return { created: false, row: existing };
        // Deleted between our insert and read: try again.
      }
      throw conflict(row.partitionKey, row.rowKey);
    },

    async update(row, mode = "Merge") {
      const entity = toTableEntity(tableName, row);
      try {
        const response = await client.updateEntity(entity, mode, { etag: row.etag });
        return { ...row, etag: requireEtag(response.etag, tableName, row) };
      } catch (error) {
        // 412 UpdateConditionNotSatisfied: changed since read. 404: deleted since read.
        if (isStorageError(error, 412) || isStorageError(error, 404, ["ResourceNotFound"])) {
          throw conflict(row.partitionKey, row.rowKey);
        }
        throw error;
      }
    },

    async upsert(row, mode = "Merge") {
      await client.upsertEntity(toTableEntity(tableName, row), mode);
    },

    async delete(pk, rk, etag) {
      try {
        await client.deleteEntity(pk, rk, etag === undefined ? {} : { etag });
      } catch (error) {
        if (isStorageError(error, 404, ["ResourceNotFound"])) return;
        if (isStorageError(error, 412)) throw conflict(pk, rk);
        throw error;
      }
    },

    async *list(pk, listOptions = {}) {
      let filter = odata`PartitionKey eq ${pk}`;
      if (listOptions.rowKeyPrefix !== undefined && listOptions.rowKeyPrefix !== "") {
        filter += ` and ${rowKeyPrefixFilter(listOptions.rowKeyPrefix)}`;
      }
      if (listOptions.filter !== undefined && listOptions.filter.trim() !== "") {
        filter += ` and (${listOptions.filter})`;
      }
      const select = listOptions.select === undefined ? undefined : [...listOptions.select];
      const pages = client
        .listEntities({ queryOptions: { filter, ...(select === undefined ? {} : { select }) } })
        .byPage({ maxPageSize });
      for await (const page of pages) {
        for (const entity of page) yield fromTableEntity<T>(entity as Record<string, unknown>);
      }
    },
  };
  return repository;
}

/** insert() found the row already there. A ConcurrencyConflictError with a message that says so. */
export class RowAlreadyExistsError extends ConcurrencyConflictError {
  constructor(table: string, key: string) {
    super(table, key);
    this.message = `Row ${table}/${key} already exists: another writer created it first`;
  }
}

function requireEtag(etag: string | undefined, table: string, row: TableRow): string {
  if (etag === undefined) {
    throw new Error(`Table "${table}" returned no ETag for row ${row.partitionKey}/${row.rowKey}`);
  }
  return etag;
}
