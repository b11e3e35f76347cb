import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import * as df from "durable-functions";
import { checkMethod, checkParameters, echoed } from "../core/requestRules";
import { clearMaxExportRetries, previewClearMaxExportRetries } from "../engine/control";
import type { EngineDeps } from "../engine/deps";
import { startMigrationIfIdle } from "../engine/starter";
import { engineDeps } from "./engineDeps";

/** Methods the handler acts on; the registration also routes GET so it can be refused with 405. */
export const CLEAR_RETRIES_METHODS = ["POST"] as const;
export const CLEAR_RETRIES_PARAMETERS = ["dryRun"] as const;

const ENDPOINT = "ClearMaxExportRetries_Http";

function refusal(status: number, message: string, headers: Record<string, string> = {}) {
  return { status, headers, jsonBody: { error: message } };
}

/**
 * ClearMaxExportRetries_Http: resumes a migration halted after AZURE_MaxExportRetries consecutive
 * failures, and starts the orchestration again at once instead of waiting for the timer. POST only
 * (it changes state); `?dryRun=true` answers what it would clear and changes nothing. Any other
 * parameter, or a body, is refused rather than ignored.
 */
export async function clearMaxExportRetriesHandler(
  request: HttpRequest,
  client: Pick<DurableClient, "getStatus" | "startNew">,
  context: InvocationContext,
  deps: Pick<EngineDeps, "state" | "telemetry" | "settings">,
): Promise<HttpResponseInit> {
  const refused =
    checkMethod(
      request.method,
      CLEAR_RETRIES_METHODS,
      ENDPOINT,
      "`?dryRun=true` changes nothing",
    ) ?? checkParameters(request.query, CLEAR_RETRIES_PARAMETERS, ENDPOINT);
  if (refused !== undefined) return refusal(refused.status, refused.message, refused.headers);
  const dryRunValues = [...request.query].filter(([k]) => k.toLowerCase() === "dryrun");
  const dryRunText = dryRunValues.map(([, v]) => v.trim().toLowerCase());
  if (dryRunText.length > 1 || dryRunText.some((v) => v !== "true" && v !== "false")) {
    return refusal(
      400,
      `${ENDPOINT}: dryRun: received ${echoed(dryRunValues.map(([, v]) => v).join(" and "))}; expected true or false, once`,
    );
  }
  if ((await request.text()).trim() !== "") {
    return refusal(
      400,
      `${ENDPOINT}: takes no body; its only option is the query parameter dryRun`,
    );
  }
  if (dryRunText[0] === "true") {
    const preview = await previewClearMaxExportRetries(deps.state);
    return { status: 200, jsonBody: { dryRun: true, ...preview, orchestration: "not started" } };
  }
  const { partitionKey, rowKey } = deps.settings.storage;
  const result = await clearMaxExportRetries(deps.state, deps.telemetry, { partitionKey, rowKey });
  const restart = await startMigrationIfIdle(client, (m) => context.log(m));
  return { status: 200, jsonBody: { dryRun: false, ...result, orchestration: restart } };
}

df.app.client.http(ENDPOINT, {
  route: ENDPOINT,
  // GET is routed only to be answered 405 with Allow (the host would answer a bare 404).
  methods: ["GET", ...CLEAR_RETRIES_METHODS],
  authLevel: "function",
  handler: async (request, client, context) =>
    clearMaxExportRetriesHandler(request, client, context, await engineDeps((m) => context.log(m))),
});
