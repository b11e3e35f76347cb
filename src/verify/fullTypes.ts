/**
 * Inputs, activity results and the report section of the full check (every version of every
 * resource, docs/verification.md "Full check"). Everything crosses the durable boundary as JSON.
 */
import type { PathDifference } from "../core/resourceDiff";
import type { CheckVerdict } from "../core/surfaceVerdict";
import type { DeepCompareResult } from "./types";

/**
 * What is compared: "history" every version (`_history` on both servers; history migrated),
 * "current" the current version of every resource (system search; history not migrated).
 */
export type FullScope = "history" | "current";

/** Examples (with JSON paths) the report keeps per type; counts are always exact. */
export const FULL_EXAMPLES_PER_TYPE = 20;
/** Examples one unit keeps (its check row holds them); the run keeps FULL_EXAMPLES_PER_TYPE per type. */
export const FULL_EXAMPLES_PER_UNIT = 20;
/** Paths kept per example. */
export const FULL_PATHS_PER_EXAMPLE = 20;

export type FullProblem =
  | "missing"
  | "extra"
  | "content"
  | "deleted-on-destination"
  | "deleted-on-source"
  | "not-migrated-yet";

export interface FullExample {
  type: string;
  id: string;
  versionId: string;
  problem: FullProblem;
  /** For "content": the paths that differ (meta.lastUpdated included). */
  paths: PathDifference[];
  note: string | null;
}

export interface FullTypeTotals {
  type: string;
  /** Versions the source holds in the compared ranges (SearchParameter: current resources). */
  source: number;
  destination: number;
  /** Source versions found equal on the destination. */
  matched: number;
  /** Source versions older than the watermark the destination does not have. */
  missing: number;
  /** Destination versions the source does not have: not loss (created there, or hard-deleted on the source). */
  extra: number;
  /** Versions on both whose content, lastUpdated or deleted state differ. */
  different: number;
  /** Source versions at or after the watermark not on the destination yet. */
  behind: number;
  /** Source versions not expected on the destination (deleted versions when deletes are not migrated). */
  skipped: number;
  /** Source versions the destination refused, recorded as failed resources: known, not migrated. */
  known: number;
}

export interface FullPlanInput {
  runId: string;
  /** Continue this run (its plan row and finished units) instead of starting afresh. */
  resume: boolean;
  /** Versions one unit may hold on either server; null: from the memory budget. */
  unitVersions: number | null;
  concurrency: number;
  /** Start of the range (epoch ms): only versions changed since the last full proof; null: the whole range. */
  sinceMs?: number | null;
}

export interface FullPlan {
  scope: FullScope;
  sinceMs: number;
  tillMs: number;
  /** Versions in [since, till) on each server when the run was planned. */
  source: number;
  destination: number;
  /**
   * Of `source`, the SearchParameter versions: compared apart, current only (fullSearchParameters.ts),
   * so the units compare `source - searchParameters` versions. Absent in a plan an orchestration
   * recorded before it was counted.
   */
  searchParameters?: number;
  unitVersions: number;
  /** True when the plan was read back from an earlier attempt of the same run. */
  resumed: boolean;
  migratesDeletes: boolean;
  watermark: string | null;
  /** The range starts at a given instant (after the last full proof), not at the oldest version. */
  incremental: boolean;
  /** When the run was first planned (a resumed run keeps its first start). */
  startedAt: string;
}

/** VerifyFullRecord's input: a passing full check extends the last full proof (src/core/fullProof.ts). */
export interface FullRecordInput {
  runId: string;
  scope: FullScope;
  sinceMs: number;
  /** Every version before it was found equal (the range's end, or the watermark when Behind). */
  tillMs: number;
  incremental: boolean;
}

export interface CountedUnit {
  sinceMs: number;
  tillMs: number;
  source: number;
  destination: number;
}

export interface FullSplitInput {
  scope: FullScope;
  ranges: CountedUnit[];
  unitVersions: number;
  /** Count requests one hop may send to each server before handing back what is left. */
  maxCounts: number;
  /** Units one hop hands back at most (the rest of the ranges stay to split). */
  maxUnits: number;
  concurrency: number;
}

export interface FullSplitResult {
  /** Ranges that fit, in time order. */
  units: CountedUnit[];
  /** Ranges of one millisecond that still hold more than unitVersions. */
  oversize: number;
  /** Ranges still to split (counted), in time order. */
  pending: CountedUnit[];
}

export interface FullUnitInput {
  runId: string;
  scope: FullScope;
  sinceMs: number;
  tillMs: number;
  migratesDeletes: boolean;
  watermark: string | null;
  pageSize: number;
  /**
   * Destination versions the unit may hold unmatched (read before their source version) while the
   * source is still read: the unit's size less its source versions, so both sides together stay
   * within the unit's bound. Absent (an input scheduled before both sides were read at once): 0.
   */
  holdAhead?: number;
}

export interface FullUnitResult {
  key: string;
  sinceMs: number;
  tillMs: number;
  /** Read back from the run's check row: finished by an earlier attempt. */
  resumed: boolean;
  /** Versions (of both sides, not matched yet) held at once: the unit's memory, for the bound in the docs. */
  held: number;
  perType: FullTypeTotals[];
  examples: FullExample[];
  /** Set when the unit could not be compared (its counts are then partial). */
  error: string | null;
}

export interface FullSummary {
  verdict: CheckVerdict;
  scope: FullScope;
  since: string;
  till: string;
  unitVersions: number;
  units: number;
  resumedUnits: number;
  oversizeUnits: number;
  totals: Omit<FullTypeTotals, "type">;
  perType: FullTypeTotals[];
  /** At most FULL_EXAMPLES_PER_TYPE per type and problem kind. */
  examples: FullExample[];
  errors: { unit: string; error: string }[];
  /** SearchParameters are copied by PUT and compared current version only (docs/verification.md). */
  searchParameters: DeepCompareResult | null;
}

/** Custom status of the full phase (with the orchestration's phase "full"). */
export interface FullProgress {
  units: number;
  unitsDone: number;
  versions: number;
  versionsDone: number;
}

/**
 * Requests VerifyFullPlan has in flight to one server at most (the range's count and its
 * SearchParameters' count, src/verify/fullPlan.ts): what it takes of AZURE_CheckConcurrency when it
 * runs beside the surface check.
 */
export const FULL_PLAN_REQUESTS = 2;
