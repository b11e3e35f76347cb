/**
 * KQL behind the dashboard tiles and alert rules. Queries over `customEvents` read only the event
 * names and `customDimensions` properties the code sends, and filter only on status values it sends
 * (test/unit/infra/dashboard.test.ts reads the emitting calls), always in the forms `name == "X"` /
 * `name in ("X", "Y")` and `customDimensions.Prop`.
 *
 * Status values are the ones the activities emit: Started, Completed, Failed (a job whose latest
 * event is Started is running; polls send nothing). Every window and payload sends its Completed
 * event whichever path moved it: a self-staged window (SelfStaged, no Started before it) and a
 * payload completed by isolating the resources its job failed on (Isolated). Check verdicts (Result) are Pass, Behind, Fail,
 * Error. Events come from activities, which may run again after a retry, so state is taken as the
 * latest event per job key rather than by counting events.
 *
 * Rows of `requests`, `dependencies` and `exceptions` are sampled by the Functions host (host.json):
 * each row stands for `itemCount` items, so they are counted with sum(itemCount), never count().
 * A `customMetrics` row is a pre-aggregate of the samples of one export interval: `value` is their
 * sum, so an average is sum(valueSum) / sum(valueCount) and a maximum is max(valueMax).
 */

const q = (...lines: string[]): string => lines.join("\n");

const s = (prop: string): string => `tostring(customDimensions.${prop})`;
const n = (prop: string): string => `tolong(customDimensions.${prop})`;
const d = (prop: string): string => `todouble(customDimensions.${prop})`;

/** Export jobs are keyed by chunk and export id (kick-off failures have no export id yet). */
const exportKey = `extend Key = strcat(${s("ChunkId")}, "|", ${s("ExportId")}, "|", ${s("ResourceType")})`;
/** Import jobs are keyed by chunk and payload (a payload may be attempted more than once). */
const importKey = `extend Key = strcat(${s("ChunkId")}, "|", ${s("PayloadId")})`;

/** Events of the newest check run only: checks write one event per type, per run. */
/** The window of each chunk, from its latest completed Export event (Import events do not carry it). */
const chunkWindows = [
  "let windows = customEvents",
  '    | where name == "Export"',
  `    | where ${s("ExportStatus")} == "Completed"`,
  `    | summarize arg_max(timestamp, customDimensions) by ChunkId = ${s("ChunkId")}`,
  `    | project ChunkId, Since = ${s("Since")}, Till = ${s("Till")};`,
];

/** Resources in completed exports, counted once per export job. */
const exportedTotal = [
  "let exported = toscalar(customEvents",
  '    | where name == "Export"',
  `    | where ${s("ExportStatus")} == "Completed"`,
  `    | ${exportKey}`,
  "    | summarize arg_max(timestamp, customDimensions) by Key",
  `    | summarize sum(${n("TotalResources")}));`,
];

const latestRun = (event: string): string[] => [
  "let lastRun = toscalar(customEvents",
  `    | where name == "${event}"`,
  "    | top 1 by timestamp desc",
  `    | project ${s("RunId")});`,
  "customEvents",
  `| where name == "${event}"`,
  `| where ${s("RunId")} == lastRun`,
];

