/**
 * A tiny programmable HTTP server for client tests. Each request is recorded (method, path with
 * query, headers, body) and answered by the next queued reply, or by the fallback handler when the
 * queue is empty. Replies can also drop the connection or hold the answer past a client timeout.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received, e.g. `/$export?_type=Patient`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type StubReply =
  | {
      status: number;
      headers?: Record<string, string>;
      /** A string is sent as is; anything else as JSON. */
      body?: unknown;
      /** Wait this long before answering (to exceed a client's timeout). */
      delayMs?: number;
    }
  /** Destroys the socket with a TCP RST (the client sees ECONNRESET). */
  | { reset: true }
  /** Closes the socket without answering (the client sees "other side closed"). */
  | { hangUp: true };

export type StubHandler = (request: RecordedRequest) => StubReply | Promise<StubReply>;

export interface StubServer {
  /** Origin, e.g. http://127.0.0.1:54321 (no trailing slash). */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Replies used in order, one per request, before the fallback. */
  enqueue(...replies: StubReply[]): void;
  /** Answers requests once the queue is empty (default: 500 "no reply queued"). */
  fallback(handler: StubHandler): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Extract<StubReply, { status: number }>): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body = "";
  if (reply.body !== undefined) {
    body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    if (
      typeof reply.body !== "string" &&
      !Object.keys(headers).some((h) => /^content-type$/i.test(h))
    ) {
      headers["Content-Type"] = "application/json";
    }
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

export async function startStubServer(): Promise<StubServer> {
  const queue: StubReply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let fallback: StubHandler = () => ({ status: 500, body: "no reply queued" });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      const next = queue.shift();
      const chosen: Promise<StubReply> =
        next !== undefined
          ? Promise.resolve(next)
          : Promise.resolve().then(() => fallback(recorded));
      const safe = chosen.catch((error: unknown): StubReply => ({
        status: 500,
        body: `stub handler failed: ${String(error)}`,
      }));
      void safe.then((reply) => {
        if ("reset" in reply) {
          req.socket.resetAndDestroy();
          return;
        }
        if ("hangUp" in reply) {
          req.socket.destroy();
          return;
        }
        if (reply.delayMs === undefined) {
          send(res, reply);
          return;
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(res, reply);
        }, reply.delayMs);
        timers.add(timer);
      });
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // An aborted client makes late writes fail; that is expected here.
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    fallback: (handler) => {
      fallback = handler;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
