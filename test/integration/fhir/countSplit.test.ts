import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecordedRequest, StubReply, StubServer } from "../../support/stubServer";
import { startStubServer } from "../../support/stubServer";
import { clientFor, outcome, searchset } from "./clientHarness";

let stub: StubServer;
beforeEach(async () => {
  stub = await startStubServer();
});
afterEach(async () => {
  await stub.close();
});

/** The servers' refusal of a count above int.MaxValue (FhirCosmosSearchService.ExecuteCountSearchAsync). */
const refusal = (count: number): StubReply => ({
  status: 403,
  body: outcome(
    `Search count returned ${count} and exceeds the maximum defined limit of 2147483647.`,
  ),
});

const SINCE = Date.parse("2020-01-01T00:00:00.000Z");
const TILL = Date.parse("2020-01-01T00:00:01.024Z");

/** A server holding one version per millisecond of [SINCE, TILL) that refuses counts above `limit`. */
function countingServer(limit: number, answer: (count: number) => StubReply = refusal) {
  stub.fallback((req: RecordedRequest): StubReply => {
    const url = new URL(req.url, "http://x");
    const since = url.searchParams.get("_since");
    const before = url.searchParams.get("_before");
    const from = Math.max(SINCE, since === null ? SINCE : Date.parse(since));
    const to = Math.min(TILL, before === null ? TILL : Date.parse(before));
    const count = Math.max(0, to - from);
    return count > limit ? answer(count) : { status: 200, body: searchset(count) };
  });
}

const range = (r: RecordedRequest) => {
  const url = new URL(r.url, "http://x");
  return [url.searchParams.get("_since"), url.searchParams.get("_before")];
};

describe("counts the server cannot answer whole", () => {
  it("cuts a refused count in two halves by lastUpdated and adds them up exactly", async () => {
    countingServer(600);
    const { client } = clientFor(stub);
    const total = await client.count({
      history: true,
      since: new Date(SINCE).toISOString(),
      till: new Date(TILL).toISOString(),
    });
    expect(total).toBe(1024);
    expect(stub.requests.map(range)).toEqual([
      ["2020-01-01T00:00:00.000Z", "2020-01-01T00:00:01.024Z"],
      ["2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00.512Z"],
      ["2020-01-01T00:00:00.512Z", "2020-01-01T00:00:01.024Z"],
    ]);
  });

  it("keeps an unbounded side unbounded in its half, so the halves cover what was asked", async () => {
    countingServer(300);
    const { client } = clientFor(stub, { deps: { now: () => TILL + 1000 } });
    await expect(client.count({ history: true })).resolves.toBe(1024);
    const ranges = stub.requests.map(range);
    expect(ranges[0]).toEqual([null, null]);
    expect(ranges.filter(([since]) => since === null).length).toBeGreaterThan(1);
    expect(ranges.filter(([, before]) => before === null).length).toBeGreaterThan(1);
  });

  it("cuts a count that timed out at the gateway at once, without retrying it whole", async () => {
    countingServer(600, () => ({ status: 504, body: "Gateway Time-out" }));
    const { client, sleeps } = clientFor(stub);
    const total = await client.count({
      history: true,
      since: new Date(SINCE).toISOString(),
      till: new Date(TILL).toISOString(),
    });
    expect(total).toBe(1024);
    expect(stub.requests).toHaveLength(3);
    expect(sleeps).toEqual([]);
  });

  it("cuts a count the client timed out on", async () => {
    countingServer(600, (count) => ({ status: 200, body: searchset(count), delayMs: 500 }));
    const { client } = clientFor(stub, { http: { timeoutMs: 100 } });
    const total = await client.count({
      history: true,
      since: new Date(SINCE).toISOString(),
      till: new Date(TILL).toISOString(),
    });
    expect(total).toBe(1024);
  });

  it("passes any other refusal on as it is", async () => {
    stub.enqueue({ status: 403, body: outcome("Authorization failed.", "forbidden") });
    const { client } = clientFor(stub);
    await expect(client.count({ type: "Patient" })).rejects.toThrow(/Authorization failed/);
    expect(stub.requests).toHaveLength(1);
  });

  it("says so when a single millisecond still cannot be counted", async () => {
    countingServer(0);
    const { client } = clientFor(stub);
    await expect(
      client.count({
        history: true,
        since: new Date(SINCE).toISOString(),
        till: new Date(SINCE + 4).toISOString(),
      }),
    ).rejects.toThrow(/failed even cut into \d+ parts by lastUpdated/);
  });
});
