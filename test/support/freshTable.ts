import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import {
  createTableRepository,
  type TableRepository,
  type TableRow,
} from "../../src/storage/tableRepository";

/** A new, empty table of the shared Azurite, with a name no other test uses. */
export async function freshTable(): Promise<TableRepository<TableRow>> {
  const table = createTableRepository<TableRow>(
    { kind: "connectionString", connectionString: inject("azuriteConnectionString") },
    `t${randomUUID().replace(/-/g, "").slice(0, 24)}`,
  );
  await table.ensureTable();
  return table;
}
