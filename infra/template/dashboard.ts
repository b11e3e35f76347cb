import { createHash } from "node:crypto";
import { API_VERSIONS } from "./api-versions";
import type { Json } from "./arm";
import { expr, idOf, variable } from "./arm";
import type { QueryName } from "./queries";
import { QUERIES } from "./queries";

const APP_INSIGHTS_ID = idOf("Microsoft.Insights/components", "appInsightsName");

type Visual =
  | { kind: "grid" }
  | { kind: "chart"; x: string; y: string; yType: "real" | "long"; splitBy?: string };

interface Tile {
  title: string;
  subtitle: string;
  query: QueryName;
  visual: Visual;
  width: number;
  /** ISO 8601 duration the tile looks back over. */
  timeRange: string;
}

/** Migration tiles look back as far as the workspace keeps data (the logRetentionDays parameter). */
const MIGRATION_RANGE = expr("format('P{0}D', parameters('logRetentionDays'))");
const HEALTH_RANGE = "P7D";

const grid: Visual = { kind: "grid" };

/** Rows of tiles, left to right; every row is 18 columns wide. */
const ROWS: { height: number; tiles: Tile[] }[] = [
  {
    // Right under the watermark: the cutover's verdict is what a user waits for at the end.
    height: 3,
    tiles: [
      tile(
        "Cutover",
        "Newest first: requested, cancelled, GO or NO-GO with its evidence",
        "cutover",
        grid,
        12,
      ),
      tile(
        "Self-staged windows",
        "Windows read from _history instead of $export, per outcome",
        "selfStaged",
        grid,
        6,
      ),
    ],
  },
  {
    height: 3,
    tiles: [
      tile("Completed exports", "Export jobs completed", "completedExportsCount", grid, 3),
      tile("Running exports", "Export jobs started, not finished", "runningExportsCount", grid, 3),
      tile("Failed exports", "Export failures (each attempt)", "failedExportsCount", grid, 3),
      tile("Completed imports", "Import payloads completed", "completedImportsCount", grid, 3),
      tile("Running imports", "Import jobs started, not finished", "runningImportsCount", grid, 3),
      tile("Failed imports", "Import failures (each attempt)", "failedImportsCount", grid, 3),
    ],
  },
  {
    height: 4,
    tiles: [
      tile("Completed exports: details", "Per export job", "completedExports", grid, 9),
      tile("Completed imports: details", "Per import payload", "completedImports", grid, 9),
    ],
  },
  {
    height: 4,
    tiles: [
      tile("Running exports: details", "Oldest first", "runningExports", grid, 9),
      tile("Running imports: details", "Oldest first", "runningImports", grid, 9),
    ],
  },
  {
    height: 4,
    tiles: [
      tile(
        "Failed exports: details",
        "Newest first, with the server's reason",
        "failedExports",
        grid,
        9,
      ),
      tile(
        "Failed imports: details",
        "Newest first, with the server's reason",
        "failedImports",
        grid,
        9,
      ),
    ],
  },
  {
    height: 4,
    tiles: [
      tile(
        "Import isolation",
        "Payloads whose job failed on refused resources: latest step",
        "importIsolation",
        grid,
        9,
      ),
      tile(
        "Window boundaries on busy milliseconds",
        "Windows that had to end where versions are stamped",
        "windowBoundaries",
        grid,
        9,
      ),
    ],
  },
  {
    height: 3,
    tiles: [
      tile("Export resources", "Totals over completed exports", "exportedResources", grid, 6),
      tile("Import resources", "Totals over completed imports", "importedResources", grid, 6),
      tile(
        "Resources rejected by the destination",
        "From the import error files, per type and reason",
        "rejectedResources",
        grid,
        6,
      ),
    ],
  },
  {
    height: 4,
    tiles: [
      tile(
        "Total resource counts",
        "Latest surface check: source vs destination",
        "totalResourceCounts",
        grid,
        6,
      ),
      tile("Surface check", "Latest run, largest differences first", "surfaceCheck", grid, 6),
      tile("Deep check", "Latest run, per type", "deepCheck", grid, 6),
    ],
  },
  {
    height: 4,
    tiles: [
      tile(
        "Throughput",
        "Resources imported per minute",
        "throughput",
        { kind: "chart", x: "timestamp", y: "ResourcesPerMinute", yType: "real" },
        6,
      ),
      tile(
        "Jobs in flight and lag",
        "JobsInFlight, LagBehindSourceSeconds",
        "jobsInFlight",
        { kind: "chart", x: "timestamp", y: "Value", yType: "real", splitBy: "name" },
        6,
      ),
      tile("Halts and resumes", "ExportRetries / MaxExportRetriesCleared", "halts", grid, 6),
    ],
  },
  {
    height: 3,
    tiles: [
      tile("Custom SearchParameters", "Copies to the destination", "searchParameters", grid, 6),
      tile(
        "Hard-delete reconciliation",
        "Latest run: on the destination, gone from the source",
        "hardDeletes",
        grid,
        6,
      ),
      {
        ...tile(
          "Function app failures",
          "Failed executions per function",
          "functionFailures",
          {
            kind: "chart",
            x: "timestamp",
            y: "Failures",
            yType: "long",
            splitBy: "operation_Name",
          },
          6,
        ),
        timeRange: HEALTH_RANGE,
      },
    ],
  },
  {
    height: 4,
    tiles: [
      {
        ...tile(
          "Server exceptions and dependency failures",
          "Per hour",
          "exceptionsAndDependencies",
          { kind: "chart", x: "timestamp", y: "Count", yType: "long", splitBy: "Kind" },
          6,
        ),
        timeRange: HEALTH_RANGE,
      },
      {
        ...tile(
          "Processor time",
          "Average %, per instance",
          "cpu",
          {
            kind: "chart",
            x: "timestamp",
            y: "CpuPercent",
            yType: "real",
            splitBy: "cloud_RoleInstance",
          },
          6,
        ),
        timeRange: HEALTH_RANGE,
      },
      {
        ...tile(
          "Memory",
          "Available / private bytes, MB",
          "memory",
          { kind: "chart", x: "timestamp", y: "MB", yType: "real", splitBy: "name" },
          6,
        ),
        timeRange: HEALTH_RANGE,
      },
    ],
  },
];

