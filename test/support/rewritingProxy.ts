/**
 * A loopback HTTP proxy in front of an emulator that can replace the answer to chosen requests: a
 * hostile or broken server in a test. URLs of the target in headers and bodies are rewritten to the
 * proxy, so status URLs the client polls come back through it.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedExchange {
  method: string;
  /** Path and query as received. */
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Body text with the target origin already rewritten to the proxy. */
  body: string;
}

/** Returns the answer to send instead, or undefined to pass the exchange through. */
export type Rewrite = (
  exchange: ProxiedExchange,
) => Partial<Pick<ProxiedExchange, "status" | "headers" | "body">> | undefined;

export interface RewritingProxy {
  readonly origin: string;
  /** Replaces the rewrite rule (undefined: pass everything through). */
  setRewrite(rewrite: Rewrite | undefined): void;
  /** Exchanges the rule replaced. */
  readonly rewritten: ProxiedExchange[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

export async function startRewritingProxy(target: string): Promise<RewritingProxy> {
  let rewrite: Rewrite | undefined;
  const rewritten: ProxiedExchange[] = [];
  let origin = "";
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && k !== "host" && !HOP_BY_HOP.has(k)) headers[k] = v;
        }
        const body = Buffer.concat(chunks);
        const upstream = await fetch(`${target}${req.url ?? ""}`, {
          method: req.method ?? "GET",
          headers,
          ...(body.length > 0 ? { body } : {}),
        });
        const outHeaders: Record<string, string> = {};
        upstream.headers.forEach((v, k) => {
          if (!HOP_BY_HOP.has(k)) outHeaders[k] = v.split(target).join(origin);
        });
        const exchange: ProxiedExchange = {
          method: req.method ?? "GET",
          url: req.url ?? "",
          status: upstream.status,
          headers: outHeaders,
          body: (await upstream.text()).split(target).join(origin),
        };
        const replaced = rewrite?.(exchange);
        if (replaced !== undefined) rewritten.push(exchange);
        const final = { ...exchange, ...replaced };
        // A rule that drops the Date header gets an answer without one (node adds it otherwise).
        if (!Object.keys(final.headers).some((k) => k.toLowerCase() === "date"))
          res.sendDate = false;
        res.writeHead(final.status, final.headers);
        res.end(final.body);
      })().catch((error: unknown) => {
        res.writeHead(502, { "Content-Type": "text/plain" });
        res.end(`proxy failed: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    rewritten,
    setRewrite: (r) => {
      rewrite = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
