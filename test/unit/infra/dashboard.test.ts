import { describe, expect, it } from "vitest";
import { QUERIES } from "../../../infra/template/queries";
import {
  analyzeSentTelemetry,
  sentPropertyNames,
  sentPropertyValues,
} from "../telemetry/sentTelemetry";
import type { JsonObject } from "./infra-checks";
import {
  aggregationProblems,
  asObject,
  eventNamesIn,
  filterValueProblems,
  objects,
  readJson,
  telemetryProblems,
} from "./infra-checks";

/** What the code sends, read from its trackEvent calls (not from the declarations). */
const sent = analyzeSentTelemetry();
const SENT_PROPERTIES = sentPropertyNames(sent);
const SENT_VALUES = sentPropertyValues(sent);

const template = readJson("infra/main.json");
const dashboard = (template.resources as JsonObject[]).find(
  (r) => r.type === "Microsoft.Portal/dashboards",
);

interface Part {
  type: string;
  title: string;
  query: string | undefined;
  markdown: string | undefined;
}

function parts(): Part[] {
  const result: Part[] = [];
  for (const [obj] of objects(dashboard ?? {})) {
    if (typeof obj.type !== "string" || !obj.type.startsWith("Extension/")) continue;
    const inputs = (obj.inputs as JsonObject[]).filter((i) => i.value !== undefined);
    const input = (name: string) => inputs.find((i) => i.name === name)?.value;
    const settings = JSON.stringify(obj.settings ?? {});
    result.push({
      type: obj.type,
      title: String(input("PartTitle") ?? ""),
      query: input("Query") as string | undefined,
      markdown: obj.type.endsWith("MarkdownPart")
        ? (JSON.parse(settings) as { content: { settings: { content: string } } }).content.settings
            .content
        : undefined,
    });
  }
  return result;
}

function alertQueries(): string[] {
  return (template.resources as JsonObject[])
    .filter((r) => r.type === "Microsoft.Insights/scheduledQueryRules")
    .flatMap((r) =>
      (asObject(asObject(r.properties, "p").criteria, "c").allOf as JsonObject[]).map((c) =>
        String(c.query),
      ),
    );
}

