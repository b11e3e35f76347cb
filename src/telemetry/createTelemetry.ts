import { maskValue, type Settings } from "../config/settings";
import { ConfigurationError } from "../errors";
import { cleanText } from "../fhir/redact";
import { AppInsightsTelemetry, stringifyProperties } from "./appInsights";
import type { TelemetryEventName, TelemetryMetricName, TelemetryProperties } from "./events";
import type { Telemetry } from "./telemetry";

export type DebugLog = (message: string) => void;

/**
 * Telemetry that goes nowhere, for runs without Application Insights. Given a debug logger, it
 * prints each event, metric and exception as one line, so a local run still shows what a dashboard
 * would receive.
 */
export class NullTelemetry implements Telemetry {
  constructor(private readonly debugLog?: DebugLog) {}

  trackEvent<E extends TelemetryEventName>(name: E, properties: TelemetryProperties<E>): void {
    this.debugLog?.(`telemetry event ${name} ${JSON.stringify(stringifyProperties(properties))}`);
  }

  trackMetric(name: TelemetryMetricName, value: number): void {
    this.debugLog?.(`telemetry metric ${name} = ${value}`);
  }

  trackException(error: Error): void {
    this.debugLog?.(`telemetry exception ${error.name}: ${cleanText(error.message)}`);
  }

  async flush(): Promise<void> {}
}

const SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING";
const INSTRUMENTATION_KEY =
  /(^|;)\s*InstrumentationKey\s*=\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*(;|$)/i;

/**
 * Application Insights when a connection string is set, otherwise NullTelemetry. A connection
 * string without an instrumentation key is refused: the SDK would accept it and drop every event.
 */
export function createTelemetry(
  settings: Settings["telemetry"],
  options: { debugLog?: DebugLog } = {},
): Telemetry {
  const connectionString = settings.connectionString?.trim();
  if (connectionString === undefined || connectionString === "") {
    return new NullTelemetry(options.debugLog);
  }
  if (!INSTRUMENTATION_KEY.test(connectionString)) {
    throw new ConfigurationError([
      {
        setting: SETTING,
        received: maskValue(SETTING, connectionString),
        expected:
          "an Application Insights connection string with InstrumentationKey=<GUID>, copied from the resource's Overview page",
      },
    ]);
  }
  return new AppInsightsTelemetry(connectionString);
}
