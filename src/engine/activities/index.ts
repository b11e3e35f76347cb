import { proveCutover } from "../cutover";
import type { ReconcileLedgerInput } from "../../core/passPlanner";
import type { EngineDeps } from "../deps";
import { withClockRefusal } from "../windowClock";
import { buildImportPayloads } from "./buildImportPayloads";
import { pollExport, startExport } from "./exportJob";
import { pollImport, startImport } from "./importJob";
import { loadMigrationState } from "./loadMigrationState";
import { planNextWindow } from "./planNextWindow";
import { reconcileLedger } from "./reconcileLedger";
import { recordPassFailure } from "./recordPassFailure";
import { pollReindex, startReindex } from "./reindex";
import { migrateSearchParameters } from "./searchParameters";

/** Activity name → implementation. Names are what the orchestrator yields and what Functions registers. */
export const MIGRATION_ACTIVITIES = {
  LoadMigrationState: (deps: EngineDeps) => loadMigrationState(deps),
  PlanNextWindow: (deps: EngineDeps) => withClockRefusal(deps, () => planNextWindow(deps)),
  StartExport: (deps: EngineDeps, input: { seq: number }) => startExport(deps, input),
  PollExport: (deps: EngineDeps, input: { seq: number }) => pollExport(deps, input),
  BuildImportPayloads: (deps: EngineDeps, input: { seq: number }) =>
    buildImportPayloads(deps, input),
  StartImport: (deps: EngineDeps, input: { chunkSeq: number; index: number }) =>
    startImport(deps, input),
  PollImport: (deps: EngineDeps, input: { chunkSeq: number; index: number }) =>
    pollImport(deps, input),
  MigrateSearchParameters: (deps: EngineDeps) => migrateSearchParameters(deps),
  StartReindex: (deps: EngineDeps) => startReindex(deps),
  PollReindex: (deps: EngineDeps) => pollReindex(deps),
  ProveCutover: (deps: EngineDeps) => proveCutover(deps),
  RecordPassFailure: (deps: EngineDeps, input: { message: string; details?: string }) =>
    recordPassFailure(deps, input),
  ReconcileLedger: (deps: EngineDeps, input: ReconcileLedgerInput) => reconcileLedger(deps, input),
} as const;

export type MigrationActivityName = keyof typeof MIGRATION_ACTIVITIES;
