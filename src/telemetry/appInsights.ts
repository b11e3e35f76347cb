import { TelemetryClient } from "applicationinsights";
import { cleanText, redactError } from "../fhir/redact";
import type { TelemetryEventName, TelemetryMetricName, TelemetryProperties } from "./events";
import type { Telemetry } from "./telemetry";

/**
 * Application Insights behind the Telemetry interface. Only custom events, metrics and exceptions
 * are sent from here; in Azure the Functions host already forwards logs and requests.
 *
 * The client uses its own (non-global) OpenTelemetry providers: it does not install process-wide
 * instrumentation and several instances (tests, CLI) do not interfere. It is initialised in the
 * constructor, never through setup() without a connection string (the SDK then throws a
 * TypeError on the first trackEvent).
 */
export class AppInsightsTelemetry implements Telemetry {
  private readonly client: TelemetryClient;

  constructor(connectionString: string) {
    this.client = new TelemetryClient(connectionString, { useGlobalProviders: false });
    this.client.initialize();
  }

  trackEvent<E extends TelemetryEventName>(name: E, properties: TelemetryProperties<E>): void {
    this.client.trackEvent({ name, properties: stringifyProperties(properties) });
  }

  trackMetric(name: TelemetryMetricName, value: number): void {
    this.client.trackMetric({ name, value });
  }

  trackException(error: Error): void {
    this.client.trackException({ exception: redactError(error) });
  }

  /** Sends everything queued. Resolves even when the endpoint is unreachable (the SDK keeps it). */
  async flush(): Promise<void> {
    await this.client.flush();
  }

  /** Flushes and stops the exporters (end of a CLI run). */
  async shutdown(): Promise<void> {
    await this.client.shutdown();
  }
}

/**
 * Custom dimensions are strings in Application Insights; undefined values are left out. Values are
 * cleaned (src/fhir/redact.ts: redacted, control characters removed) here, where they enter
 * telemetry: a failure reason or a URL from a server may carry a SAS signature, a token or an
 * escape sequence.
 */
export function stringifyProperties(
  properties: Readonly<Record<string, string | number | boolean | undefined>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined)
      result[key] = typeof value === "string" ? cleanText(value) : String(value);
  }
  return result;
}
