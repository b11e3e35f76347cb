import type { ProgressSink } from "../core/progress";
import type { Telemetry } from "./telemetry";

/**
 * Progress as telemetry: each pass's event becomes the dashboard's metrics (src/telemetry/events.ts,
 * TELEMETRY_METRICS): jobs in flight, lag of the watermark behind now, and resources imported per
 * minute since the migration started. Phase events are not sent (the orchestrator's custom status
 * already carries them).
 */
export function telemetryProgressReporter(telemetry: Telemetry): ProgressSink {
  return {
    emit(event) {
      if (event.kind !== "pass") return;
      telemetry.trackMetric("JobsInFlight", event.jobsInFlight);
      if (event.watermark !== undefined) {
        telemetry.trackMetric(
          "LagBehindSourceSeconds",
          Math.max(0, Math.round((event.at - Date.parse(event.watermark)) / 1000)),
        );
      }
      if (event.startedAt !== undefined) {
        const minutes = (event.at - Date.parse(event.startedAt)) / 60_000;
        if (minutes > 0)
          telemetry.trackMetric(
            "ResourcesMovedPerMinute",
            Math.round(event.resources.imported / minutes),
          );
      }
    },
  };
}
