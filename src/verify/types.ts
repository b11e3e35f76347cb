/**
 * Inputs, activity results and the report of a verification run. Everything here crosses the
 * durable boundary as JSON, so optional values are `null` rather than undefined, and the lists
 * carried by the orchestration are capped: per-resource detail lives in the job table's check rows.
 */
import type { PathDifference } from "../core/resourceDiff";
import type { CheckVerdict, SurfaceScope } from "../core/surfaceVerdict";
import type { FullSummary } from "./fullTypes";
import type { ReconcileCursor } from "./reconcileWindows";
import type { RowTally } from "./runSummary";

export const CHECK_NAMES = ["surface", "deep", "reconcile", "full"] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
/** What runs when no checks are named: the full check reads every version, so it is asked for. */
export const DEFAULT_CHECKS: readonly CheckName[] = ["surface", "deep", "reconcile"];

/** How many failures (resources, ids) the orchestration output carries; the rest are in the table. */
export const REPORTED_FAILURES = 20;

/** What a caller may choose; anything left out comes from the settings. */
export interface VerificationOptions {
  /** Resources sampled by the deep check in total, across types (0 skips it). */
  deepCheckCount?: number;
  /** Types to check; default AZURE_SurfaceCheckResources, or every type present on either server. */
  resourceTypes?: string[];
  checks?: CheckName[];
  /** Seed of the deep check sample: the same seed on the same data samples the same resources. */
  seed?: string;
  applyHardDeletes?: boolean;
  /** Requests in flight to each server at once (AZURE_CheckConcurrency). */
  concurrency?: number;
  /** Full check: continue this earlier run from its last finished unit. */
  resume?: string;
  /** Full check: versions per unit on either server (default: from the memory budget). */
  unitVersions?: number;
  /**
   * Full check: compare only versions stamped at or after this instant (epoch ms; the cutover's
   * proof after an earlier full proof, src/core/fullProof.ts); absent: the whole range.
   */
  fullSinceMs?: number;
}

/** Per-activity work limits, so each activity ends well inside the Functions timeout. */
export interface HopLimits {
  /** `_count` of the paged reads (the servers' maximum is 1000, docs/server-behaviour.md §5.2). */
  pageSize: number;
  /** Search pages one sampling or reconciliation activity reads before handing back a cursor. */
  maxPages: number;
  /** Time one sampling or reconciliation activity may spend before handing back a cursor. */
  budgetMs: number;
  /** Sampled resources one comparison activity compares. */
  compareBatch: number;
}

export const DEFAULT_HOP_LIMITS: HopLimits = {
  pageSize: 1000,
  maxPages: 400,
  budgetMs: 4 * 60_000,
  compareBatch: 500,
};

/** The orchestration's input. */
export interface VerificationInput extends VerificationOptions {
  runId: string;
  seed: string;
  limits?: Partial<HopLimits>;
}

export interface TypeCounts {
  type: string;
  /** Null when the count failed (see error). */
  source: number | null;
  destination: number | null;
  error: string | null;
}

export interface VerificationPlan {
  runId: string;
  seed: string;
  startedAt: string;
  checks: CheckName[];
  watermark: string | null;
  /** AZURE_ExportWithHistory: every version is migrated. */
  migratesHistory: boolean;
  /** AZURE_ExportWithDelete: soft deletes are migrated. */
  migratesDeletes: boolean;
  /** The surface check also compares `_history` counts (history and deletes are both migrated). */
  historyScope: boolean;
  concurrency: number;
  deepCheckCount: number;
  applyHardDeletes: boolean;
  /** "discovered": every type present on either server; "requested": the given list. */
  typeSelection: "discovered" | "requested";
  /** Discovery counts: `_history` counts when history is migrated, else search counts. */
  types: TypeCounts[];
  /** Deep check sample size per type (only types with a size > 0). */
  allocation: { type: string; size: number }[];
  limits: HopLimits;
  /** Resources recorded as refused by the destination (src/verify/knownFailures.ts). */
  knownFailures?: KnownFailures;
}

export interface KnownFailures {
  total: number;
  byType: { type: string; count: number }[];
  /** The first ones, at most REPORTED_FAILURES; all are in the job table's "-failed" partition. */
  items: {
    type: string;
    id: string;
    version: string | null;
    reason: string;
    inputUrl: string;
    line: number | null;
    window: string | null;
  }[];
  /** What the user can do about them. */
  action: string;
}

