import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FhirOperationError } from "../../../src/errors";
import type { Bundle, CountQuery } from "../../../src/fhir/types";
import type { StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, outcome, searchset } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

const since = "2023-01-01T00:00:00Z";
const till = "2023-01-31T00:00:00.000+00:00";

describe("count", () => {
  it.each<{ query: CountQuery; url: string }>([
    { query: { type: "Patient" }, url: "/Patient?_summary=count" },
    { query: {}, url: "/?_summary=count" },
    {
      query: { since, till },
      url: "/?_summary=count&_lastUpdated=ge2023-01-01T00:00:00.000Z&_lastUpdated=lt2023-01-31T00:00:00.000Z",
    },
    {
      query: { type: "Observation", since },
      url: "/Observation?_summary=count&_lastUpdated=ge2023-01-01T00:00:00.000Z",
    },
    { query: { history: true }, url: "/_history?_summary=count" },
    {
      query: { type: "Patient", history: true, since, till },
      url: "/Patient/_history?_summary=count&_since=2023-01-01T00:00:00.000Z&_before=2023-01-31T00:00:00.000Z",
    },
  ])("sends GET $url", async ({ query, url }) => {
    stub.enqueue({ status: 200, body: searchset(42) });
    const { client } = clientFor(stub);
    await expect(client.count(query)).resolves.toBe(42);
    expect(stub.requests[0]?.url).toBe(url);
    expect(stub.requests[0]?.headers.accept).toBe("application/fhir+json");
  });

  it("rejects a Bundle without a numeric total", async () => {
    stub.enqueue({ status: 200, body: searchset(undefined) });
    const { client } = clientFor(stub);
    const promise = client.count({ type: "Patient" });
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(/expected a Bundle with a numeric total/);
  });

  it("rejects a timestamp without a time zone instead of reading it as local time", async () => {
    const { client } = clientFor(stub);
    await expect(client.count({ since: "2023-01-01T00:00:00" })).rejects.toThrow(
      /Invalid timestamp "2023-01-01T00:00:00"/,
    );
    expect(stub.requests).toHaveLength(0);
  });
});

describe("oldestLastUpdated", () => {
  it.each([
    { history: false, url: "/?_sort=_lastUpdated&_count=1" },
    { history: true, url: "/_history?_sort=_lastUpdated&_count=1" },
  ])(
    "sends GET $url and returns the first entry's lastUpdated in UTC",
    async ({ history, url }) => {
      stub.enqueue({
        status: 200,
        body: searchset(undefined, [
          {
            resource: {
              resourceType: "Patient",
              id: "p1",
              meta: { versionId: "1", lastUpdated: "2023-06-20T21:20:39.5337086+00:00" },
            },
          },
        ]),
      });
      const { client } = clientFor(stub);
      await expect(client.oldestLastUpdated(history)).resolves.toBe("2023-06-20T21:20:39.533Z");
      expect(stub.requests[0]?.url).toBe(url);
    },
  );

  it("returns undefined for an empty server", async () => {
    stub.enqueue({ status: 200, body: searchset(undefined) });
    const { client } = clientFor(stub);
    await expect(client.oldestLastUpdated(false)).resolves.toBeUndefined();
  });

  it("rejects an entry without meta.lastUpdated", async () => {
    stub.enqueue({
      status: 200,
      body: searchset(undefined, [{ resource: { resourceType: "Patient", id: "p1" } }]),
    });
    const { client } = clientFor(stub);
    await expect(client.oldestLastUpdated(false)).rejects.toThrow(
      /expected entry\[0\]\.resource\.meta\.lastUpdated/,
    );
  });
});