/** The top row: what the dashboard is, the watermark, and the lag chart. */
const HEADER_HEIGHT = 4;

export const DASHBOARD_MARKDOWN = [
  "## FHIR migration",
  "",
  "Copies data from the source FHIR server to the destination AHDS FHIR service in time-window chunks ($export, then $import).",
  "",
  "* **Watermark**: everything last updated before it is on the destination.",
  "* Counts and details cover the telemetry the workspace keeps (the logRetentionDays deployment parameter); the `chunk` and `export` tables hold the full record.",
  "* Windows staged from the source's `_history` (self-staged) count as completed exports, and payloads whose refused resources were isolated as completed imports.",
  "* **Cutover**: the verdict (GO or NO-GO) and its evidence; the cutover alerts send it by e-mail.",
  "* Progress as a page: the `Status_Http` function.",
  "",
  "**Custom SearchParameters** are copied to the destination before the imports that need them, those added or changed during the migration too. After cutover, run **$reindex** on the destination so they can be used in searches (or set AZURE_ReindexAfterCatchUp=true).",
].join("\n");

function tile(
  title: string,
  subtitle: string,
  query: QueryName,
  visual: Visual,
  width: number,
): Tile {
  return { title, subtitle, query, visual, width, timeRange: MIGRATION_RANGE };
}