export interface SurfaceRow {
  /** A resource type, or SYSTEM_TOTAL_TYPE for the system-level total. */
  type: string;
  /** "system": `/?_summary=count`, every type at once (search scope). */
  scope: SurfaceScope | "system";
  source: number | null;
  destination: number | null;
  /** destination - source. */
  difference: number | null;
  verdict: CheckVerdict;
  reason: string;
  watermark: string | null;
  sourceBeforeWatermark: number | null;
  destinationBeforeWatermark: number | null;
  sourceChangedSinceWatermark: number | null;
}

export type VersionProblem =
  | "content"
  | "missing"
  | "extra"
  | "deleted-on-destination"
  | "deleted-on-source"
  | "not-migrated-yet";

export interface VersionFinding {
  versionId: string;
  problem: VersionProblem;
  /** The differing paths, for "content". */
  paths: PathDifference[];
  note: string | null;
}

export type ResourceResult = "Pass" | "Fail" | "Behind" | "Error";

export interface DeepResourceResult {
  type: string;
  id: string;
  result: ResourceResult;
  versionsCompared: number;
  findings: VersionFinding[];
  note: string | null;
}

export interface DeepSampleResult {
  type: string;
  done: boolean;
  /** Where the next hop resumes (a next-page path relative to the source's base URL). */
  cursor: string | null;
  scanned: number;
  sampled: number;
  error: string | null;
}

export interface DeepCompareResult {
  type: string;
  processed: number;
  passed: number;
  failed: number;
  behind: number;
  errors: number;
  failures: DeepResourceResult[];
}

/** A type's comparison before any resource of it was compared. */
export function emptyDeepCompare(type: string): DeepCompareResult {
  return { type, processed: 0, passed: 0, failed: 0, behind: 0, errors: 0, failures: [] };
}

export interface DeepTypeSummary {
  type: string;
  allocated: number;
  sampled: number;
  passed: number;
  failed: number;
  behind: number;
  errors: number;
  /** Set when sampling the type failed: nothing of it was compared. */
  error: string | null;
}

export interface DeepSummary {
  verdict: CheckVerdict;
  requested: number;
  sampled: number;
  passed: number;
  failed: number;
  behind: number;
  errors: number;
  perType: DeepTypeSummary[];
  /** The first failures (Fail and Error), at most REPORTED_FAILURES. */
  failures: DeepResourceResult[];
}

/**
 * Why a resource the destination holds is absent from the source's search:
 * - hard-deleted: the source has no version of it at all (deletes $export cannot see);
 * - deleted-on-source: its latest source version is a delete that should be, but is not, migrated;
 * - delete-pending: deleted at or after the watermark, and deletes are migrated: it will follow;
 * - error: the source could not be asked.
 */
export type ExtraClass = "hard-deleted" | "deleted-on-source" | "delete-pending" | "error";

export interface ExtraResource {
  id: string;
  class: ExtraClass;
  applied: boolean;
  note: string | null;
}

export interface ReconcileTotals {
  /** Destination resources checked against the source. */
  scanned: number;
  extra: number;
  hardDeleted: number;
  deletedOnSource: number;
  deletePending: number;
  errors: number;
  applied: number;
  applyFailed: number;
}

export interface ReconcileTypeResult {
  type: string;
  done: boolean;
  /** Where the next hop resumes; null when done. */
  cursor: ReconcileCursor | null;
  totals: ReconcileTotals;
  /** Why deletes were not applied although asked for, or null. */
  applyRefused: string | null;
  /** The first extras found, at most REPORTED_FAILURES. */
  sample: ExtraResource[];
  verdict: CheckVerdict;
  error: string | null;
  /** The check rows this hop wrote, by result (the run's summary row adds them up). */
  rows: RowTally;
}

export interface VerificationReport {
  runId: string;
  seed: string;
  startedAt: string;
  finishedAt: string;
  /** Fail (or Error) > Behind > Pass over every check that ran. */
  verdict: CheckVerdict;
  /** True only when every check that ran passed. */
  passed: boolean;
  watermark: string | null;
  checks: CheckName[];
  typeSelection: "discovered" | "requested";
  migratesHistory: boolean;
  migratesDeletes: boolean;
  concurrency: number;
  applyHardDeletes: boolean;
  /** Null when the check was not asked for. */
  surface: { verdict: CheckVerdict; rows: SurfaceRow[] } | null;
  deep: DeepSummary | null;
  /** Resources recorded as refused by the destination: known, not migrated. */
  knownFailures?: KnownFailures;
  reconcile: {
    verdict: CheckVerdict;
    types: Omit<ReconcileTypeResult, "cursor" | "done" | "rows">[];
  } | null;
  /** The full check (every version); null when not asked for. */
  full?: FullSummary | null;
}
