import { cleanDeep, cleanText } from "../fhir/redact";
import type { TableRow } from "./tableRepository";
import type { TableScalar } from "./tableValues";

/**
 * Table rows declared once. A row kind lists, for each field of its record, the column that holds it
 * and how its value is written and read; toRow and fromRow are the one serializer of every kind.
 * Column names are the stored ones (existing tables keep reading); docs/architecture.md lists them.
 *
 * Any field may hold text from servers (a reason, a diagnostic, a URL, a verdict quoting them), so
 * toRow cleans every string of every field, nested ones included, before it is written: credentials
 * redacted and control characters removed (cleanText, src/fhir/redact.ts). Nothing reaches a table
 * otherwise, and a new field is covered without a flag to remember. Values the tool makes itself
 * (instants, keys, hex digests, status URLs, which the client accepts only without credentials)
 * come out as they went in.
 *
 * Conventions every column shares: tables cannot hold undefined, so an absent value is written as
 * the empty string and an empty or missing cell reads as absent (or as the column's default).
 */
export interface Column<V> {
  readonly name: string;
  write(value: V): TableScalar;
  read(cell: unknown): V;
  /** Leave the field out of the record when it reads as undefined (an optional property). */
  readonly omitWhenAbsent?: boolean;
}

const text = (cell: unknown): string | undefined =>
  typeof cell === "string" && cell !== "" ? cell : undefined;

export interface TextOptions {
  /** Cut to this many characters (after toRow has cleaned the text). */
  max?: number;
}

/** Optional text; "" stands for absent. */
export function optionalText(name: string, options: TextOptions = {}): Column<string | undefined> {
  return {
    name,
    write: (value) =>
      value === undefined ? "" : options.max === undefined ? value : value.slice(0, options.max),
    read: text,
  };
}

/** Text that is always present. */
export function requiredText(name: string): Column<string> {
  return { name, write: (value) => value, read: (cell) => String(cell) };
}

/** One of a set of words; a missing cell reads as the fallback (the first state of the kind). */
export function word<T extends string>(name: string, fallback?: T): Column<T> {
  return {
    name,
    write: (value) => value,
    read: (cell) => (text(cell) ?? fallback ?? String(cell)) as T,
  };
}

/** A count or number; a missing cell reads as the fallback. */
export function count(name: string, fallback = 0): Column<number> {
  return {
    name,
    write: (value) => value,
    read: (cell) => (typeof cell === "number" ? cell : fallback),
  };
}

/**
 * A number that may be absent; with omitWhenAbsent, an absent one is left out of the record (an
 * optional property added after rows were first written).
 */
export function optionalCount(
  name: string,
  options: { omitWhenAbsent?: boolean } = {},
): Column<number | undefined> {
  return {
    name,
    write: (value) => value ?? "",
    read: (cell) => (typeof cell === "number" ? cell : undefined),
    ...(options.omitWhenAbsent === true ? { omitWhenAbsent: true } : {}),
  };
}

/** An optional count absent from the record when not written (a column added to an existing row kind). */
export function countWhenPresent(name: string): Column<number | undefined> {
  return { ...optionalCount(name), omitWhenAbsent: true };
}

/** A flag; anything but true reads as false. */
export function flag(name: string): Column<boolean> {
  return { name, write: (value) => value, read: (cell) => cell === true };
}

/** An optional flag written only when true, and absent from the record otherwise. */
export function flagWhenTrue(name: string): Column<boolean | undefined> {
  return {
    name,
    write: (value) => (value === true ? true : ""),
    read: (cell) => (cell === true ? true : undefined),
    omitWhenAbsent: true,
  };
}

/**
 * A structured value as a JSON string; an empty cell reads as the fallback (when there is one), and
 * an absent value is written as "".
 */
export function json<T>(name: string, options: { fallback?: T; max?: number } = {}): Column<T> {
  return {
    name,
    write: (value) => {
      if (value === undefined) return "";
      const serialized = JSON.stringify(value);
      return options.max === undefined ? serialized : serialized.slice(0, options.max);
    },
    read: (cell) =>
      "fallback" in options && text(cell) === undefined
        ? (options.fallback as T)
        : (JSON.parse(String(cell)) as T),
  };
}

