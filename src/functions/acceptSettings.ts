import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import * as df from "durable-functions";
import type { EngineDeps } from "../engine/deps";
import { acceptShapingSettings } from "../engine/settingsGuard";
import { startMigrationIfIdle } from "../engine/starter";
import { engineDeps } from "./engineDeps";

/**
 * AcceptSettings_Http (POST): records this app's settings that shape planning and payloads as the
 * migration's, after one of them was changed (AZURE_IsParallel, AZURE_ResourceTypes, ...); windows
 * from the current frontier on use them (docs/operations.md, section 6b). What `fhir-migrate
 * accept-settings` does, for the deployed app. Takes no parameters: any is refused by name.
 */
export async function acceptSettingsHandler(
  request: Pick<HttpRequest, "method" | "query">,
  client: Pick<DurableClient, "getStatus" | "startNew">,
  context: InvocationContext,
  deps: Pick<EngineDeps, "state" | "settings" | "clock">,
): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "POST") {
    return { status: 405, headers: { Allow: "POST" }, jsonBody: { error: "use POST" } };
  }
  const unknown = [...request.query.keys()];
  if (unknown.length > 0) {
    return {
      status: 400,
      jsonBody: {
        error: `AcceptSettings_Http takes no parameters; refused: ${unknown
          .slice(0, 5)
          .map((k) => JSON.stringify(k.slice(0, 40)))
          .join(", ")}`,
      },
    };
  }
  const result = await acceptShapingSettings(deps);
  const restart = await startMigrationIfIdle(client, (m) => context.log(m));
  return {
    status: 200,
    jsonBody: {
      changed: result.changed,
      fromFrontier: result.fromFrontier ?? null,
      fingerprint: result.record.fingerprint,
      orchestration: restart,
    },
  };
}

df.app.client.http("AcceptSettings_Http", {
  route: "AcceptSettings_Http",
  // GET is routed only to be answered 405 with Allow, like the other state-changing endpoints
  // (the host would answer a bare 404).
  methods: ["GET", "POST"],
  authLevel: "function",
  handler: async (request, client, context) =>
    acceptSettingsHandler(request, client, context, await engineDeps((m) => context.log(m))),
});