/** Stable part ids so redeployments do not churn the dashboard. */
function partId(key: string): string {
  const h = createHash("sha256").update(`fhir-migrate-dashboard:${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function logsPart(t: Tile, position: Record<string, number>): Json {
  const inputs: Json[] = [
    { name: "resourceTypeMode", isOptional: true },
    { name: "ComponentId", isOptional: true },
    { name: "Scope", value: { resourceIds: [APP_INSIGHTS_ID] }, isOptional: true },
    { name: "PartId", value: partId(t.query), isOptional: true },
    { name: "Version", value: "2.0", isOptional: true },
    { name: "TimeRange", value: t.timeRange, isOptional: true },
    { name: "DashboardId", isOptional: true },
    { name: "DraftRequestParameters", isOptional: true },
    { name: "Query", value: QUERIES[t.query], isOptional: true },
    {
      name: "ControlType",
      value: t.visual.kind === "grid" ? "AnalyticsGrid" : "FrameControlChart",
      isOptional: true,
    },
    { name: "SpecificChart", value: t.visual.kind === "grid" ? "" : "Line", isOptional: true },
    { name: "PartTitle", value: t.title, isOptional: true },
    { name: "PartSubTitle", value: t.subtitle, isOptional: true },
    t.visual.kind === "grid"
      ? { name: "Dimensions", isOptional: true }
      : {
          name: "Dimensions",
          value: {
            xAxis: { name: t.visual.x, type: "datetime" },
            yAxis: [{ name: t.visual.y, type: t.visual.yType }],
            splitBy:
              t.visual.splitBy === undefined ? [] : [{ name: t.visual.splitBy, type: "string" }],
            aggregation: "Sum",
          },
          isOptional: true,
        },
    { name: "LegendOptions", value: { isEnabled: true, position: "Bottom" }, isOptional: true },
    { name: "IsQueryContainTimeRange", value: false, isOptional: true },
  ];
  return {
    position,
    metadata: {
      inputs,
      type: "Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart",
      settings: {},
      partHeader: { title: t.title, subtitle: t.subtitle },
    },
  };
}

function markdownPart(position: Record<string, number>): Json {
  return {
    position,
    metadata: {
      inputs: [],
      type: "Extension/HubsExtension/PartType/MarkdownPart",
      settings: {
        content: {
          settings: {
            content: DASHBOARD_MARKDOWN,
            title: "FHIR migration",
            subtitle: "Read me",
          },
        },
      },
    },
  };
}

export function buildDashboardParts(): Json[] {
  const parts: Json[] = [
    markdownPart({ x: 0, y: 0, colSpan: 6, rowSpan: HEADER_HEIGHT }),
    logsPart(tile("Migration progress", "Latest watermark", "watermark", grid, 6), {
      x: 6,
      y: 0,
      colSpan: 6,
      rowSpan: HEADER_HEIGHT,
    }),
    logsPart(
      tile(
        "Lag behind the source",
        "Hours between now and the watermark",
        "lagChart",
        { kind: "chart", x: "timestamp", y: "LagHours", yType: "real" },
        6,
      ),
      { x: 12, y: 0, colSpan: 6, rowSpan: HEADER_HEIGHT },
    ),
  ];
  let y = HEADER_HEIGHT;
  for (const row of ROWS) {
    let x = 0;
    for (const t of row.tiles) {
      parts.push(logsPart(t, { x, y, colSpan: t.width, rowSpan: row.height }));
      x += t.width;
    }
    y += row.height;
  }
  return parts;
}

export function buildDashboard(): Record<string, Json> {
  return {
    type: "Microsoft.Portal/dashboards",
    apiVersion: API_VERSIONS["Microsoft.Portal/dashboards"],
    name: expr(variable("dashboardName")),
    location: expr("parameters('location')"),
    tags: { "hidden-title": expr("format('FHIR migration ({0})', variables('functionAppName'))") },
    dependsOn: [APP_INSIGHTS_ID],
    properties: {
      lenses: [{ order: 0, parts: buildDashboardParts() }],
      metadata: {
        model: {
          timeRange: {
            value: { relative: { duration: 24, timeUnit: 1 } },
            type: "MsPortalFx.Composition.Configuration.ValueTypes.TimeRange",
          },
        },
      },
    },
  };
}
