import type { ProgressEvent } from "../core/progress";
import { fanOutProgress } from "../core/progress";
import { telemetryProgressReporter } from "../telemetry/progressReporter";
import type { EngineDeps } from "./deps";

/**
 * Where the engine's progress events go: always to telemetry (the dashboard's metrics), and to the
 * reporter the host attached (the CLI's bar), if any. Called from activities only, so an event is
 * emitted once per pass, never again on replay.
 */
export function emitProgress(
  deps: Pick<EngineDeps, "telemetry" | "progress">,
  event: ProgressEvent,
): void {
  fanOutProgress(telemetryProgressReporter(deps.telemetry), deps.progress).emit(event);
}
