import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { app } from "@azure/functions";
import { handleStatusRequest } from "../status/httpHandler";
import { loadStatusReport } from "../status/loadReport";
import { reportText } from "../status/redactText";
import type { StatusReport } from "../status/report";
import { SharedReport } from "../status/reportCache";
import type { StatusDeps } from "../status/statusState";
import { engineDeps } from "./engineDeps";

export type StatusHttpHandler = (
  request: HttpRequest,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/**
 * GET /api/status: the status page (HTML, default) or `?format=json` the status report;
 * `?refresh=0` turns the page's automatic reload off. docs/status.md describes both.
 */
export function createStatusHandler(
  getDeps: (context: InvocationContext) => Promise<StatusDeps>,
  shared: SharedReport<StatusReport> = new SharedReport(),
): StatusHttpHandler {
  return async (request, context) => {
    const response = await handleStatusRequest(
      request.query,
      // Concurrent requests on this instance share one build (src/status/reportCache.ts).
      () => shared.get(async () => loadStatusReport(await getDeps(context))),
      (error) =>
        context.error(
          `Status_Http could not read the migration state: ${reportText(error.message)}`,
        ),
    );
    return { status: response.status, headers: response.headers, body: response.body };
  };
}

export const statusHttp = createStatusHandler((context) => engineDeps((m) => context.log(m)));

app.http("Status_Http", {
  route: "status",
  methods: ["GET"],
  authLevel: "function",
  handler: statusHttp,
});
