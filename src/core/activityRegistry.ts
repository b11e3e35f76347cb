/**
 * The migration's activities, declared once: each name with the input it takes. Pure types (no
 * I/O), so the pass planner can build its actions from them; the engine's handler table
 * (src/engine/activities/index.ts) is checked against this list, the orchestrator calls through it
 * (src/engine/callActivity.ts) and the Functions app registers what the table holds. A name or an
 * input that disagrees anywhere does not compile (docs/architecture-jobs.md).
 */

import type { DecideCutoverProofInput } from "../engine/cutover";
import type { StateRepair } from "./stateRepairs";

/** A payload's import job: the planner carries the payload key for readable history. */
export interface PayloadJobInput {
  chunkSeq: number;
  index: number;
  key: string;
}

/**
 * A small window the pass stages from `_history` instead of exporting it (src/core/selfStaging.ts):
 * its share of the pass's page requests, and how many of the pass's free import slots its payloads
 * may take once staged, so the same activity builds them and starts their imports
 * (docs/architecture-jobs.md, "A self-staged window in one activity").
 */
export interface SelfStageOrder {
  pages: number;
  importSlots: number;
}

export interface StartExportInput {
  seq: number;
  selfStage?: SelfStageOrder;
}

/** selfStage: stage the window planned if it is small (one chunk, at most the self-staging threshold). */
export type PlanNextWindowInput = { selfStage: SelfStageOrder } | null;

/** cutover: an entry concluded is a change (the proof waits for it), so the next pass runs at once. */
export interface ReconcileLedgerInput {
  since: string;
  cutover?: boolean;
  /** Starts of more runs of pending skipped stretches this call counts (LedgerWork.skippedRuns). */
  moreSkipped?: string[];
}

/**
 * The ledger entries before the freeze the proof counts before it reads the ledger (the pass's ready
 * entries and runs of skipped stretches); null from passes recorded before it counted them.
 */
export interface ProveCutoverInput {
  countFirst: string[];
}

export interface MigrationActivityInputs {
  LoadMigrationState: null;
  RepairMigrationState: StateRepair;
  PlanNextWindow: PlanNextWindowInput;
  StartExport: StartExportInput;
  PollExport: { seq: number };
  BuildImportPayloads: { seq: number };
  StartImport: PayloadJobInput;
  PollImport: PayloadJobInput;
  MigrateSearchParameters: null;
  StartReindex: null;
  PollReindex: null;
  ProveCutover: ProveCutoverInput | null;
  RecordPassFailure: { message: string; details?: string };
  ReconcileLedger: ReconcileLedgerInput;
  DecideCutoverProof: DecideCutoverProofInput;
}

export type MigrationActivityName = keyof MigrationActivityInputs;

export type ActivityInput<K extends MigrationActivityName> = MigrationActivityInputs[K];

/**
 * The activities the orchestrator calls itself, around each pass or after the proof's verification
 * (DecideCutoverProof); the planner plans the others.
 */
export type PassFrameActivity = "LoadMigrationState" | "RecordPassFailure" | "DecideCutoverProof";

export type PlannedActivityName = Exclude<MigrationActivityName, PassFrameActivity>;

/** One call of an activity of `N`, with its name and input paired (a discriminated union). */
export type ActivityCall<N extends MigrationActivityName = MigrationActivityName> = {
  [K in N]: { activity: K; input: ActivityInput<K> };
}[N];

/**
 * The names at run time (a test checks that the handler table and the Functions registrations hold
 * exactly these); `satisfies` makes this list name every activity of the registry and no other.
 */
export const MIGRATION_ACTIVITY_NAMES = Object.keys({
  LoadMigrationState: true,
  RepairMigrationState: true,
  PlanNextWindow: true,
  StartExport: true,
  PollExport: true,
  BuildImportPayloads: true,
  StartImport: true,
  PollImport: true,
  MigrateSearchParameters: true,
  StartReindex: true,
  PollReindex: true,
  ProveCutover: true,
  RecordPassFailure: true,
  ReconcileLedger: true,
  DecideCutoverProof: true,
} satisfies Record<MigrationActivityName, true>) as MigrationActivityName[];
