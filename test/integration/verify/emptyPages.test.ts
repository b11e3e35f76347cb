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

/** Answers a query with `empties` empty pages (each linking the next), then `entries`. */
function pagedAnswers(
  stub: StubServer,
  routes: { match: RegExp; empties: number; entries: unknown[] }[],
): void {
  stub.fallback((req: RecordedRequest): StubReply => {
    const page = /[?&]emptyPage=(\d+)/.exec(req.url);
    const route = routes.find((r) => r.match.test(req.url));
    if (route === undefined) return { status: 500, body: `no route for ${req.url}` };
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
  resource: { resourceType: "Patient", id, meta: { versionId: "1" } },
});

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
      pagedAnswers(destination, [
        { match: /^\/Patient\?_count/, empties: 1, entries: [patient("p1")] },
      ]);
      pagedAnswers(source, [
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
    pagedAnswers(destination, [
      { match: /^\/Patient\?_count/, empties: 0, entries: [patient("p2")] },
    ]);
    pagedAnswers(source, [
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
    pagedAnswers(destination, [
      { match: /^\/Patient\?_count/, empties: 0, entries: [patient("p3")] },
    ]);
    pagedAnswers(source, [{ match: /^\/Patient\?_id=p3/, empties: 2, entries: [patient("p3")] }]);
    const { deps } = fakeDeps();
    const result = await reconcileTypeHop(deps, reconcileInput);
    expect(result.totals).toMatchObject({ scanned: 1, extra: 0 });
    expect(source.requests.some((r) => r.url.includes("_history"))).toBe(false);
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