/**
 * An optional structured value as a JSON string, absent from the record when not written. What is
 * read is checked: `accept` returns the value when the parsed cell has the expected shape, and a
 * cell that has not (cut, hand-edited) fails the read naming the column and what it should hold,
 * rather than reading as nothing.
 */
export function checkedJson<T>(
  name: string,
  expected: string,
  accept: (value: Readonly<Record<string, unknown>>) => T | undefined,
): Column<T | undefined> {
  return {
    name,
    write: (value) => (value === undefined ? "" : JSON.stringify(value)),
    read: (cell) => {
      const stored = text(cell);
      if (stored === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(stored);
      } catch {
        parsed = undefined;
      }
      const value =
        typeof parsed === "object" && parsed !== null
          ? accept(parsed as Record<string, unknown>)
          : undefined;
      if (value === undefined)
        throw new Error(`The ${name} column is not ${expected}: ${stored.slice(0, 200)}`);
      return value;
    },
    omitWhenAbsent: true,
  };
}

/** A column with its own text form (a list joined with commas, a closed set read leniently). */
export function custom<V>(
  name: string,
  write: (value: V) => TableScalar,
  read: (cell: unknown) => V,
): Column<V> {
  return { name, write, read };
}

/**
 * Several columns that hold one field together (a group of values present or absent as a whole):
 * written only when present, so rows without it keep exactly the columns they always had.
 */
export interface ColumnGroup<V> {
  readonly names: readonly string[];
  writeCells(value: V): Readonly<Record<string, TableScalar>>;
  readRow(row: Readonly<Record<string, unknown>>): V;
  readonly omitWhenAbsent?: boolean;
}

/** A row kind: its constant columns (`Kind`) and one column (or group) per field of its record. */
export interface RowKind<R> {
  readonly constants?: Readonly<Record<string, TableScalar>>;
  readonly columns: { readonly [K in keyof R]-?: Column<R[K]> | ColumnGroup<R[K]> };
}

function isGroup<V>(column: Column<V> | ColumnGroup<V>): column is ColumnGroup<V> {
  return "names" in column;
}

/** Columns of every field of a record. */
export type Columns<R> = RowKind<R>["columns"];

/**
 * A row kind: its name (written to every row in the `Kind` column, so one range query of a
 * partition holding several kinds tells them apart) and its columns; a row alone in its table
 * (the cursor) has no name.
 */
export function rowKind<R>(columns: Columns<R>): RowKind<R>;
export function rowKind<R>(name: string, columns: Columns<R>): RowKind<R>;
export function rowKind<R>(first: string | Columns<R>, columns?: Columns<R>): RowKind<R> {
  return typeof first === "string" && columns !== undefined
    ? { constants: { Kind: first }, columns }
    : { columns: first as Columns<R> };
}

/** The row that stores this record. */
export function toRow<R>(
  kind: RowKind<R>,
  partitionKey: string,
  rowKey: string,
  record: R,
): TableRow {
  const row: TableRow = { partitionKey, rowKey, ...kind.constants };
  for (const key of Object.keys(kind.columns) as (keyof R)[]) {
    const column = kind.columns[key];
    const value = cleanDeep(record[key]);
    const cells = isGroup(column)
      ? column.writeCells(value)
      : { [column.name]: column.write(value) };
    // A column's own text (a list joined, a cut) is cleaned again: idempotent, and nothing escapes.
    for (const [name, cell] of Object.entries(cells))
      row[name] = typeof cell === "string" ? cleanText(cell) : cell;
  }
  return row;
}

/** The record a row stores. */
export function fromRow<R>(kind: RowKind<R>, row: Readonly<Record<string, unknown>>): R {
  const record: Partial<R> = {};
  for (const key of Object.keys(kind.columns) as (keyof R)[]) {
    const column = kind.columns[key];
    const value = isGroup(column) ? column.readRow(row) : column.read(row[column.name]);
    if (value === undefined && column.omitWhenAbsent === true) continue;
    record[key] = value;
  }
  return record as R;
}
