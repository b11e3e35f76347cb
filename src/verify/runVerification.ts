/**
 * Runs a verification in this process: the same orchestration and activities the Functions app
 * registers (with its sub-orchestrations), driven by durable-functions' replay engine
 * (src/local/durableRuntime.ts). Used by
 * `fhir-migrate verify`, the demo and the integration tests.
 */
import type { ProgressSink } from "../core/progress";
import type { EngineDeps } from "../engine/deps";
import type { Clock } from "../local/durableRuntime";
import { runOrchestration } from "../local/durableRuntime";
import { bindActivities } from "../engine/bindActivities";
import { VERIFICATION_ACTIVITIES } from "./activities";
import type { VerificationStatus } from "./orchestrator";
import {
  E2E_TEST_ORCHESTRATION,
  VERIFICATION_ORCHESTRATIONS,
  verificationOrchestrator,
} from "./orchestrator";
import { configuredCheckTypes } from "./plan";
import { newRunId, newSeed } from "./runIds";
import type { HopLimits, VerificationOptions, VerificationReport } from "./types";

export interface RunVerificationOptions extends VerificationOptions {
  /** Default: a new id from the clock. */
  runId?: string;
  /** Smaller hops for tests; the defaults suit the Functions timeout. */
  limits?: Partial<HopLimits>;
  clock?: Clock;
  onStatus?: (status: VerificationStatus) => void;
  /** Receives the full check's progress as events (src/core/progress.ts). */
  progress?: ProgressSink;
}

export async function runVerification(
  deps: EngineDeps,
  options: RunVerificationOptions = {},
): Promise<VerificationReport> {
  // Bad settings fail here, before anything runs (ConfigurationError).
  configuredCheckTypes(deps.settings);
  await deps.state.ensure();
  const { runId, limits, clock, onStatus, progress, ...chosen } = options;
  const id = runId ?? chosen.resume ?? newRunId(deps.clock.now());
  const result = await runOrchestration(
    verificationOrchestrator,
    E2E_TEST_ORCHESTRATION,
    id,
    { ...chosen, runId: id, seed: chosen.seed ?? newSeed(), limits },
    {
      activities: bindActivities(VERIFICATION_ACTIVITIES, () => deps),
      orchestrations: VERIFICATION_ORCHESTRATIONS,
      clock,
      onCustomStatus: (s) => {
        const status = s as VerificationStatus;
        if (status.phase === "full" && status.full !== undefined)
          progress?.emit({ kind: "verification", runId: status.runId, ...status.full });
        onStatus?.(status);
      },
    },
  );
  await deps.telemetry.flush();
  return result.output as VerificationReport;
}