export const QUERIES = {
  watermark: q(
    "customEvents",
    '| where name == "Watermark"',
    "| top 1 by timestamp desc",
    `| project MigratedUpTo = todatetime(customDimensions.Till), PreviousWatermark = todatetime(customDimensions.PreviousTill), ChunksCompleted = ${n("ChunksCompleted")}, LagHours = round(${d("LagSeconds")} / 3600, 1), ReportedAt = timestamp`,
  ),
  lagChart: q(
    "customEvents",
    '| where name == "Watermark"',
    `| summarize LagHours = round(min(${d("LagSeconds")}) / 3600, 2) by bin(timestamp, 1h)`,
    "| render timechart",
  ),
  completedExportsCount: q(
    "customEvents",
    '| where name == "Export"',
    `| where ${s("ExportStatus")} == "Completed"`,
    `| ${exportKey}`,
    "| summarize CompletedExports = dcount(Key)",
  ),
  runningExportsCount: q(
    "customEvents",
    '| where name == "Export"',
    `| ${exportKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| where ${s("ExportStatus")} == "Started"`,
    "| summarize RunningExports = count()",
  ),
  failedExportsCount: q(
    "customEvents",
    '| where name == "Export"',
    `| where ${s("ExportStatus")} == "Failed"`,
    "| summarize FailedExports = count()",
  ),
  completedImportsCount: q(
    "customEvents",
    '| where name == "Import"',
    `| where ${s("ImportStatus")} == "Completed"`,
    `| ${importKey}`,
    "| summarize CompletedImports = dcount(Key)",
  ),
  runningImportsCount: q(
    "customEvents",
    '| where name == "Import"',
    `| ${importKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| where ${s("ImportStatus")} == "Started"`,
    "| summarize RunningImports = count()",
  ),
  failedImportsCount: q(
    "customEvents",
    '| where name == "Import"',
    `| where ${s("ImportStatus")} == "Failed"`,
    "| summarize FailedImports = count()",
  ),
  completedExports: q(
    "customEvents",
    '| where name == "Export"',
    `| where ${s("ExportStatus")} == "Completed"`,
    `| ${exportKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| project Completed = timestamp, ChunkId = ${s("ChunkId")}, Path = iff(${s("SelfStaged")} == "true", "self-staged", "$export"), ExportId = ${s("ExportId")}, ResourceType = ${s("ResourceType")}, Since = ${s("Since")}, Till = ${s("Till")}, Resources = ${n("TotalResources")}, SearchParameters = ${n("SearchParameterCount")}, FailedResources = ${n("FailedExportCount")}, FailedTypes = ${s("FailedExportType")}, Minutes = round(${d("DurationSeconds")} / 60, 1)`,
    "| order by Completed desc",
  ),
  runningExports: q(
    "customEvents",
    '| where name == "Export"',
    `| ${exportKey}`,
    "| summarize arg_max(timestamp, customDimensions), Started = min(timestamp) by Key",
    `| where ${s("ExportStatus")} == "Started"`,
    `| project ChunkId = ${s("ChunkId")}, ExportId = ${s("ExportId")}, ResourceType = ${s("ResourceType")}, Since = ${s("Since")}, Till = ${s("Till")}, Started, LastUpdate = timestamp, StatusUrl = ${s("StatusUrl")}`,
    "| order by Started asc",
  ),
  failedExports: q(
    "customEvents",
    '| where name == "Export"',
    `| where ${s("ExportStatus")} == "Failed"`,
    `| project Failed = timestamp, ChunkId = ${s("ChunkId")}, ExportId = ${s("ExportId")}, ResourceType = ${s("ResourceType")}, Since = ${s("Since")}, Till = ${s("Till")}, StatusCode = ${s("StatusCode")}, Reason = ${s("FailureReason")}`,
    "| order by Failed desc",
  ),
  completedImports: q(
    ...chunkWindows,
    "customEvents",
    '| where name == "Import"',
    `| where ${s("ImportStatus")} == "Completed"`,
    `| ${importKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| project Completed = timestamp, ChunkId = ${s("ChunkId")}, PayloadId = ${s("PayloadId")}, ImportId = ${s("ImportId")}, Isolated = ${s("Isolated")} == "true", Attempt = ${n("Attempt")}, Imported = ${n("TotalImportResources")}, Rejected = ${n("FailedImportCount")}, RejectedTypes = ${s("FailedResourceType")}, Minutes = round(${d("DurationSeconds")} / 60, 1)`,
    "| join kind=leftouter windows on ChunkId",
    "| project-away ChunkId1",
    "| order by Completed desc",
  ),
  runningImports: q(
    "customEvents",
    '| where name == "Import"',
    `| ${importKey}`,
    "| summarize arg_max(timestamp, customDimensions), Started = min(timestamp) by Key",
    `| where ${s("ImportStatus")} == "Started"`,
    `| project ChunkId = ${s("ChunkId")}, PayloadId = ${s("PayloadId")}, ImportId = ${s("ImportId")}, Attempt = ${n("Attempt")}, Started, LastUpdate = timestamp, StatusUrl = ${s("StatusUrl")}`,
    "| order by Started asc",
  ),
  failedImports: q(
    "customEvents",
    '| where name == "Import"',
    `| where ${s("ImportStatus")} == "Failed"`,
    `| project Failed = timestamp, ChunkId = ${s("ChunkId")}, PayloadId = ${s("PayloadId")}, ImportId = ${s("ImportId")}, Attempt = ${n("Attempt")}, StatusCode = ${s("StatusCode")}, Reason = ${s("FailureReason")}`,
    "| order by Failed desc",
  ),
  exportedResources: q(
    "customEvents",
    '| where name == "Export"',
    `| where ${s("ExportStatus")} == "Completed"`,
    `| ${exportKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| summarize Exports = count(), Resources = sum(${n("TotalResources")}), SearchParametersSkipped = sum(${n("SearchParameterCount")}), FailedResources = sum(${n("FailedExportCount")}), FailedTypes = make_set_if(${s("FailedExportType")}, isnotempty(${s("FailedExportType")}))`,
  ),
  importedResources: q(
    ...exportedTotal,
    "customEvents",
    '| where name == "Import"',
    `| where ${s("ImportStatus")} == "Completed"`,
    `| ${importKey}`,
    "| summarize arg_max(timestamp, customDimensions) by Key",
    `| summarize Payloads = count(), Imported = sum(${n("TotalImportResources")}), Rejected = sum(${n("FailedImportCount")}), RejectedTypes = make_set_if(${s("FailedResourceType")}, isnotempty(${s("FailedResourceType")}))`,
    "| extend ExportedSoFar = exported",
  ),
  rejectedResources: q(
    "customEvents",
    '| where name == "FailedResources"',
    `| summarize Count = sum(${n("Count")}), Chunks = dcount(${s("ChunkId")}), LastSeen = max(timestamp), SampleIds = take_any(${s("SampleIds")}) by ResourceType = ${s("ResourceType")}, Reason = ${s("Reason")}`,
    "| order by Count desc",
  ),
  totalResourceCounts: q(
    ...latestRun("SurfaceCheck"),
    `| summarize Source = sum(${n("SourceCount")}), Destination = sum(${n("DestinationCount")}), Types = dcount(${s("Resource")}), CheckedAt = max(timestamp) by Scope = ${s("Scope")}`,
    "| extend Missing = Source - Destination",
  ),
  surfaceCheck: q(
    ...latestRun("SurfaceCheck"),
    `| project Resource = ${s("Resource")}, Scope = ${s("Scope")}, Source = ${n("SourceCount")}, Destination = ${n("DestinationCount")}, Difference = ${n("Difference")}, Result = ${s("Result")}, Watermark = ${s("Watermark")}`,
    "| order by abs(Difference) desc, Resource asc",
  ),
  deepCheck: q(
    ...latestRun("DeepCheck"),
    `| summarize Compared = count(), Differing = countif(isnotempty(${s("DifferingPaths")})), Paths = make_set_if(${s("DifferingPaths")}, isnotempty(${s("DifferingPaths")}), 20) by Resource = ${s("Resource")}, Result = ${s("Result")}`,
    "| order by Differing desc, Resource asc",
  ),
  cutover: q(
    "customEvents",
    '| where name == "Cutover"',
    "| top 10 by timestamp desc",
    `| project timestamp, Phase = ${s("Phase")}, Freeze = ${s("Freeze")}, WindowMinutes = round(${d("WindowSeconds")} / 60, 1), VersionsCompared = ${n("VersionsCompared")}, Missing = ${n("Missing")}, Different = ${n("Different")}, PostFreezeWrites = ${n("PostFreezeWrites")}, FailedResources = ${n("FailedResources")}, LedgerUnreconciled = ${n("LedgerUnreconciled")}, VerificationRunId = ${s("VerificationRunId")}`,
  ),
  selfStaged: q(
    "customEvents",
    '| where name == "SelfStage"',
    `| summarize arg_max(timestamp, customDimensions), Windows = dcount(${s("ChunkId")}), Versions = sum(${n("TotalResources")}), Pages = sum(${n("Pages")}), RequestUnits = sum(${d("RequestCharge")}) by Outcome = ${s("Outcome")}`,
    `| project Outcome, Windows, Versions, Pages, RequestUnits = round(RequestUnits, 0), LastSeen = timestamp, LastReason = ${s("Reason")}`,
    "| order by Outcome asc",
  ),
  importIsolation: q(
    "customEvents",
    '| where name == "ImportIsolation"',
    `| ${importKey}`,
    "| summarize arg_max(timestamp, customDimensions), Started = min(timestamp) by Key",
    `| project ChunkId = ${s("ChunkId")}, PayloadId = ${s("PayloadId")}, LatestStep = ${s("Step")}, Started, LastUpdate = timestamp, Parts = ${n("Parts")}, Jobs = ${n("Jobs")}, Refused = ${n("Refused")}, Reason = ${s("Reason")}`,
    "| order by LastUpdate desc",
  ),
  windowBoundaries: q(
    "customEvents",
    '| where name == "WindowBoundary"',
    "| top 20 by timestamp desc",
    `| project timestamp, Since = ${s("Since")}, Till = ${s("Till")}, VersionsAtTill = ${n("VersionsAtTill")}, Probes = ${n("Probes")}`,
  ),
  throughput: q(
    "customMetrics",
    '| where name == "ResourcesMovedPerMinute"',
    "| summarize ResourcesPerMinute = sum(valueSum) / sum(valueCount) by bin(timestamp, 15m)",
    "| render timechart",
  ),
  jobsInFlight: q(
    "customMetrics",
    '| where name in ("JobsInFlight", "LagBehindSourceSeconds")',
    "| summarize Value = max(valueMax) by bin(timestamp, 15m), name",
    "| render timechart",
  ),
  halts: q(
    "customEvents",
    '| where name in ("ExportRetries", "MaxExportRetriesCleared")',
    "| top 20 by timestamp desc",
    `| project timestamp, Event = name, Status = ${s("Status")}, ConsecutiveFailures = ${s("MaxExportRetries")}, Limit = ${s("ConfiguredLimit")}, Reason = ${s("FailureReason")}, ActionRequired = ${s("ActionRequired")}, PreviousCount = ${s("PreviousCount")}, ClearedAt = ${s("ClearedAt")}`,
  ),
  searchParameters: q(
    "customEvents",
    '| where name == "SearchParameters"',
    "| top 10 by timestamp desc",
    `| project timestamp, Status = ${s("Status")}, Copied = ${n("Copied")}, Failed = ${n("Failed")}, Total = ${n("Total")}, Reason = ${s("FailureReason")}`,
  ),
  hardDeletes: q(
    "let lastRun = toscalar(customEvents",
    '    | where name == "HardDeleteReconciliation"',
    "    | top 1 by timestamp desc",
    `    | project ${s("RunId")});`,
    "customEvents",
    '| where name == "HardDeleteReconciliation"',
    `| where ${s("RunId")} == lastRun`,
    `| project timestamp, Resource = ${s("Resource")}, Result = ${s("Result")}, ExtraOnDestination = ${n("ExtraOnDestination")}, HardDeletedOnSource = ${n("HardDeletedOnSource")}, Applied = ${s("Applied")}`,
    "| order by ExtraOnDestination desc",
  ),
  functionFailures: q(
    "requests",
    "| where success == false",
    "| summarize Failures = sum(itemCount) by bin(timestamp, 1h), operation_Name",
    "| render timechart",
  ),
  exceptionsAndDependencies: q(
    "union",
    '    (exceptions | extend Kind = "Exception"),',
    '    (dependencies | where success == false | extend Kind = "Dependency failure")',
    "| summarize Count = sum(itemCount) by bin(timestamp, 1h), Kind",
    "| render timechart",
  ),
  cpu: q(
    "performanceCounters",
    '| where name in ("% Processor Time Normalized", "% Processor Time")',
    "| summarize CpuPercent = avg(value) by bin(timestamp, 15m), cloud_RoleInstance",
    "| render timechart",
  ),
  memory: q(
    "performanceCounters",
    '| where name in ("Available Bytes", "Private Bytes")',
    "| summarize MB = avg(value) / 1048576 by bin(timestamp, 15m), name",
    "| render timechart",
  ),
} as const;

export type QueryName = keyof typeof QUERIES;

/** Alert rule queries (scope: the Application Insights resource). */
export const ALERT_QUERIES = {
  halted: q("customEvents", '| where name == "ExportRetries"'),
  noProgress: q("customEvents", '| where name == "Watermark"'),
  ledgerUnreconciled: q(
    "customEvents",
    '| where name == "LedgerEntry"',
    `| where ${s("LedgerStatus")} == "Unreconciled"`,
  ),
  cutoverNoGo: q("customEvents", '| where name == "Cutover"', `| where ${s("Phase")} == "NO-GO"`),
  cutoverGo: q("customEvents", '| where name == "Cutover"', `| where ${s("Phase")} == "GO"`),
} as const;
