/**
 * Telemetry event and metric names with their properties. Each list is exactly what the emitting
 * calls send (test/unit/telemetry/sentTelemetry.test.ts reads the calls), and the dashboard's
 * queries and the docs are checked against what is sent, so a property renamed or dropped breaks a
 * test rather than a tile.
 * Events are emitted from activities only (replay-safe), never from orchestrator code.
 */
export const TELEMETRY_EVENTS = {
  /** One per export state change of a chunk; a self-staged window sends only Completed (SelfStaged). */
  Export: [
    "ChunkId",
    "ExportId",
    "StatusUrl",
    "ExportStatus",
    "Since",
    "Till",
    "ResourceType",
    "TotalResources",
    "SearchParameterCount",
    "FailedExportCount",
    "FailedExportType",
    "FailureReason",
    "StatusCode",
    "DurationSeconds",
    "PlannedCount",
    "RecountedCount",
    "SelfStaged",
  ],
  /** One per small window staged from `_history` instead of exported, or falling back to `$export`. */
  SelfStage: [
    "ChunkId",
    "Since",
    "Till",
    "ResourceType",
    "PlannedCount",
    "Outcome",
    "Reason",
    "TotalResources",
    "SearchParameterCount",
    "Pages",
    "RequestCharge",
    "Duplicates",
    "Files",
    "Request",
    "DurationSeconds",
  ],
  /** One per import state change of a payload; Completed also when isolation completed it (Isolated). */
  Import: [
    "ChunkId",
    "PayloadId",
    "ImportId",
    "StatusUrl",
    "ImportStatus",
    "TotalImportResources",
    "FailedImportCount",
    "FailedResourceType",
    "FailureReason",
    "StatusCode",
    "Attempt",
    "DurationSeconds",
    "Isolated",
  ],
  /** The watermark moved: everything before Till is on the destination (the original's ImportTill). */
  Watermark: ["Till", "PreviousTill", "ChunksCompleted", "LagSeconds"],
  SurfaceCheck: [
    "RunId",
    "Resource",
    "SourceCount",
    "DestinationCount",
    "Difference",
    "Result",
    "Scope",
    "Watermark",
  ],
  DeepCheck: ["RunId", "Resource", "id", "VersionId", "Result", "DifferingPaths"],
  /** The migration halted after repeated failures. */
  ExportRetries: [
    "Status",
    "MaxExportRetries",
    "ConfiguredLimit",
    "FailureReason",
    "ActionRequired",
  ],
  MaxExportRetriesCleared: ["PartitionKey", "RowKey", "ClearedAt", "PreviousCount"],
  /** Resources the destination rejected during import, per chunk and type. */
  FailedResources: [
    "ChunkId",
    "PayloadId",
    "ResourceType",
    "Count",
    "SampleIds",
    "Reason",
    "Version",
    "InputUrl",
    "Line",
    "Isolated",
  ],
  /** Isolation of resources that failed a whole import job (docs/operations.md). */
  ImportIsolation: [
    "ChunkId",
    "PayloadId",
    "Step",
    "PartId",
    "Attempt",
    "Reason",
    "InputUrl",
    "Parts",
    "Children",
    "Imported",
    "Failed",
    "Jobs",
    "Running",
    "Pending",
    "Refused",
    "TotalImportResources",
    "FailedImportCount",
  ],
  SearchParameters: ["Status", "Copied", "Failed", "Refused", "Deferred", "Total", "FailureReason"],
  /** A window had to end on a millisecond holding versions (no free end nearby). */
  WindowBoundary: ["Since", "Till", "VersionsAtTill", "Probes"],
  /** A ledger entry reconciled or found unreconciled (docs/architecture.md, "Ledger"). */
  LedgerEntry: [
    "Since",
    "Till",
    "EntryKind",
    "LedgerStatus",
    "Missing",
    "Extra",
    "Checks",
    "Counts",
  ],
  HardDeleteReconciliation: [
    "RunId",
    "Resource",
    "ExtraOnDestination",
    "Applied",
    "HardDeletedOnSource",
    "Result",
  ],
  /** The cutover operation: requested, proving (with what it will compare), cancelled, GO or NO-GO. */
  Cutover: [
    "Phase",
    "Freeze",
    "VersionsToCompare",
    "EstimatedSeconds",
    "WindowSeconds",
    "VersionsCompared",
    "Missing",
    "Different",
    "PostFreezeWrites",
    "FailedResources",
    "VerificationRunId",
    "LedgerEntries",
    "LedgerUnreconciled",
  ],
} as const;

export type TelemetryEventName = keyof typeof TELEMETRY_EVENTS;
export type TelemetryProperties<E extends TelemetryEventName> = Partial<
  Record<(typeof TELEMETRY_EVENTS)[E][number], string | number | boolean>
>;

export const TELEMETRY_METRICS = {
  ResourcesMovedPerMinute:
    "Resources imported per minute since the migration started (sent every pass).",
  LagBehindSourceSeconds: "Seconds between now and the watermark (sent every pass).",
  JobsInFlight: "Export and import jobs planned or running (sent every pass).",
} as const;

export type TelemetryMetricName = keyof typeof TELEMETRY_METRICS;
