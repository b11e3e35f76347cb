import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import * as df from "durable-functions";
import { parseFreeze } from "../core/cutover";
import { checkMethod, checkParameters, echoed } from "../core/requestRules";
import { cancelCutover, startCutover } from "../engine/cutover";
import type { EngineDeps } from "../engine/deps";
import { wakeMigration } from "../engine/starter";
import { engineDeps } from "./engineDeps";

/** Methods the handler acts on; the registration also routes GET so it can be refused with 405. */
export const CUTOVER_METHODS = ["POST"] as const;
export const CUTOVER_PARAMETERS = ["freeze", "cancel"] as const;

const ENDPOINT = "Cutover_Http";

function refusal(status: number, message: string, headers: Record<string, string> = {}) {
  return { status, headers, jsonBody: { error: message } };
}

/** The one value of a parameter (case-insensitive name), or an error naming the repeat. */
function single(query: URLSearchParams, name: string): { value?: string; error?: string } {
  const values = [...query].filter(([k]) => k.toLowerCase() === name.toLowerCase());
  if (values.length > 1) {
    return {
      error: `${ENDPOINT}: ${name}: received ${echoed(values.map(([, v]) => v).join(" and "))}; give it once`,
    };
  }
  return { value: values[0]?.[1] };
}

/**
 * Cutover_Http (POST, function key): starts the cutover for the instant writes to the source stopped
 * (`?freeze=<ISO instant>`, default now), or cancels the one in progress (`?cancel=true`), and starts
 * the migration, or wakes the running one (MIGRATION_WAKE_EVENT), at once instead of waiting for
 * its timer. Calling it again with the same freeze is
 * the same operation: it answers the stored state, a GO only after counting again what it proved
 * (docs/operations.md, section 7). Any other parameter, or a body, is refused.
 */
export async function cutoverHandler(
  request: Pick<HttpRequest, "method" | "query" | "text">,
  client: Pick<DurableClient, "getStatus" | "startNew" | "raiseEvent">,
  context: Pick<InvocationContext, "log">,
  deps: Pick<EngineDeps, "state" | "telemetry" | "clock" | "source" | "destination" | "settings">,
): Promise<HttpResponseInit> {
  const refused =
    checkMethod(request.method, CUTOVER_METHODS, ENDPOINT, "the status page shows the cutover") ??
    checkParameters(request.query, CUTOVER_PARAMETERS, ENDPOINT);
  if (refused !== undefined) return refusal(refused.status, refused.message, refused.headers);
  const freezeText = single(request.query, "freeze");
  const cancelText = single(request.query, "cancel");
  const error = freezeText.error ?? cancelText.error;
  if (error !== undefined) return refusal(400, error);
  const cancel = cancelText.value?.trim().toLowerCase();
  if (cancel !== undefined && cancel !== "true" && cancel !== "false") {
    return refusal(
      400,
      `${ENDPOINT}: cancel: received ${echoed(cancelText.value ?? "")}; expected true or false`,
    );
  }
  if ((await request.text()).trim() !== "") {
    return refusal(
      400,
      `${ENDPOINT}: takes no body; its options are the query parameters freeze and cancel`,
    );
  }
  if (cancel === "true") {
    if (freezeText.value !== undefined) {
      return refusal(400, `${ENDPOINT}: give either cancel=true or freeze, not both`);
    }
    const record = await cancelCutover(deps);
    return { status: 200, jsonBody: { cutover: record ?? null } };
  }
  const freeze = parseFreeze(freezeText.value, () => deps.clock.now());
  if (!freeze.ok) return refusal(400, `${ENDPOINT}: ${freeze.message}`);
  const outcome = await startCutover(deps, freeze.freeze);
  if (outcome.kind === "refused") return refusal(409, `${ENDPOINT}: ${outcome.message}`);
  // The running migration may be asleep until its idle poll: wake it so the cutover starts now.
  const orchestration = await wakeMigration(client, (m) => context.log(m));
  return {
    status: outcome.kind === "started" ? 202 : 200,
    jsonBody: {
      outcome: outcome.kind,
      // A GO asked for again: that it is repeated and what was counted now, or why it is proved again.
      ...(outcome.note === undefined ? {} : { note: outcome.note }),
      cutover: outcome.record,
      orchestration,
    },
  };
}

df.app.client.http(ENDPOINT, {
  route: ENDPOINT,
  // GET is routed only to be answered 405 with Allow (the host would answer a bare 404).
  methods: ["GET", ...CUTOVER_METHODS],
  authLevel: "function",
  handler: async (request, client, context) =>
    cutoverHandler(request, client, context, await engineDeps((m) => context.log(m))),
});
