/**
 * The checks read searches across empty pages: on Cosmos a page may hold no entry and still link
 * the next (microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs).
 * Such a page never means "no version" (hard-deleted) and never ends a paged read.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import type { RecordedRequest, StubReply, StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, searchset } from "../fhir/clientHarness";
import { reconcileTypeHop } from "../../../src/verify/reconcile";
import { sampleTypeHop } from "../../../src/verify/deepSample";

let source: StubServer;
let destination: StubServer;
beforeEach(async () => {
  source = await startStubServer();
  destination = await startStubServer();
});
afterEach(async () => {
  await source.close();
  await destination.close();
});

const limits = { pageSize: 1000, maxPages: 50, budgetMs: 60_000, compareBatch: 10 };

type Route =
  | { match: RegExp; empties: number; entries: unknown[] }
  /** A `_summary=count` answer. */
  | { match: RegExp; total: number };

/** Answers a query with `empties` empty pages (each linking the next), then `entries`. */
function pagedAnswers(stub: StubServer, routes: Route[]): void {
  stub.fallback((req: RecordedRequest): StubReply => {
    const page = /[?&]emptyPage=(\d+)/.exec(req.url);
    const route = routes.find((r) => r.match.test(req.url));
    if (route === undefined) return { status: 500, body: `no route for ${req.url}` };
    if ("total" in route) return { status: 200, body: searchset(route.total) };
    const n = page === null ? 0 : Number(page[1]) + 1;
    if (n <= route.empties - 1 || (page === null && route.empties > 0)) {
      const base = req.url.replace(/[?&]emptyPage=\d+/, "");
      const sep = base.includes("?") ? "&" : "?";
      return {
        status: 200,
        body: searchset(undefined, [], `${stub.origin}${base}${sep}emptyPage=${n}`),
      };
    }
    return { status: 200, body: searchset(undefined, route.entries) };
  });
}

function fakeDeps(): { deps: EngineDeps; checks: { key: string; result: string }[] } {
  const checks: { key: string; result: string }[] = [];
  const blobs = new Map<string, string>();
  const deps = {
    source: clientFor(source).client,
    destination: clientFor(destination).client,
    state: {
      recordCheckResult: async (r: { key: string; result: string }) => {
        checks.push({ key: r.key, result: r.result });
      },
    },
    blobs: {
      ensureContainer: async () => {},
      putText: async (c: string, n: string, t: string) => {
        blobs.set(`${c}/${n}`, t);
      },
      getText: async (c: string, n: string) => blobs.get(`${c}/${n}`),
    },
    telemetry: { trackEvent: () => {} },
    clock: { now: () => Date.now() },
    log: () => {},
  } as unknown as EngineDeps;
  return { deps, checks };
}

const patient = (id: string) => ({
  resource: {
    resourceType: "Patient",
    id,
    meta: { versionId: "1", lastUpdated: "2023-05-01T00:00:00.000Z" },
  },
});

/** The destination holds `ids` (its oldest first); the source's window holds `sourceCount`. */
function destinationHolds(ids: string[]): Route[] {
  return [
    { match: /_summary=count/, total: ids.length },
    { match: /^\/Patient\?_sort=_lastUpdated/, empties: 0, entries: [patient(ids[0]!)] },
    { match: /^\/Patient\?_lastUpdated=ge/, empties: 1, entries: ids.map(patient) },
  ];
}

const reconcileInput = {
  runId: "r1",
  type: "Patient",
  apply: true,
  migratesDeletes: true,
  watermark: "2024-01-01T00:00:00.000Z",
  sourceCount: 5,
  concurrency: 2,
  cursor: null,
  totals: null,
  sample: [],
  limits,
};

describe("reconciliation across empty pages", () => {
  it.each([0, 1, 3])(
    "a resource whose history opens with %i empty page(s) is not hard-deleted",
    async (empties) => {
      pagedAnswers(destination, destinationHolds(["p1"]));
      pagedAnswers(source, [
        { match: /_summary=count/, total: 0 },
        { match: /^\/Patient\?_id=p1/, empties: 1, entries: [] },
        {
          match: /^\/Patient\/p1\/_history/,
          empties,
          entries: [{ ...patient("p1"), request: { method: "PUT", url: "Patient/p1" } }],
        },
      ]);
      const { deps } = fakeDeps();
      const result = await reconcileTypeHop(deps, reconcileInput);
      expect(result.totals).toMatchObject({ scanned: 1, extra: 0, hardDeleted: 0, applied: 0 });
      expect(destination.requests.some((r) => r.method === "DELETE")).toBe(false);
    },
  );

  it("a delete found after empty history pages is a soft delete, not a hard delete", async () => {
    pagedAnswers(destination, destinationHolds(["p2"]));
    pagedAnswers(source, [
      { match: /_summary=count/, total: 0 },
      { match: /^\/Patient\?_id=p2/, empties: 2, entries: [] },
      {
        match: /^\/Patient\/p2\/_history/,
        empties: 2,
        entries: [
          {
            request: { method: "DELETE", url: "Patient/p2" },
            response: { status: "204", lastModified: "2023-06-01T00:00:00.000Z" },
          },
        ],
      },
    ]);
    const { deps } = fakeDeps();
    const result = await reconcileTypeHop(deps, reconcileInput);
    expect(result.totals).toMatchObject({ extra: 1, deletedOnSource: 1, hardDeleted: 0 });
    expect(destination.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("a resource present on the source behind an empty page of its _id search is not extra", async () => {
    pagedAnswers(destination, destinationHolds(["p3"]));
    pagedAnswers(source, [
      { match: /_summary=count/, total: 0 },
      { match: /^\/Patient\?_id=p3/, empties: 2, entries: [patient("p3")] },
    ]);
    const { deps } = fakeDeps();
    const result = await reconcileTypeHop(deps, reconcileInput);
    expect(result.totals).toMatchObject({ scanned: 1, extra: 0 });
    expect(source.requests.some((r) => r.url.includes("_history"))).toBe(false);
  });

  it("a resource in the source's own window behind empty pages is not even asked for by id", async () => {
    pagedAnswers(destination, destinationHolds(["p4", "p5"]));
    pagedAnswers(source, [
      { match: /_summary=count/, total: 2 },
      { match: /^\/Patient\?_lastUpdated=ge/, empties: 3, entries: [patient("p4"), patient("p5")] },
    ]);
    const { deps } = fakeDeps();
    const result = await reconcileTypeHop(deps, reconcileInput);
    expect(result).toMatchObject({ done: true, totals: { scanned: 2, extra: 0 } });
    expect(source.requests.some((r) => r.url.includes("_id="))).toBe(false);
  });
});

describe("deep check sampling across empty pages", () => {
  it.each([
    { history: false, empties: 1 },
    { history: true, empties: 3 },
  ])(
    "samples every id behind $empties empty page(s) (history: $history)",
    async ({ history, empties }) => {
      pagedAnswers(source, [
        {
          match: /^\/Patient(\/_history)?\?_count/,
          empties,
          entries: [patient("a"), patient("b")],
        },
      ]);
      const { deps } = fakeDeps();
      const result = await sampleTypeHop(deps, {
        runId: "r1",
        seed: "s",
        type: "Patient",
        size: 10,
        history,
        cursor: null,
        limits,
      });
      expect(result).toMatchObject({ done: true, scanned: 2, sampled: 2, error: null });
      expect(source.requests).toHaveLength(empties + 1);
    },
  );
});
