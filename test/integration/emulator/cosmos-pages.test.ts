import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, manualClock, startEmulator } from "./helpers";

interface Walk {
  /** Entries (matches or history entries) per page, in order. */
  sizes: number[];
  /** "Type/id/version" of every entry, in order. */
  keys: string[];
}

/** Follows `next` from `path` until no link remains. */
async function walk(emu: FhirEmulator, path: string): Promise<Walk> {
  const sizes: number[] = [];
  const keys: string[] = [];
  let url: string | undefined = `${emu.baseUrl}${path}`;
  while (url !== undefined) {
    const r = await call(emu, "GET", url.slice(emu.baseUrl.length));
    expect(r.status).toBe(200);
    const entries = (r.json.entry ?? []).filter((e: any) => e.search?.mode !== "outcome");
    sizes.push(entries.length);
    for (const e of entries)
      keys.push(`${e.resource.resourceType}/${e.resource.id}/${e.resource.meta.versionId}`);
    url = r.json.link.find((l: any) => l.relation === "next")?.url;
    if (sizes.length > 100) throw new Error("too many pages");
  }
  return { sizes, keys };
}

/** Every query shape the migrator pages through. */
const QUERIES = [
  "/_history?_count=3",
  "/Patient/_history?_count=3&_since=2024-01-01T00:00:00.000Z",
  "/Patient/p-0/_history?_count=2",
  "/Patient?_count=3",
  "/Patient?_count=3&_sort=_lastUpdated&_lastUpdated=ge2024-01-01",
  "/?_count=3&_type=Patient,Observation",
  "/SearchParameter?_count=2",
  "/SearchParameter?url=http://example.org/sp-1",
];

describe("emulator: Cosmos search pages (apiForFhir)", () => {
  let emu: FhirEmulator;
  const clock = manualClock(Date.parse("2024-01-01T00:00:00.000Z"));

  beforeAll(async () => {
    emu = await startEmulator({ flavour: "apiForFhir", clock });
    for (let i = 0; i < 5; i++) {
      emu.store.update({ resourceType: "Patient", id: `p-${i}` });
      emu.store.update({ resourceType: "Observation", id: `o-${i}`, status: "final" });
      clock.advance(60_000);
    }
    emu.store.update({ resourceType: "Patient", id: "p-0", active: true });
    emu.store.update({ resourceType: "Patient", id: "p-0", active: false });
    for (let i = 0; i < 3; i++) {
      emu.store.update({
        resourceType: "SearchParameter",
        id: `sp-${i}`,
        url: `http://example.org/sp-${i}`,
      });
    }
  });
  afterAll(async () => {
    await emu.close();
  });

  it("an ahds (SQL) emulator refuses page faults: its store fills every page", async () => {
    const sql = await startEmulator({ flavour: "ahds" });
    try {
      expect(() => sql.faults.add({ kind: "empty-page" })).toThrow(/apiForFhir/);
    } finally {
      await sql.close();
    }
  });

  it("an empty first page still carries next, and next leads to every entry", async () => {
    const plain = await walk(emu, "/Patient?_count=3");
    emu.faults.add({ kind: "empty-page", operation: "search" });
    const faulted = await walk(emu, "/Patient?_count=3");
    expect(faulted.sizes[0]).toBe(0);
    expect(faulted.keys).toEqual(plain.keys);
  });

  it.each(QUERIES)("an empty page at every position of %s loses no entry", async (query) => {
    emu.faults.clear();
    const plain = await walk(emu, query);
    for (let position = 1; position <= plain.sizes.length; position++) {
      emu.faults.clear();
      emu.faults.add({ kind: "empty-page", position });
      const faulted = await walk(emu, query);
      expect(faulted.sizes[position - 1]).toBe(0);
      expect(faulted.keys).toEqual(plain.keys);
    }
    emu.faults.clear();
  });

  it("a position fault hits that page of every query until cleared", async () => {
    emu.faults.add({ kind: "empty-page", position: 2, path: "/_history" });
    for (let i = 0; i < 2; i++) {
      const w = await walk(emu, "/_history?_count=4");
      expect(w.sizes[1]).toBe(0);
    }
    const other = await walk(emu, "/Patient/_history?_count=4");
    expect(other.sizes.slice(0, -1)).not.toContain(0);
    emu.faults.clear();
  });

  it("times: the next N pages of one operation are empty", async () => {
    emu.faults.add({ kind: "empty-page", operation: "history", times: 3 });
    const w = await walk(emu, "/Patient/_history?_count=50");
    expect(w.sizes).toEqual([0, 0, 0, 7]);
    expect(emu.faults.survived()["empty-page"]).toBeGreaterThanOrEqual(3);
    emu.faults.clear();
  });

  it("a query that matches nothing can answer an empty page with next, then an empty last page", async () => {
    emu.faults.add({ kind: "empty-page" });
    const w = await walk(emu, "/Patient?_lastUpdated=ge2030-01-01");
    expect(w.sizes).toEqual([0, 0]);
    emu.faults.clear();
  });

  it("empty and partial pages at random rates still lead to every entry", async () => {
    const plain = await walk(emu, "/_history?_count=3");
    emu.faults.add({ kind: "empty-page", rate: 0.4 });
    emu.faults.add({ kind: "partial-page", rate: 0.4 });
    const faulted = await walk(emu, "/_history?_count=3");
    emu.faults.clear();
    expect(faulted.keys).toEqual(plain.keys);
    expect(faulted.sizes.length).toBeGreaterThan(plain.sizes.length);
  });

  it("a partial page holds fewer than _count entries and carries next", async () => {
    const plain = await walk(emu, "/Observation?_count=4");
    emu.faults.add({ kind: "partial-page", entries: 1, position: 1 });
    const faulted = await walk(emu, "/Observation?_count=4");
    emu.faults.clear();
    expect(faulted.sizes[0]).toBe(1);
    expect(faulted.keys).toEqual(plain.keys);
  });

  it("a count is not paged: page faults leave _summary=count alone", async () => {
    emu.faults.add({ kind: "empty-page", times: 5 });
    const r = await call(emu, "GET", "/Patient?_summary=count");
    emu.faults.clear();
    expect(r.json.total).toBe(5);
  });
});
