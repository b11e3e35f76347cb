import type { CutoverProofStart } from "./cutover";
import type { Settings } from "../config/settings";
import type { ProgressSink } from "../core/progress";
import type { FhirClient } from "../fhir/types";
import type { BlobStore } from "../storage/blobStore";
import type { MigrationStateStore } from "../storage/migrationStateStore";
import type { Telemetry } from "../telemetry/telemetry";

/** The app's clock: a simulated one in local runs and the benchmark. */
export interface EngineClock {
  now(): number;
  /** Resolves once the clock reaches `instantMs` (an activity's short wait, never a poll loop). */
  sleepUntil(instantMs: number): Promise<void>;
}

/** Everything an activity touches, injected so tests and the local runtime can supply their own. */
export interface EngineDeps {
  settings: Settings;
  source: FhirClient;
  destination: FhirClient;
  state: MigrationStateStore;
  /** The app's own blob storage: import payload bodies and stored manifests. */
  blobs: BlobStore;
  /** Reads export output and import error files by URL (the staging account). */
  staging: BlobStore;
  telemetry: Telemetry;
  clock: EngineClock;
  log: (message: string) => void;
  /** A reporter of the engine's progress events besides telemetry (the CLI's bar); src/engine/progress.ts. */
  progress?: ProgressSink;
}

/** Every activity returns whether it changed the migration's state, so the orchestrator knows to go on at once. */
export interface ActivityResult {
  changed: boolean;
  /** PlanNextWindow: the frontier reached the cap (nothing newer to export yet). */
  caughtUp?: boolean;
  /** Why the activity changed nothing, or what it waits for: logged when it changes (bindActivities). */
  note?: string;
  /** ProveCutover: the proof's verification, for the orchestration to run (src/engine/cutover.ts). */
  cutoverProof?: CutoverProofStart;
}

export { MANIFEST_CONTAINER, PAYLOAD_CONTAINER } from "../core/stagingLayout";

export function nowIso(deps: Pick<EngineDeps, "clock">): string {
  return new Date(deps.clock.now()).toISOString();
}
