import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions, FhirEmulator } from "../../../emulator";
import {
  call,
  kickOffExport,
  manualClock,
  ndjsonLines,
  readBlobUrl,
  startEmulator,
  type ManualClock,
} from "./helpers";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-03-05T10:21:07.203Z");
const at = (ms: number): string => new Date(ms).toISOString();

describe("emulator: $export per store profile", () => {
  let emu: FhirEmulator;
  let clock: ManualClock;

  async function start(options: Partial<EmulatorOptions>): Promise<void> {
    clock = manualClock(T0);
    emu = await startEmulator({ clock, ...options });
    // p-1 at T0, p-2 at T0+1h, p-3 at T0+2h.
    for (let i = 1; i <= 3; i++) {
      emu.store.update({ resourceType: "Patient", id: `p-${i}` });
      clock.advance(HOUR);
    }
  }
  afterEach(async () => {
    await emu.close();
  });

  async function exported(query: string): Promise<string[]> {
    const status = await kickOffExport(emu, query);
    const r = await call(emu, "GET", status);
    expect(r.status).toBe(200);
    const lines: any[] = [];
    for (const o of r.json.output) lines.push(...ndjsonLines(await readBlobUrl(o.url)));
    return lines.map((l) => `${l.id}/${l.meta.versionId}`).sort();
  }

  it("Cosmos: _till is inclusive (le): a version stamped exactly _till is exported", async () => {
    await start({ flavour: "apiForFhir" });
    expect(await exported(`/$export?_till=${at(T0 + HOUR)}`)).toEqual(["p-1/1", "p-2/1"]);
  });

  it("Cosmos: chained windows [a,b] and [b,c] both export the version stamped b", async () => {
    await start({ flavour: "apiForFhir" });
    const first = await exported(`/$export?_since=${at(T0)}&_till=${at(T0 + HOUR)}`);
    const second = await exported(`/$export?_since=${at(T0 + HOUR)}&_till=${at(T0 + 2 * HOUR)}`);
    expect(first).toContain("p-2/1");
    expect(second).toContain("p-2/1");
  });

  it("Cosmos: _till at seconds precision includes the whole second", async () => {
    await start({ flavour: "apiForFhir" });
    // p-2 is stamped 11:21:07.203; le 11:21:07 covers up to 11:21:07.999.
    expect(await exported("/$export?_till=2024-03-05T11:21:07Z")).toEqual(["p-1/1", "p-2/1"]);
  });

  it("Cosmos: _isParallel=true keeps the inclusive bound (feed ranges, no surrogate ids)", async () => {
    await start({ flavour: "apiForFhir" });
    expect(await exported(`/$export?_isParallel=true&_till=${at(T0 + HOUR)}`)).toEqual([
      "p-1/1",
      "p-2/1",
    ]);
  });

  it("SQL parallel (the AHDS default): _till is exclusive (till.ToId() - 1)", async () => {
    await start({ flavour: "ahds" });
    expect(await exported(`/$export?_till=${at(T0 + HOUR)}`)).toEqual(["p-1/1"]);
  });

  it("SQL parallel: _till at seconds precision excludes from the start of that second", async () => {
    await start({ flavour: "ahds" });
    expect(await exported("/$export?_till=2024-03-05T11:21:07Z")).toEqual(["p-1/1"]);
  });

  it("SQL non-parallel (_isParallel=false): _till is inclusive", async () => {
    await start({ flavour: "ahds" });
    expect(await exported(`/$export?_isParallel=false&_till=${at(T0 + HOUR)}`)).toEqual([
      "p-1/1",
      "p-2/1",
    ]);
  });

  it("SQL with _typeFilter takes the non-parallel path: _till is inclusive", async () => {
    await start({ flavour: "ahds" });
    expect(
      await exported(`/$export?_type=Patient&_typeFilter=Patient?_id=p-2&_till=${at(T0 + HOUR)}`),
    ).toEqual(["p-2/1"]);
  });

  it.each(["apiForFhir", "ahds"] as const)(
    "%s: data is read when the processing jobs run: a version that became history drops out",
    async (flavour) => {
      await start({ flavour, latency: { exportFixedMs: 60_000 } });
      const status = await kickOffExport(emu, "/$export");
      emu.store.update({ resourceType: "Patient", id: "p-2", active: true });
      emu.store.softDelete("Patient", "p-3");
      clock.advance(60_000);
      const r = await call(emu, "GET", status);
      const lines: any[] = [];
      for (const o of r.json.output) lines.push(...ndjsonLines(await readBlobUrl(o.url)));
      expect(lines.map((l) => `${l.id}/${l.meta.versionId}`)).toEqual(["p-1/1"]);
    },
  );

  it("with _history the version that became history is still exported, the newer one is not", async () => {
    await start({ flavour: "apiForFhir", latency: { exportFixedMs: 60_000 } });
    const status = await kickOffExport(emu, "/$export?includeAssociatedData=_history");
    emu.store.update({ resourceType: "Patient", id: "p-2", active: true });
    clock.advance(60_000);
    const r = await call(emu, "GET", status);
    const lines: any[] = [];
    for (const o of r.json.output) lines.push(...ndjsonLines(await readBlobUrl(o.url)));
    expect(lines.map((l) => `${l.id}/${l.meta.versionId}`).sort()).toEqual([
      "p-1/1",
      "p-2/1",
      "p-3/1",
    ]);
  });

  it("the status stays 202 for the grace period after the last processing job ended (default 15 s)", async () => {
    await start({
      flavour: "ahds",
      latency: { exportFixedMs: 60_000, exportStatusGraceMs: undefined },
    });
    const status = await kickOffExport(emu, "/$export");
    clock.advance(60_000);
    const due = await call(emu, "GET", status);
    clock.advance(14_999);
    const almost = await call(emu, "GET", status);
    clock.advance(1);
    const done = await call(emu, "GET", status);
    expect([due.status, almost.status, done.status]).toEqual([202, 202, 200]);
  });

  it("with a shared throughput, the grace runs from when the job ended, not from the first status request after it", async () => {
    await start({
      flavour: "ahds",
      latency: {
        exportFixedMs: 60_000,
        exportPerResourceMs: 1000,
        exportThroughputPerSecond: 1,
        exportStatusGraceMs: 15_000,
      },
    });
    const status = await kickOffExport(emu, "/$export");
    // Three versions at 1/s after the fixed 60 s: the job ends at 63 s; nobody asks until 78 s.
    clock.advance(78_000);
    expect((await call(emu, "GET", status)).status).toBe(200);
  });

  it("a failed processing job is reported at once, without the grace period", async () => {
    await start({ flavour: "ahds", latency: { exportFixedMs: 1000, exportStatusGraceMs: 15_000 } });
    emu.faults.add({ kind: "export-job-fails", statusCode: 500, reason: "Unknown Error." });
    const status = await kickOffExport(emu, "/$export");
    clock.advance(1000);
    expect((await call(emu, "GET", status)).status).toBe(500);
  });

  it("Cosmos: job ids are 19-digit numbers (CosmosQueueClient.GetLongId) that a double cannot hold", async () => {
    await start({ flavour: "apiForFhir" });
    const status = await kickOffExport(emu, "/$export");
    const id = status.split("/").pop() ?? "";
    expect(id).toMatch(/^\d{19}$/);
    expect(String(Number(id))).not.toBe(id);
    const r = await call(emu, "GET", status);
    expect(r.status).toBe(200);
    expect(r.json.output[0].url).toMatch(new RegExp(`/export-${id}/Patient-\\d{19}-1\\.ndjson$`));
    const reindex = await call(emu, "POST", "/$reindex", {
      body: { resourceType: "Parameters", parameter: [] },
    });
    expect(reindex.json.id).toMatch(/^\d{19}$/);
    expect((await call(emu, "GET", `/_operations/reindex/${reindex.json.id}`)).status).toBe(200);
  });

  it("Cosmos: an unknown 19-digit id is 404", async () => {
    await start({ flavour: "apiForFhir" });
    expect((await call(emu, "GET", "/_operations/export/5000000000000000001")).status).toBe(404);
  });

  it("SQL: job ids are plain increasing numbers", async () => {
    await start({ flavour: "ahds" });
    const first = (await kickOffExport(emu, "/$export")).split("/").pop() ?? "";
    const second = (await kickOffExport(emu, "/$export")).split("/").pop() ?? "";
    expect(first).toMatch(/^\d{1,18}$/);
    expect(Number(second)).toBeGreaterThan(Number(first));
  });

  it.each([
    "_container=..%252fsecret",
    "_container=c&_anonymizationConfig=..%2Fsecret%2Fconfig.json",
    "_container=c&_anonymizationConfig=..%255Csecret%255Cconfig.json",
  ])("a path traversal, even percent-encoded in the value, is 400: %s", async (query) => {
    await start({ flavour: "apiForFhir" });
    const r = await call(emu, "GET", `/$export?${query}`, {
      headers: { Accept: "application/fhir+json", Prefer: "respond-async" },
    });
    expect(r.status).toBe(400);
    expect(r.json.issue[0].diagnostics).toMatch(/Path traversal characters are not allowed/);
  });
});
