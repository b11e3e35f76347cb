/**
 * Searches whose answer is "the first entry": an empty page with a `next` link means nothing
 * (Cosmos ends a page fill early on its time budget or a 429,
 * microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs),
 * so every such query follows `next` until it finds an entry or the links end.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { firstChangeAtOrAfter } from "../../../src/engine/activities/planNextWindow";
import { FhirOperationError } from "../../../src/errors";
import { FIRST_ENTRY_PAGE_BUDGET } from "../../../src/fhir/client";
import type { StubReply, StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, searchset } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

const version = (id: string, lastUpdated: string) => ({
  resource: { resourceType: "Patient", id, meta: { versionId: "1", lastUpdated } },
});
const warning = {
  search: { mode: "outcome" },
  resource: {
    resourceType: "OperationOutcome",
    issue: [{ severity: "warning", code: "informational" }],
  },
};

/** `empties` empty pages (each linking the next), then a page holding `entry` (or nothing, last). */
function pages(empties: number, entry: unknown | undefined): StubReply[] {
  const replies: StubReply[] = [];
  for (let i = 0; i < empties; i++) {
    replies.push({ status: 200, body: searchset(undefined, [], `${stub.origin}/page?ct=${i}`) });
  }
  replies.push({ status: 200, body: searchset(undefined, entry === undefined ? [] : [entry]) });
  return replies;
}

describe("firstEntry", () => {
  it.each([0, 1, 3])("finds the entry after %i empty page(s)", async (empties) => {
    stub.enqueue(...pages(empties, version("p1", "2024-01-02T03:04:05.678Z")));
    const { client } = clientFor(stub);
    const entry = await client.firstEntry("Patient?_count=1");
    expect(entry?.resource?.id).toBe("p1");
    expect(stub.requests).toHaveLength(empties + 1);
  });

  it("skips a page holding only the search's OperationOutcome", async () => {
    stub.enqueue(
      { status: 200, body: searchset(undefined, [warning], `${stub.origin}/page?ct=1`) },
      { status: 200, body: searchset(undefined, [version("p2", "2024-01-02T03:04:05.678Z")]) },
    );
    const { client } = clientFor(stub);
    await expect(client.firstEntry("Patient")).resolves.toMatchObject({
      resource: { id: "p2" },
    });
  });

  it("is undefined only when the links end without an entry", async () => {
    stub.enqueue(...pages(2, undefined));
    const { client } = clientFor(stub);
    await expect(client.firstEntry("Patient")).resolves.toBeUndefined();
    expect(stub.requests).toHaveLength(3);
  });

  it("gives up with an error naming the query after the page budget", async () => {
    let n = 0;
    stub.fallback(() => ({
      status: 200,
      body: searchset(undefined, [], `${stub.origin}/page?ct=${n++}`),
    }));
    const { client } = clientFor(stub);
    const promise = client.firstEntry("_history?_sort=_lastUpdated&_count=1");
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(
      /_history\?_sort=_lastUpdated&_count=1: 100 pages in a row held no entry/,
    );
    expect(stub.requests.length).toBeLessThanOrEqual(2 * FIRST_ENTRY_PAGE_BUDGET);
  });
});

describe("oldestLastUpdated across empty pages", () => {
  it.each([0, 1, 4])("reads the oldest version after %i empty page(s)", async (empties) => {
    stub.enqueue(...pages(empties, version("p1", "2023-06-20T21:20:39.5337086+00:00")));
    const { client } = clientFor(stub);
    await expect(client.oldestLastUpdated(true)).resolves.toBe("2023-06-20T21:20:39.533Z");
  });

  it("says the server is empty only when the links end", async () => {
    stub.enqueue(...pages(3, undefined));
    const { client } = clientFor(stub);
    await expect(client.oldestLastUpdated(false)).resolves.toBeUndefined();
    expect(stub.requests).toHaveLength(4);
  });
});

describe("firstChangeAtOrAfter (planning) across empty pages", () => {
  it.each([
    { history: true, empties: 1 },
    { history: true, empties: 5 },
    { history: false, empties: 2 },
  ])(
    "finds the first change after $empties empty page(s) (history: $history)",
    async ({ history, empties }) => {
      stub.enqueue(...pages(empties, version("p9", "2024-05-01T00:00:07.000Z")));
      const { client } = clientFor(stub);
      await expect(firstChangeAtOrAfter(client, "2024-05-01T00:00:00.000Z", history)).resolves.toBe(
        "2024-05-01T00:00:07.000Z",
      );
      expect(stub.requests[0]?.url).toBe(
        history
          ? "/_history?_since=2024-05-01T00%3A00%3A00.000Z&_sort=_lastUpdated&_count=1"
          : "/?_lastUpdated=ge2024-05-01T00%3A00%3A00.000Z&_sort=_lastUpdated&_count=1",
      );
    },
  );

  it("finds no change only when the links end", async () => {
    stub.enqueue(...pages(2, undefined));
    const { client } = clientFor(stub);
    await expect(
      firstChangeAtOrAfter(client, "2024-05-01T00:00:00.000Z", true),
    ).resolves.toBeUndefined();
    expect(stub.requests).toHaveLength(3);
  });
});

describe("count", () => {
  // Counts are one aggregate query with no continuation on either store
  // (microsoft/fhir-server src/Microsoft.Health.Fhir.CosmosDb/Features/Search/FhirCosmosSearchService.cs,
  // ExecuteCountSearchAsync): a count answer without a total is refused, never read as zero.
  it("refuses an empty page carrying next instead of a total", async () => {
    stub.enqueue({ status: 200, body: searchset(undefined, [], `${stub.origin}/page?ct=1`) });
    const { client } = clientFor(stub);
    await expect(client.count({ type: "Patient", history: true })).rejects.toThrow(
      /expected a Bundle with a numeric total/,
    );
  });
});
