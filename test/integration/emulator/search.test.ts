import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, diagnostics, manualClock, startEmulator } from "./helpers";

const DAY = 86_400_000;
const ids = (r: { json: any }): string[] =>
  (r.json.entry ?? [])
    .filter((e: any) => e.search?.mode === "match")
    .map((e: any) => e.resource.id);

describe("emulator: search", () => {
  let emu: FhirEmulator;
  const clock = manualClock(Date.parse("2024-01-01T00:00:00.000Z"));

  beforeAll(async () => {
    emu = await startEmulator({ clock });
    // p-0 .. p-4 on Jan 1..5 at midnight; o-0 .. o-1 on Jan 6..7; p-gone deleted.
    for (let i = 0; i < 5; i++) {
      emu.store.update({ resourceType: "Patient", id: `p-${i}` });
      clock.advance(DAY);
    }
    for (let i = 0; i < 2; i++) {
      emu.store.update({ resourceType: "Observation", id: `o-${i}` });
      clock.advance(DAY);
    }
    emu.store.update({ resourceType: "Patient", id: "p-gone" });
    emu.store.softDelete("Patient", "p-gone");
    emu.store.update({
      resourceType: "SearchParameter",
      id: "sp-1",
      url: "http://example.org/SearchParameter/race",
    });
    emu.store.update({
      resourceType: "SearchParameter",
      id: "sp-2",
      url: "http://example.org/SearchParameter/x",
    });
  });
  afterAll(async () => {
    await emu.close();
  });

  it("_lastUpdated=ge is inclusive at the given instant", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_lastUpdated=ge2024-01-03T00:00:00.000Z"))).toEqual(
      ["p-2", "p-3", "p-4"],
    );
  });

  it("_lastUpdated=gt excludes the given instant", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_lastUpdated=gt2024-01-03T00:00:00.000Z"))).toEqual(
      ["p-3", "p-4"],
    );
  });

  it("_lastUpdated=le and lt bound from above", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_lastUpdated=le2024-01-02T00:00:00.000Z"))).toEqual(
      ["p-0", "p-1"],
    );
    expect(ids(await call(emu, "GET", "/Patient?_lastUpdated=lt2024-01-02T00:00:00.000Z"))).toEqual(
      ["p-0"],
    );
  });

  it("_lastUpdated=eq with day precision matches the whole day", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_lastUpdated=eq2024-01-04"))).toEqual(["p-3"]);
  });

  it("repeated _lastUpdated parameters are ANDed", async () => {
    const r = await call(
      emu,
      "GET",
      "/Patient?_lastUpdated=ge2024-01-02&_lastUpdated=lt2024-01-04",
    );
    expect(ids(r)).toEqual(["p-1", "p-2"]);
  });

  it("a malformed _lastUpdated is 400", async () => {
    const r = await call(emu, "GET", "/Patient?_lastUpdated=ge2024-13-45");
    expect(r.status).toBe(400);
  });

  it("_sort=_lastUpdated sorts ascending and -_lastUpdated descending", async () => {
    expect(ids(await call(emu, "GET", "/Observation?_sort=_lastUpdated"))).toEqual(["o-0", "o-1"]);
    expect(ids(await call(emu, "GET", "/Observation?_sort=-_lastUpdated"))).toEqual(["o-1", "o-0"]);
  });

  it("_count defaults to 10 per page", async () => {
    const many = await startEmulator({ clock: manualClock() });
    try {
      for (let i = 0; i < 12; i++) many.store.update({ resourceType: "Patient", id: `c-${i}` });
      expect(ids(await call(many, "GET", "/Patient"))).toHaveLength(10);
    } finally {
      await many.close();
    }
  });

  it("_count above 1000 is clamped to 1000 with an informational issue", async () => {
    const many = await startEmulator({ clock: manualClock() });
    try {
      for (let i = 0; i < 1001; i++) many.store.update({ resourceType: "Patient", id: `c-${i}` });
      const r = await call(many, "GET", "/Patient?_count=5000");
      expect(ids(r)).toHaveLength(1000);
      const outcome = r.json.entry[0];
      expect(outcome.search.mode).toBe("outcome");
      expect(outcome.resource.issue[0]).toEqual({
        severity: "information",
        code: "informational",
        diagnostics:
          "The '_count' parameter exceeds limit configured for server. Current limit is 1000 while `_count` parameter set to 5000.",
      });
    } finally {
      await many.close();
    }
  });

  it("_summary=count on a type returns a searchset with total and no entries", async () => {
    const r = await call(emu, "GET", "/Patient?_summary=count");
    expect(r.json).toMatchObject({ resourceType: "Bundle", type: "searchset", total: 5 });
    expect(r.json.entry).toBeUndefined();
  });

  it("_summary is matched case-insensitively", async () => {
    const r = await call(emu, "GET", "/Patient?_summary=Count");
    expect(r.json.total).toBe(5);
  });

  it("_summary=count at system level honours _lastUpdated bounds", async () => {
    const r = await call(
      emu,
      "GET",
      "/?_summary=count&_lastUpdated=ge2024-01-02&_lastUpdated=lt2024-01-07",
    );
    expect(r.json.total).toBe(5);
  });

  it("refuses a count above the limit with 403 and the server's message, then counts again", async () => {
    // A test hook lowers int.MaxValue (FhirCosmosSearchService.ExecuteCountSearchAsync) to reach it.
    emu.setCountLimit(4);
    try {
      const refused = await call(emu, "GET", "/Patient?_summary=count");
      expect(refused.status).toBe(403);
      expect(refused.json).toMatchObject({
        resourceType: "OperationOutcome",
        issue: [{ severity: "error", code: "invalid" }],
      });
      expect(diagnostics(refused)).toBe(
        "Search count returned 5 and exceeds the maximum defined limit of 2147483647.",
      );
      const part = await call(emu, "GET", "/Patient?_summary=count&_lastUpdated=lt2024-01-03");
      expect(part.json.total).toBe(2);
    } finally {
      emu.setCountLimit(2_147_483_647);
    }
  });

  it("_count=0 is a count", async () => {
    expect((await call(emu, "GET", "/Observation?_count=0")).json.total).toBe(2);
  });

  it("deleted resources are not found by search", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_id=p-gone"))).toEqual([]);
  });

  it("_id selects resources by id", async () => {
    expect(ids(await call(emu, "GET", "/Patient?_id=p-1,p-3"))).toEqual(["p-1", "p-3"]);
  });

  it("url selects a SearchParameter by canonical url", async () => {
    const r = await call(
      emu,
      "GET",
      "/SearchParameter?url=http://example.org/SearchParameter/race",
    );
    expect(ids(r)).toEqual(["sp-1"]);
  });

  it("_type restricts a system search to the given types", async () => {
    const r = await call(emu, "GET", "/?_type=Observation&_count=100");
    expect(ids(r)).toEqual(["o-0", "o-1"]);
  });

  it("an unknown type in _type gives a warning issue and matches nothing", async () => {
    const r = await call(emu, "GET", "/?_type=Foo");
    expect(r.status).toBe(200);
    expect(r.json.entry[0].resource.issue[0].diagnostics).toBe(
      "The '_type' parameter contains unknown resource(s): 'Foo'",
    );
    expect(ids(r)).toEqual([]);
  });

  it("next links carry an opaque ct token and page through every resource once", async () => {
    const seen: string[] = [];
    let path: string | undefined = "/?_count=3";
    while (path !== undefined) {
      const r = await call(emu, "GET", path);
      seen.push(...ids(r));
      const next = r.json.link.find((l: any) => l.relation === "next");
      path = next === undefined ? undefined : (next.url as string).slice(emu.baseUrl.length);
    }
    expect(seen).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4", "o-0", "o-1", "sp-1", "sp-2"]);
  });

  it("an invalid continuation token is 400", async () => {
    const r = await call(emu, "GET", "/Patient?ct=not-a-token!");
    expect(r.status).toBe(400);
    expect(diagnostics(r)).toBe("The continuation token is invalid.");
  });

  it("_total=accurate adds the total to a page; by default there is none", async () => {
    expect((await call(emu, "GET", "/Patient?_count=1&_total=accurate")).json.total).toBe(5);
    expect((await call(emu, "GET", "/Patient?_count=1")).json.total).toBeUndefined();
  });

  it("GET /?_sort=_lastUpdated&_count=1 finds the oldest current resource", async () => {
    const r = await call(emu, "GET", "/?_sort=_lastUpdated&_count=1");
    expect(r.json.entry[0].resource.meta.lastUpdated).toBe("2024-01-01T00:00:00+00:00");
  });

  it("GET /_history?_sort=_lastUpdated&_count=1 finds the oldest version", async () => {
    const r = await call(emu, "GET", "/_history?_sort=_lastUpdated&_count=1");
    expect(r.json.entry[0].resource.id).toBe("p-0");
  });

  it("an unknown search parameter is ignored with a warning and left out of the links", async () => {
    const r = await call(emu, "GET", "/Patient?name=smith&_count=2");
    expect(ids(r)).toEqual(["p-0", "p-1"]);
    expect(r.json.entry[0].resource.issue[0]).toMatchObject({
      severity: "warning",
      diagnostics: "The search parameter 'name' is not supported for resource type 'Patient'.",
    });
    expect(r.json.link.every((l: any) => !(l.url as string).includes("name="))).toBe(true);
  });

  it("with Prefer: handling=strict an unknown search parameter is 400", async () => {
    const r = await call(emu, "GET", "/Patient?name=smith", {
      headers: { Prefer: "handling=strict" },
    });
    expect(r.status).toBe(400);
  });

  it("a search on an unknown resource type is 404", async () => {
    expect((await call(emu, "GET", "/Foo?_count=1")).status).toBe(404);
  });
});
