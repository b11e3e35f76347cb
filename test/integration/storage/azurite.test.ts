import { TableClient } from "@azure/data-tables";
import { describe, expect, inject, it } from "vitest";

describe("Azurite global setup", () => {
  it("serves tables on the provided connection string", async () => {
    const table = TableClient.fromConnectionString(inject("azuriteConnectionString"), "smoke", {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.upsertEntity({ partitionKey: "p", rowKey: "r", value: 1 });
    const row = await table.getEntity<{ value: number }>("p", "r");
    expect(row.value).toBe(1);
  });
});
