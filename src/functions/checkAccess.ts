import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import { checkParameters } from "../core/requestRules";
import { checkAccess } from "../engine/checkAccess";
import type { EngineDeps } from "../engine/deps";
import { engineDeps } from "./engineDeps";

/**
 * 200 when everything is reachable, 503 otherwise; the body says what failed and which role to grant.
 * GET is allowed: it only reads (and creates the tables and payload container if missing, as any
 * run would). It takes no parameters; an unknown one is refused rather than ignored.
 */
export async function checkAccessHandler(
  request: HttpRequest,
  _context: InvocationContext,
  deps: EngineDeps,
): Promise<HttpResponseInit> {
  const refused = checkParameters(request.query, [], "CheckAccess_Http");
  if (refused !== undefined)
    return { status: refused.status, jsonBody: { error: refused.message } };
  const report = await checkAccess(deps);
  return { status: report.ok ? 200 : 503, jsonBody: report };
}

app.http("CheckAccess_Http", {
  route: "CheckAccess_Http",
  methods: ["GET", "POST"],
  authLevel: "function",
  handler: async (request, context) =>
    checkAccessHandler(request, context, await engineDeps((m) => context.log(m))),
});
