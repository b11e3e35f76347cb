import { describe, expect, it } from "vitest";
import { customEventRows, runKql } from "../../support/kqlEvaluate";

const events = customEventRows([
  { name: "Import", properties: { ChunkId: "c1", PayloadId: "p1", ImportStatus: "Started" } },
  { name: "Import", properties: { ChunkId: "c1", PayloadId: "p2", ImportStatus: "Started" } },
  {
    name: "Import",
    properties: {
      ChunkId: "c1",
      PayloadId: "p1",
      ImportStatus: "Completed",
      TotalImportResources: 7,
    },
  },
  {
    name: "Export",
    properties: { ChunkId: "c1", ExportStatus: "Completed", Since: "s", Till: "t" },
  },
]);
const tables = { customEvents: events };

describe("runKql", () => {
  it("takes the latest row of each group with arg_max", () => {
    expect(
      runKql(
        [
          "customEvents",
          '| where name == "Import"',
          "| summarize arg_max(timestamp, customDimensions) by Key = tostring(customDimensions.PayloadId)",
          '| where tostring(customDimensions.ImportStatus) == "Started"',
          "| project Key",
        ].join("\n"),
        tables,
      ),
    ).toEqual([{ Key: "p2" }]);
  });

  it("keeps unmatched left rows of a leftouter join and renames the repeated column", () => {
    const rows = runKql(
      [
        'let w = customEvents | where name == "Export" | project ChunkId = tostring(customDimensions.ChunkId), Since = tostring(customDimensions.Since);',
        "customEvents",
        '| where name == "Import"',
        "| project ChunkId = strcat(tostring(customDimensions.ChunkId), tostring(customDimensions.PayloadId))",
        "| join kind=leftouter w on ChunkId",
      ].join("\n"),
      {
        customEvents: [
          ...events,
          ...customEventRows([{ name: "Export", properties: { ChunkId: "c1p2", Since: "x" } }], 10),
        ],
      },
    );
    expect(rows).toEqual([
      { ChunkId: "c1p1", ChunkId1: null, Since: null },
      { ChunkId: "c1p2", ChunkId1: "c1p2", Since: "x" },
      { ChunkId: "c1p1", ChunkId1: null, Since: null },
    ]);
  });

  it("binds a toscalar let for the body, and sums skip what is no number", () => {
    expect(
      runKql(
        [
          'let total = toscalar(customEvents | where name == "Import" | summarize sum(tolong(customDimensions.TotalImportResources)));',
          'customEvents | where name == "Export" | summarize Exports = count() | extend Imported = total',
        ].join("\n"),
        tables,
      ),
    ).toEqual([{ Exports: 1, Imported: 7 }]);
  });

  it("reads a property no event sent as empty text and as a null number", () => {
    expect(
      runKql(
        'customEvents | where name == "Export" | project A = tostring(customDimensions.Nope), B = tolong(customDimensions.Nope), C = isempty(customDimensions.Nope)',
        tables,
      ),
    ).toEqual([{ A: "", B: null, C: true }]);
  });

  it("counts zero rows as one row of 0 when summarize has no keys", () => {
    expect(runKql('customEvents | where name == "None" | summarize N = count()', tables)).toEqual([
      { N: 0 },
    ]);
  });

  it("refuses what it does not know, naming it", () => {
    expect(() => runKql("customEvents | mv-expand x", tables)).toThrow(
      /operator mv-expand is not supported/,
    );
    expect(() => runKql("customEvents | extend x = ago(1d)", tables)).toThrow(/function ago\(\)/);
  });
});
