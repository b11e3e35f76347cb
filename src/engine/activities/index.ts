import type { ActivityInput, MigrationActivityName } from "../../core/activityRegistry";
import type { DecideCutoverProofInput } from "../cutover";
import { decideCutoverProof, proveCutover } from "../cutover";
import type { ProveCutoverInput, ReconcileLedgerInput } from "../../core/activityRegistry";
import type { EngineDeps } from "../deps";
import { withClockRefusal } from "../windowClock";
import { buildImportPayloads } from "./buildImportPayloads";
import { loadMigrationState } from "./loadMigrationState";
import { repairMigrationState } from "./repairMigrationState";
import type { StateRepair } from "../../core/stateRepairs";
import { planNextWindow } from "./planNextWindow";
import { pollExport } from "./pollExport";
import { pollImport } from "./pollImport";
import { pollReindex } from "./pollReindex";
import { reconcileLedger } from "./reconcileLedger";
import { recordPassFailure } from "./recordPassFailure";
import { migrateSearchParameters } from "./searchParameters";
import { startExport } from "./startExport";
import { startImport } from "./startImport";
import { startReindex } from "./startReindex";

export type { MigrationActivityName } from "../../core/activityRegistry";

/** A handler for every activity of the registry, taking that activity's input. */
export type MigrationActivityHandlers = {
  [K in MigrationActivityName]: (deps: EngineDeps, input: ActivityInput<K>) => Promise<unknown>;
};

/**
 * Activity name → implementation, checked against the registry (src/core/activityRegistry.ts): a
 * missing, extra or misnamed activity, or a handler taking another input, does not compile. The
 * Functions app and the local runtime register exactly this table.
 */
export const MIGRATION_ACTIVITIES = {
  LoadMigrationState: (deps: EngineDeps) => loadMigrationState(deps),
  RepairMigrationState: (deps: EngineDeps, input: StateRepair) => repairMigrationState(deps, input),
  PlanNextWindow: (deps: EngineDeps, input: ActivityInput<"PlanNextWindow">) =>
    withClockRefusal(deps, () => planNextWindow(deps, input)),
  StartExport: (deps: EngineDeps, input: ActivityInput<"StartExport">) => startExport(deps, input),
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
  ProveCutover: (deps: EngineDeps, input: ProveCutoverInput | null) => proveCutover(deps, input),
  RecordPassFailure: (deps: EngineDeps, input: { message: string; details?: string }) =>
    recordPassFailure(deps, input),
  ReconcileLedger: (deps: EngineDeps, input: ReconcileLedgerInput) => reconcileLedger(deps, input),
  DecideCutoverProof: (deps: EngineDeps, input: DecideCutoverProofInput) =>
    decideCutoverProof(deps, input),
} as const satisfies MigrationActivityHandlers;

/** What an activity's handler answers (its output in orchestration history). */
export type ActivityOutput<K extends MigrationActivityName> = Awaited<
  ReturnType<(typeof MIGRATION_ACTIVITIES)[K]>
>;