async function collect(pages: AsyncIterable<Bundle>): Promise<Bundle[]> {
  const out: Bundle[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe("searchPagesText", () => {
  it("gives each page's body text exactly and the request units the server reports", async () => {
    const text = `{"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Observation","id":"o","valueQuantity":{"value":1.50}}}]}`;
    stub.enqueue({ status: 200, body: text, headers: { "x-ms-request-charge": "12.38" } });
    const { client } = clientFor(stub);
    const pages = [];
    for await (const page of client.searchPagesText("_history")) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.text).toBe(text);
    expect(pages[0]?.requestCharge).toBe(12.38);
  });

  it("leaves the request units undefined when the server does not report them", async () => {
    stub.enqueue({ status: 200, body: searchset(undefined, []) });
    const { client } = clientFor(stub);
    for await (const page of client.searchPagesText("_history"))
      expect(page.requestCharge).toBeUndefined();
    expect(stub.requests).toHaveLength(1);
  });
});

describe("searchPages", () => {
  const entry = (id: string) => ({ resource: { resourceType: "Patient", id } });

  it("follows next links verbatim until there is none", async () => {
    stub.enqueue(
      {
        status: 200,
        body: searchset(undefined, [entry("a")], `${stub.origin}/Patient?_count=1&ct=abc%3D%3D`),
      },
      {
        status: 200,
        body: searchset(undefined, [entry("b")], `${stub.origin}/Patient?_count=1&ct=def`),
      },
      { status: 200, body: searchset(undefined, [entry("c")]) },
    );
    const { client } = clientFor(stub);
    const pages = await collect(client.searchPages("Patient?_count=1"));
    expect(pages.map((p) => p.entry?.[0]?.resource?.id)).toEqual(["a", "b", "c"]);
    expect(stub.requests.map((r) => r.url)).toEqual([
      "/Patient?_count=1",
      "/Patient?_count=1&ct=abc%3D%3D",
      "/Patient?_count=1&ct=def",
    ]);
  });

  it("refuses a next link on another origin, after yielding the first page", async () => {
    stub.enqueue({
      status: 200,
      body: searchset(undefined, [entry("a")], "https://elsewhere.example/Patient?ct=1"),
    });
    const { client } = clientFor(stub);
    const seen: Bundle[] = [];
    const iterate = (async () => {
      for await (const page of client.searchPages("Patient")) seen.push(page);
    })();
    await expect(iterate).rejects.toThrow(FhirOperationError);
    await expect(iterate).rejects.toThrow(
      /next-page link https:\/\/elsewhere\.example\/Patient\?ct=1 is not an absolute URL on http:\/\/127\.0\.0\.1/,
    );
    expect(stub.requests).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it("refuses a next link that repeats an earlier page", async () => {
    stub.enqueue(
      { status: 200, body: searchset(undefined, [entry("a")], `${stub.origin}/Patient?ct=1`) },
      { status: 200, body: searchset(undefined, [entry("b")], `${stub.origin}/Patient?ct=1`) },
    );
    const { client } = clientFor(stub);
    await expect(collect(client.searchPages("Patient"))).rejects.toThrow(
      /next-page link that differs/,
    );
  });

  it("maps a 400 to FhirOperationError", async () => {
    stub.enqueue({ status: 400, body: outcome("The continuation token is invalid.") });
    const { client } = clientFor(stub);
    await expect(collect(client.searchPages("Patient?ct=zzz"))).rejects.toThrow(
      /GET .*\/Patient\?ct=zzz failed with HTTP 400: The continuation token is invalid\./,
    );
  });
});

describe("single resources", () => {
  const patient = { resourceType: "Patient", id: "p1", meta: { versionId: "2" } };

  it("read returns the resource", async () => {
    stub.enqueue({ status: 200, body: patient });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).resolves.toEqual(patient);
    expect(stub.requests[0]?.url).toBe("/Patient/p1");
  });

  it.each([404, 410])("read returns undefined on %i", async (status) => {
    stub.enqueue({ status, body: outcome("gone", "not-found") });
    const { client } = clientFor(stub);
    await expect(client.read("Patient", "p1")).resolves.toBeUndefined();
  });

  it("vread returns the version, and its body as the server wrote it", async () => {
    stub.enqueue({ status: 200, body: patient });
    const { client } = clientFor(stub);
    await expect(client.vread("Patient", "p1", "2")).resolves.toEqual({
      found: true,
      deleted: false,
      resource: patient,
      text: JSON.stringify(patient),
    });
    expect(stub.requests[0]?.url).toBe("/Patient/p1/_history/2");
  });

  it("vread reports a deleted version on 410", async () => {
    stub.enqueue({ status: 410, body: outcome("deleted", "deleted") });
    const { client } = clientFor(stub);
    await expect(client.vread("Patient", "p1", "3")).resolves.toEqual({
      found: true,
      deleted: true,
    });
  });

  it("vread reports an unknown version on 404", async () => {
    stub.enqueue({ status: 404, body: outcome("not found", "not-found") });
    const { client } = clientFor(stub);
    await expect(client.vread("Patient", "p1", "9")).resolves.toEqual({ found: false });
  });

  it("update PUTs the resource as FHIR JSON", async () => {
    stub.enqueue({ status: 200, body: patient });
    const { client } = clientFor(stub);
    await expect(client.update(patient)).resolves.toEqual(patient);
    expect(stub.requests[0]?.method).toBe("PUT");
    expect(stub.requests[0]?.url).toBe("/Patient/p1");
    expect(stub.requests[0]?.headers["content-type"]).toBe("application/fhir+json");
    expect(JSON.parse(stub.requests[0]?.body ?? "")).toEqual(patient);
  });

  it("update maps 412 to FhirOperationError", async () => {
    stub.enqueue({ status: 412, body: outcome("version conflict", "conflict") });
    const { client } = clientFor(stub);
    await expect(client.update(patient)).rejects.toThrow(
      /update: PUT .* failed with HTTP 412: version conflict/,
    );
  });

  it.each([204, 404])("delete succeeds on %i", async (status) => {
    stub.enqueue({ status });
    const { client } = clientFor(stub);
    await expect(client.delete("Patient", "p1")).resolves.toBeUndefined();
    expect(stub.requests[0]?.method).toBe("DELETE");
    expect(stub.requests[0]?.url).toBe("/Patient/p1");
  });
});

describe("batch", () => {
  const batch: Bundle = {
    resourceType: "Bundle",
    type: "batch",
    entry: [
      {
        resource: { resourceType: "SearchParameter", id: "sp1" },
        request: { method: "PUT", url: "SearchParameter/sp1" },
      },
    ],
  };
  const response = {
    resourceType: "Bundle",
    type: "batch-response",
    entry: [{ response: { status: "200 OK" } }],
  };

  it("POSTs the bundle to the base and returns the batch-response", async () => {
    stub.enqueue({ status: 200, body: response });
    const { client } = clientFor(stub, { basePath: "/fhir" });
    await expect(client.batch(batch)).resolves.toEqual(response);
    expect(stub.requests[0]?.method).toBe("POST");
    expect(stub.requests[0]?.url).toBe("/fhir/");
    expect(stub.requests[0]?.headers["content-type"]).toBe("application/fhir+json");
  });

  it("retries a batch of PUTs after a reset", async () => {
    stub.enqueue({ reset: true }, { status: 200, body: response });
    const { client } = clientFor(stub);
    await expect(client.batch(batch)).resolves.toEqual(response);
    expect(stub.requests).toHaveLength(2);
  });

  it("does not retry a batch with POST entries after a reset", async () => {
    stub.enqueue({ reset: true }, { status: 200, body: response });
    const { client } = clientFor(stub);
    const posting: Bundle = {
      ...batch,
      entry: [
        { resource: { resourceType: "Patient" }, request: { method: "POST", url: "Patient" } },
      ],
    };
    await expect(client.batch(posting)).rejects.toThrow(/not retried/);
    expect(stub.requests).toHaveLength(1);
  });
});
