/**
 * serveStatus: the status page and JSON on a loopback HTTP server, for `fhir-migrate status
 * --serve`, the demo and the browser test. It binds 127.0.0.1 only: the page shows status URLs and
 * failure reasons, which are not for the network at large, and it has no authentication.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleStatusRequest } from "./httpHandler";
import { loadStatusReport } from "./loadReport";
import type { StatusReport } from "./report";
import { SharedReport } from "./reportCache";
import type { StatusDeps } from "./statusState";

export interface StatusServer {
  /** The page's address, e.g. http://127.0.0.1:43121/status. */
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Called when a request could not read the state (the page shows the message too). */
  onError?: (error: Error) => void;
  /** Milliseconds a built report answers further requests (default STATUS_REPORT_TTL_MS). */
  reportTtlMs?: number;
}

const PAGE_PATHS = new Set(["/", "/status", "/api/status"]);

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
  head: boolean,
) {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

async function answer(
  deps: StatusDeps,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions,
  shared: SharedReport<StatusReport>,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const plain = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" };
  const head = req.method === "HEAD";
  if (req.method !== "GET" && !head) {
    send(res, 405, { ...plain, Allow: "GET, HEAD" }, "Only GET is supported.\n", false);
    return;
  }
  if (!PAGE_PATHS.has(url.pathname)) {
    send(
      res,
      404,
      plain,
      "Not found: the status page is at /status (JSON: /status?format=json).\n",
      head,
    );
    return;
  }
  const response = await handleStatusRequest(
    url.searchParams,
    // Concurrent requests share one build (src/status/reportCache.ts).
    () => shared.get(() => loadStatusReport(deps)),
    options.onError,
  );
  send(res, response.status, response.headers, response.body, head);
}

/** Serves the status on 127.0.0.1:`port` (0: a free port) until close() is called. */
export async function serveStatus(
  deps: StatusDeps,
  port: number,
  options: ServeOptions = {},
): Promise<StatusServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port: received ${port}; expected a whole number from 0 to 65535`);
  const shared = new SharedReport<StatusReport>({ ttlMs: options.reportTtlMs });
  const server = createServer((req, res) => {
    answer(deps, req, res, options, shared).catch((error: unknown) => {
      // handleStatusRequest answers state errors itself; this is a bug or a broken socket.
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent)
        send(res, 500, { "Content-Type": "text/plain" }, "Internal error\n", false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/status`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Browsers keep connections open; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
