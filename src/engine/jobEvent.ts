import type { TelemetryEventName, TelemetryProperties } from "../telemetry/events";
import type { EngineDeps } from "./deps";

/**
 * The event of one step of a server job (an export, an import, an isolation part): what names the
 * job, read from its row by its kind (exportJobOf, importJobOf, isolationJobOf), then what the
 * step adds. Sent from activities only.
 */
export function trackJobEvent<E extends TelemetryEventName>(
  deps: Pick<EngineDeps, "telemetry">,
  event: E,
  job: TelemetryProperties<E>,
  step: TelemetryProperties<E> = {},
): void {
  deps.telemetry.trackEvent(event, { ...job, ...step });
}

/** The id a job's status URL ends in; "" before the job has one. */
export function jobIdOf(statusUrl: string | undefined): string {
  return statusUrl?.split("/").pop() ?? "";
}