describe("the dashboard in infra/main.json", () => {
  it("has the tiles the seed lists", () => {
    const titles = parts().map((p) => p.title);
    for (const title of [
      "Completed exports",
      "Running exports",
      "Failed exports",
      "Completed exports: details",
      "Running exports: details",
      "Failed exports: details",
      "Export resources",
      "Completed imports",
      "Running imports",
      "Failed imports",
      "Completed imports: details",
      "Running imports: details",
      "Failed imports: details",
      "Import resources",
      "Surface check",
      "Deep check",
      "Function app failures",
      "Server exceptions and dependency failures",
      "Processor time",
      "Memory",
      "Total resource counts",
      "Migration progress",
      "Cutover",
      "Self-staged windows",
      "Import isolation",
      "Window boundaries on busy milliseconds",
    ]) {
      expect(titles, title).toContain(title);
    }
  });

  it("reminds about $reindex for custom SearchParameters in a markdown tile", () => {
    const markdown = parts().find((p) => p.markdown !== undefined)?.markdown ?? "";
    expect(markdown).toContain("$reindex");
    expect(markdown).toContain("SearchParameter");
  });

  it("queries only events and properties declared in src/telemetry/events.ts", () => {
    const queries = parts().flatMap((p) => (p.query === undefined ? [] : [p.query]));
    expect(queries.length).toBeGreaterThan(20);
    const problems = queries.flatMap((q) => telemetryProblems(q).map((p) => `${p} in:\n${q}`));
    expect(problems).toEqual([]);
  });

  it("reads only properties some call of the named events actually sends", () => {
    const problems = Object.entries(QUERIES).flatMap(([name, q]) =>
      telemetryProblems(q, SENT_PROPERTIES).map((p) => `${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("filters only on status values the code sends", () => {
    const problems = Object.entries(QUERIES).flatMap(([name, q]) =>
      filterValueProblems(q, SENT_VALUES).map((p) => `${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("aggregates metrics by valueSum/valueCount/valueMax and sampled rows by itemCount", () => {
    const problems = Object.entries(QUERIES).flatMap(([name, q]) =>
      aggregationProblems(q).map((p) => `${name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it("looks back over the workspace's retention, not a fixed period", () => {
    const ranges = new Set<string>();
    for (const [obj] of objects(dashboard ?? {})) {
      if (obj.name === "TimeRange" && typeof obj.value === "string") ranges.add(obj.value);
    }
    expect([...ranges].sort()).toEqual([
      "P7D",
      "[format('P{0}D', parameters('logRetentionDays'))]",
    ]);
  });

  it("alert rules query only declared events", () => {
    const queries = alertQueries();
    expect(queries.map(eventNamesIn)).toEqual([
      ["ExportRetries"],
      ["Watermark"],
      ["LedgerEntry"],
      ["Cutover"],
      ["Cutover"],
    ]);
    expect(queries.flatMap((q) => telemetryProblems(q, SENT_PROPERTIES))).toEqual([]);
  });

  it("fills every row of tiles to the dashboard's 18 columns, without overlaps", () => {
    const taken = new Set<string>();
    for (const [obj] of objects(dashboard ?? {})) {
      const p = obj.position;
      if (p === undefined || typeof p !== "object" || Array.isArray(p) || p === null) continue;
      const { x, y, colSpan, rowSpan } = p as Record<string, number>;
      expect(x! + colSpan!).toBeLessThanOrEqual(18);
      for (let i = x!; i < x! + colSpan!; i++)
        for (let j = y!; j < y! + rowSpan!; j++) {
          expect(taken.has(`${i},${j}`), `${i},${j}`).toBe(false);
          taken.add(`${i},${j}`);
        }
    }
    const height = Math.max(...[...taken].map((c) => Number(c.split(",")[1]))) + 1;
    expect(taken.size).toBe(18 * height);
  });

  it("scopes every log tile to the Application Insights resource", () => {
    for (const [obj] of objects(dashboard ?? {})) {
      if (obj.name !== "Scope") continue;
      expect(obj.value).toEqual({
        resourceIds: [
          "[resourceId('Microsoft.Insights/components', variables('appInsightsName'))]",
        ],
      });
    }
  });
});

describe("the checks against what the code sends", () => {
  it("reject the Import window properties, which no Import event sends", () => {
    expect(
      telemetryProblems(
        'customEvents | where name == "Import" | project tostring(customDimensions.Since), tolong(customDimensions.TotalExportResources)',
        SENT_PROPERTIES,
      ),
    ).toEqual([
      'property "Since" is not one of Import\'s',
      'property "TotalExportResources" is not one of Import\'s',
    ]);
  });

  it("reject a filter on a status no call sends", () => {
    expect(
      filterValueProblems(
        'customEvents | where name == "Export" | where tostring(customDimensions.ExportStatus) in ("Started", "Running")',
        SENT_VALUES,
      ),
    ).toEqual(['ExportStatus == "Running" is never sent (sent: Completed, Failed, Started)']);
  });

  it("reject avg(value) on customMetrics and count() on sampled rows", () => {
    expect([
      aggregationProblems('customMetrics | where name == "JobsInFlight" | summarize avg(value)'),
      aggregationProblems("dependencies | where success == false | summarize count()"),
    ]).toEqual([
      ["avg(value) on customMetrics reads the interval's sum"],
      ["count() on sampled rows: use sum(itemCount)"],
    ]);
  });
});

describe("the telemetry name check", () => {
  it("rejects an event that events.ts does not declare", () => {
    expect(telemetryProblems('customEvents | where name == "ImportTill"')).toEqual([
      'unknown event "ImportTill"',
    ]);
  });

  it("rejects a property that belongs to no event the query filters on", () => {
    expect(
      telemetryProblems(
        'customEvents | where name == "Export" | project tostring(customDimensions.ImportStatus)',
      ),
    ).toEqual(['property "ImportStatus" is not one of Export\'s']);
  });

  it("rejects bracket-style property access to an undeclared property", () => {
    expect(
      telemetryProblems(
        'customEvents | where name == "Watermark" | project customDimensions["Foo"]',
      ),
    ).toEqual(['property "Foo" is not one of Watermark\'s']);
  });

  it("rejects a customEvents query that does not filter on an event name", () => {
    expect(telemetryProblems("customEvents | take 10")).toEqual([
      "customEvents query does not filter on an event name",
    ]);
  });

  it("rejects an unknown metric", () => {
    expect(telemetryProblems('customMetrics | where name == "RowsPerSecond"')).toEqual([
      'unknown metric "RowsPerSecond"',
    ]);
  });

  it("accepts properties of any event named with name in (...)", () => {
    expect(
      telemetryProblems(
        'customEvents | where name in ("ExportRetries", "MaxExportRetriesCleared") | project customDimensions.ClearedAt, customDimensions.ConfiguredLimit',
      ),
    ).toEqual([]);
  });
});
