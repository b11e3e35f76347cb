/**
 * A loopback proxy in front of a FHIR emulator that answers searches the way Azure API for FHIR may:
 * a page with no entry that still links the next page (microsoft/fhir-server
 * src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs ends its fill loop on a
 * time budget or a 429 and returns what it has, possibly nothing, with the continuation token).
 * Every searchset or history page the server returns is preceded by an empty page whose `next`
 * leads to it, and the last page gets an empty page after it (no `next`). Count answers
 * (`_summary=count`) are passed through: they are one aggregate with no continuation.
 * Every other request is forwarded unchanged; the server's own URLs are rewritten to the proxy's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmptyPageProxy {
  readonly origin: string;
  /** Empty pages served so far. */
  readonly emptyPages: () => number;
  close(): Promise<void>;
}

const MARK = "_emptyPageServed";
const TAIL = "_emptyPageTail";

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startEmptyPageProxy(target: string): Promise<EmptyPageProxy> {
  const targetUrl = new URL(target);
  let origin = "";
  let served = 0;
  const emptyBundle = (type: string, next: string | undefined) => ({
    resourceType: "Bundle",
    type,
    link: [
      { relation: "self", url: "" },
      ...(next === undefined ? [] : [{ relation: "next", url: next }]),
    ],
    entry: [],
  });
  const send = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { "Content-Type": "application/fhir+json" });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const incoming = new URL(req.url ?? "/", origin);
      const marked = incoming.searchParams.has(MARK);
      const tail = incoming.searchParams.has(TAIL);
      incoming.searchParams.delete(MARK);
      incoming.searchParams.delete(TAIL);
      const forwardPath = `${incoming.pathname}${incoming.search}`;
      const self = `${origin}${forwardPath}`;
      const sep = incoming.search === "" ? "?" : "&";
      if (tail) {
        served++;
        send(res, 200, emptyBundle(incoming.searchParams.get("_t") ?? "searchset", undefined));
        return;
      }
      const isSearch =
        req.method === "GET" &&
        !incoming.pathname.includes("_operations") &&
        !incoming.pathname.includes("$") &&
        !incoming.pathname.endsWith("/metadata") &&
        incoming.searchParams.get("_summary") !== "count";
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (k !== "host" && k !== "content-length" && typeof v === "string") headers[k] = v;
      }
      const answer = await fetch(`${targetUrl.origin}${forwardPath}`, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : await body(req),
      });
      const text = (await answer.text()).split(targetUrl.origin).join(origin);
      let bundle: { resourceType?: string; type?: string; link?: { relation: string }[] } = {};
      try {
        bundle = JSON.parse(text) as typeof bundle;
      } catch {
        // Not JSON: forwarded as is.
      }
      const pageType = bundle.type;
      const isPage =
        isSearch &&
        answer.status === 200 &&
        bundle.resourceType === "Bundle" &&
        (pageType === "searchset" || pageType === "history");
      if (isPage && !marked) {
        // An empty page first; its next link fetches the real page.
        served++;
        send(res, 200, emptyBundle(pageType, `${self}${sep}${MARK}=1`));
        return;
      }
      if (isPage && !bundle.link?.some((l) => l.relation === "next")) {
        // The last page: add an empty page after it.
        const withTail = JSON.parse(text) as { link?: { relation: string; url: string }[] };
        withTail.link = [
          ...(withTail.link ?? []),
          { relation: "next", url: `${self}${sep}${TAIL}=1&_t=${pageType}` },
        ];
        send(res, 200, withTail);
        return;
      }
      const outHeaders: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k === "content-length" || k === "transfer-encoding" || k === "connection") return;
        outHeaders[k] = v.split(targetUrl.origin).join(origin);
      });
      res.writeHead(answer.status, outHeaders);
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    origin: `${origin}${targetUrl.pathname.replace(/\/$/, "")}`,
    emptyPages: () => served,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e === undefined ? resolve() : reject(e)));
      }),
  };
}
