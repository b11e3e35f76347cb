import { cleanText, redactError } from "../fhir/redact";
import type { TelemetryEventName, TelemetryMetricName, TelemetryProperties } from "./events";

/** The one telemetry surface activities use. Implementations: Application Insights, in-memory. */
export interface Telemetry {
  trackEvent<E extends TelemetryEventName>(name: E, properties: TelemetryProperties<E>): void;
  trackMetric(name: TelemetryMetricName, value: number): void;
  /** An error that escaped an activity (RecordPassFailure); its message says it all, redacted. */
  trackException(error: Error): void;
  flush(): Promise<void>;
}

export interface RecordedEvent {
  name: TelemetryEventName;
  properties: Record<string, string | number | boolean>;
}

/**
 * For tests and local runs: keeps everything in memory, redacted as the real sinks redact it
 * (strings through src/fhir/redact.ts), so a test sees what Application Insights would receive.
 */
export class InMemoryTelemetry implements Telemetry {
  readonly events: RecordedEvent[] = [];
  readonly metrics: { name: TelemetryMetricName; value: number }[] = [];
  readonly exceptions: Error[] = [];

  trackEvent<E extends TelemetryEventName>(name: E, properties: TelemetryProperties<E>): void {
    const kept = Object.fromEntries(
      Object.entries(properties as Record<string, string | number | boolean | undefined>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, typeof v === "string" ? cleanText(v) : v]),
    ) as Record<string, string | number | boolean>;
    this.events.push({ name, properties: kept });
  }

  trackMetric(name: TelemetryMetricName, value: number): void {
    this.metrics.push({ name, value });
  }

  trackException(error: Error): void {
    this.exceptions.push(redactError(error));
  }

  async flush(): Promise<void> {}

  named(name: TelemetryEventName): RecordedEvent[] {
    return this.events.filter((e) => e.name === name);
  }
}
