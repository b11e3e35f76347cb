/**
 * What a row may hold, checked before anything is sent, so a caller's mistake fails with the table,
 * row and property named instead of a 400 from the service (or, worse, a silently changed value).
 *
 * Accepted property values:
 * - string (at most 32,768 UTF-16 code units: the service limit is 64 KiB per property),
 * - finite number (integers within Int32 go as Edm.Int32, everything else as Edm.Double, which
 *   holds integers exactly up to 2^53),
 * - boolean,
 * - Date (stored as Edm.DateTime and read back as a Date; millisecond precision).
 * Dropped: undefined (the property is simply not written; with Merge the stored value stays).
 * Rejected: null, nested objects, arrays, bigint, NaN/Infinity, invalid Dates. Callers serialize
 * structured values explicitly (e.g. JSON.stringify into a string property).
 */

import type { TableEntity } from "@azure/data-tables";

export const MAX_STRING_LENGTH = 32 * 1024;
/** Service limits: 252 custom properties and 1 MiB per entity. */
export const MAX_CUSTOM_PROPERTIES = 252;
export const MAX_ENTITY_BYTES = 1024 * 1024;

/** Names the SDK maps to system properties; a row must not use them for its own data. */
const RESERVED = new Set(["timestamp", "odata.etag", "odata.metadata"]);
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
/** Characters the service refuses in PartitionKey/RowKey: / \ # ? and control characters. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

export type TableScalar = string | number | boolean | Date;
export type SerializedValue = TableScalar | { value: string; type: "Double" };

function where(table: string, pk: unknown, rk: unknown): string {
  return `Table "${table}" row ${String(pk)}/${String(rk)}`;
}

function checkKey(
  table: string,
  name: "partitionKey" | "rowKey",
  value: unknown,
  row: object,
): void {
  const r = row as { partitionKey?: unknown; rowKey?: unknown };
  if (typeof value !== "string") {
    throw new TypeError(`${where(table, r.partitionKey, r.rowKey)}: ${name} must be a string`);
  }
  if (FORBIDDEN_KEY_CHARS.test(value)) {
    throw new TypeError(
      `${where(table, r.partitionKey, r.rowKey)}: ${name} contains a character the Table service refuses (/ \\ # ? or a control character)`,
    );
  }
}

/** Checks one property value; returns what goes on the wire, or undefined when it is dropped. */
function serializeValue(
  context: string,
  name: string,
  value: unknown,
): SerializedValue | undefined {
  const bad = (what: string, hint: string) =>
    new TypeError(`${context}: property "${name}" ${what}; ${hint}`);
  const scalars = "tables store only string, number, boolean and Date values";
  if (value === undefined) return undefined;
  if (value === null) {
    throw bad("is null", `${scalars}: omit it, or use Replace to remove a stored value`);
  }
  switch (typeof value) {
    case "string":
      if (value.length > MAX_STRING_LENGTH) {
        throw bad(
          `is ${value.length} characters long`,
          `the limit is ${MAX_STRING_LENGTH} (64 KiB per property): store large text in a blob`,
        );
      }
      return value;
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw bad(`is ${value}`, "only finite numbers can be stored");
      // An integer JSON number without a type annotation is taken as Edm.Int32 by the service;
      // outside that range it must be sent explicitly as Edm.Double.
      if (Number.isInteger(value) && (value < INT32_MIN || value > INT32_MAX)) {
        return { value: String(value), type: "Double" };
      }
      return value;
    case "object":
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw bad("is an invalid Date", scalars);
        return value;
      }
      throw bad(
        Array.isArray(value) ? "is an array" : "is an object",
        `${scalars}: serialize it explicitly (e.g. JSON.stringify) into a string property`,
      );
    default:
      throw bad(`is a ${typeof value}`, scalars);
  }
}

/** Size estimate by the service's published formula (strings as UTF-16). */
function valueBytes(value: SerializedValue): number {
  if (typeof value === "string") return 4 + value.length * 2;
  if (typeof value === "boolean") return 1;
  if (typeof value === "number") return Number.isInteger(value) ? 4 : 8;
  return 8;
}

/**
 * Validates a row and turns it into the entity the SDK sends. `etag` is removed (it travels as
 * If-Match, never as data).
 */
export function toTableEntity(
  table: string,
  row: { partitionKey: string; rowKey: string; [k: string]: unknown },
): TableEntity<Record<string, SerializedValue>> {
  checkKey(table, "partitionKey", row.partitionKey, row);
  checkKey(table, "rowKey", row.rowKey, row);
  const context = where(table, row.partitionKey, row.rowKey);
  const entity: TableEntity<Record<string, SerializedValue>> = {
    partitionKey: row.partitionKey,
    rowKey: row.rowKey,
  };
  let bytes = 4 + (row.partitionKey.length + row.rowKey.length) * 2;
  let custom = 0;
  for (const [name, value] of Object.entries(row)) {
    if (name === "partitionKey" || name === "rowKey" || name === "etag") continue;
    if (RESERVED.has(name.toLowerCase())) {
      throw new TypeError(`${context}: property "${name}" is reserved for the service`);
    }
    const serialized = serializeValue(context, name, value);
    if (serialized === undefined) continue;
    entity[name] = serialized;
    custom += 1;
    bytes += 8 + name.length * 2 + valueBytes(serialized);
  }
  if (custom > MAX_CUSTOM_PROPERTIES) {
    throw new TypeError(
      `${context}: ${custom} properties; the Table service allows ${MAX_CUSTOM_PROPERTIES}`,
    );
  }
  if (bytes > MAX_ENTITY_BYTES) {
    throw new TypeError(
      `${context}: about ${bytes} bytes; the Table service allows ${MAX_ENTITY_BYTES} per row: store large values in a blob`,
    );
  }
  return entity;
}

/**
 * Turns an entity the SDK returned into a row: drops service metadata (`odata.*`, `timestamp`)
 * so the row has the shape the caller wrote, plus its `etag`.
 */
export function fromTableEntity<T>(entity: Record<string, unknown>): T & { etag: string } {
  const row: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (name === "timestamp" || name.startsWith("odata.")) continue;
    row[name] = value;
  }
  if (typeof row.etag !== "string") {
    throw new Error(
      `Table entity ${String(row.partitionKey)}/${String(row.rowKey)} came back without an ETag`,
    );
  }
  return row as T & { etag: string };
}
