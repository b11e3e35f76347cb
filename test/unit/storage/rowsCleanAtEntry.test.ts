/**
 * Every field of every row kind is cleaned where it enters the tables: whatever text a server put in
 * it (a diagnostic, a reason, a status URL, a verdict quoting them), no cell carries a credential or
 * a control character. The row kinds are found from their declarations: every `rowKind(...)`
 * exported by a module of src/storage, so a new kind or a new field is covered without editing this
 * test.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ColumnGroup, Column, RowKind } from "../../../src/storage/rowSpec";
import { toRow } from "../../../src/storage/rowSpec";

const STORAGE = join(__dirname, "../../../src/storage");

/** Server text with a SAS signature, a Functions key, an account key and terminal escapes. */
const PLANTED =
  "refused https://acct.blob.core.windows.net/c/f?sv=2024&sig=SIGSECRET&code=CODESECRET " +
  "AccountKey=KEYSECRET== \u001b]0;owned\u0007 \u001b[31mred\u001b[0m bell\u0007 c1\u009b2J end";

/* eslint-disable-next-line no-control-regex -- what must not be stored */
const LEAK = /SIGSECRET|CODESECRET|KEYSECRET|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Values of several shapes: a column's writer takes the one its field has. */
const SHAPES: readonly unknown[] = [
  PLANTED,
  [PLANTED],
  { reason: PLANTED, nested: [{ statusUrl: PLANTED }], [PLANTED]: PLANTED },
];

async function declaredRowKinds(): Promise<Map<string, RowKind<Record<string, unknown>>>> {
  const kinds = new Map<string, RowKind<Record<string, unknown>>>();
  for (const file of readdirSync(STORAGE).filter((f) => f.endsWith(".ts"))) {
    const module = (await import(join(STORAGE, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === "object" && value !== null && "columns" in value)
        kinds.set(`${file}:${name}`, value as RowKind<Record<string, unknown>>);
    }
  }
  return kinds;
}

type AnyColumn = Column<unknown> | ColumnGroup<unknown>;

/** The shapes a column's own writer accepts (a list is joined, a number formatted, ...). */
function acceptedShapes(column: AnyColumn): unknown[] {
  return SHAPES.filter((value) => {
    try {
      if ("names" in column) column.writeCells(value);
      else column.write(value);
      return true;
    } catch {
      return false;
    }
  });
}

describe("rows are cleaned where they enter the tables", async () => {
  const kinds = await declaredRowKinds();

  it("finds the declared row kinds", () => {
    expect([...kinds.keys()].map((k) => k.split(":")[1])).toEqual(
      expect.arrayContaining([
        "CURSOR_ROW",
        "CHUNK_ROW",
        "PAYLOAD_ROW",
        "LEDGER_ROW",
        "CUTOVER_ROW",
      ]),
    );
    expect(kinds.size).toBeGreaterThanOrEqual(11);
  });

  for (const [kindName, kind] of kinds) {
    const columns = Object.entries(kind.columns) as [string, AnyColumn][];
    const shapes = new Map(columns.map(([field, column]) => [field, acceptedShapes(column)]));
    // Every field planted at once, each in a shape its writer takes.
    const planted = Object.fromEntries(columns.map(([field]) => [field, shapes.get(field)![0]]));
    for (const [field, column] of columns) {
      it(`${kindName} ${field}: no credential or control character in any cell`, () => {
        expect(shapes.get(field)!.length, `no shape can be written to ${field}`).toBeGreaterThan(0);
        const names = "names" in column ? column.names : [column.name];
        for (const value of shapes.get(field)!) {
          const row = toRow(kind, "pk", "rk", { ...planted, [field]: value });
          for (const name of names) {
            const cell = row[name];
            if (typeof cell === "string") expect(cell).not.toMatch(LEAK);
          }
        }
      });
    }
  }
});
