import { afterEach } from "vitest";
import { AppInsightsTelemetry } from "../../src/telemetry/appInsights";

/** Points at a closed local port: nothing leaves the machine and nothing is listening. */
const OFFLINE =
  "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

/** Makes Application Insights telemetry that sends nowhere, each shut down after its test. */
export function offlineTelemetry(): () => AppInsightsTelemetry {
  const created: AppInsightsTelemetry[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((t) => t.shutdown()));
  });
  return () => {
    const telemetry = new AppInsightsTelemetry(OFFLINE);
    created.push(telemetry);
    return telemetry;
  };
}
