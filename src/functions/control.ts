import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import * as df from "durable-functions";
import { clearMaxExportRetries } from "../engine/control";
import type { EngineDeps } from "../engine/deps";
import { startMigrationIfIdle } from "../engine/starter";
import { engineDeps } from "./engineDeps";

/**
 * ClearMaxExportRetries_Http: resumes a migration halted after AZURE_MaxExportRetries consecutive
 * failures, and starts the orchestration again at once instead of waiting for the timer.
 */
export async function clearMaxExportRetriesHandler(
  _request: HttpRequest,
  client: Pick<DurableClient, "getStatus" | "startNew">,
  context: InvocationContext,
  deps: Pick<EngineDeps, "state" | "telemetry" | "settings">,
): Promise<HttpResponseInit> {
  const { partitionKey, rowKey } = deps.settings.storage;
  const result = await clearMaxExportRetries(deps.state, deps.telemetry, { partitionKey, rowKey });
  const restart = await startMigrationIfIdle(client, (m) => context.log(m));
  return { status: 200, jsonBody: { ...result, orchestration: restart } };
}

df.app.client.http("ClearMaxExportRetries_Http", {
  route: "ClearMaxExportRetries_Http",
  methods: ["GET", "POST"],
  authLevel: "function",
  handler: async (request, client, context) =>
    clearMaxExportRetriesHandler(request, client, context, await engineDeps((m) => context.log(m))),
});
