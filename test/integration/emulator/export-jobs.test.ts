import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorOptions, FhirEmulator } from "../../../emulator";
import {
  blobService,
  call,
  diagnostics,
  kickOffExport,
  manualClock,
  ndjsonLines,
  readBlobUrl,
  startEmulator,
  uniqueName,
  type ManualClock,
} from "./helpers";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-03-05T10:21:07.203Z");

describe("emulator: $export jobs", () => {
  let emu: FhirEmulator;
  let clock: ManualClock;

  async function start(options: Partial<EmulatorOptions> = {}): Promise<FhirEmulator> {
    clock = manualClock(T0);
    emu = await startEmulator({ clock, ...options });
    return emu;
  }
  afterEach(async () => {
    await emu.close();
  });

  /** Patient p-1 (v1 at T0, v2 at +1h), p-2 deleted (v1 at +2h, v2 deleted at +3h), Observation o-1 (+4h). */
  function seed(): void {
    emu.store.update({ resourceType: "Patient", id: "p-1", gender: "male" });
    clock.advance(HOUR);
    emu.store.update({ resourceType: "Patient", id: "p-1", gender: "female" });
    clock.advance(HOUR);
    emu.store.update({ resourceType: "Patient", id: "p-2" });
    clock.advance(HOUR);
    emu.store.softDelete("Patient", "p-2");
    clock.advance(HOUR);
    emu.store.update({ resourceType: "Observation", id: "o-1", status: "final" });
    clock.advance(HOUR);
  }

  async function manifest(statusPath: string): Promise<any> {
    const r = await call(emu, "GET", statusPath);
    expect(r.status).toBe(200);
    return r.json;
  }

  async function exportedLines(statusPath: string): Promise<any[]> {
    const m = await manifest(statusPath);
    const lines: any[] = [];
    for (const o of m.output) lines.push(...ndjsonLines(await readBlobUrl(o.url)));
    return lines;
  }

  it("status is 202 with no body while running, then 200 application/json", async () => {
    await start({ latency: { exportFixedMs: 60_000, exportPerResourceMs: 1000 } });
    seed();
    const status = await kickOffExport(emu, "/$export");
    clock.advance(61_000);
    const running = await call(emu, "GET", status);
    clock.advance(1000);
    const done = await call(emu, "GET", status);
    expect([running.status, running.text]).toEqual([202, ""]);
    expect(running.headers.get("x-progress")).toBeNull();
    expect(done.status).toBe(200);
    expect(done.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("the manifest has transactionTime, request, requiresAccessToken=false, output by type, empty error and issues", async () => {
    await start();
    seed();
    const status = await kickOffExport(emu, "/$export?_type=Patient,Observation");
    const m = await manifest(status);
    expect(m).toMatchObject({
      transactionTime: "2024-03-05T15:21:07.203+00:00",
      request: `${emu.baseUrl}/$export?_type=Patient,Observation`,
      requiresAccessToken: false,
      error: [],
      issues: [],
    });
    expect(m.output.map((o: any) => [o.type, o.count])).toEqual([
      ["Observation", 1],
      ["Patient", 1],
    ]);
  });

  it("a type without resources has no output entry", async () => {
    await start();
    seed();
    const m = await manifest(await kickOffExport(emu, "/$export?_type=Patient,Encounter"));
    expect(m.output.map((o: any) => o.type)).toEqual(["Patient"]);
  });

  it("writes {Type}-{processingJobId}-{sequence}.ndjson into container export-{jobId}", async () => {
    await start();
    seed();
    const status = await kickOffExport(emu, "/$export");
    const jobId = Number(status.split("/").pop());
    const m = await manifest(status);
    for (const o of m.output) {
      const match = new RegExp(`/export-${jobId}/${o.type}-(\\d+)-1\\.ndjson$`).exec(o.url);
      expect(match).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThan(jobId);
    }
  });

  it("with _container the files sit in {yyyyMMddTHHmmss}-{jobId}/", async () => {
    await start();
    seed();
    const container = uniqueName("dest");
    await blobService().getContainerClient(container).create();
    const status = await kickOffExport(emu, `/$export?_container=${container}`);
    const jobId = status.split("/").pop();
    const m = await manifest(status);
    expect(m.output[0].url).toContain(`/${container}/20240305T152107-${jobId}/`);
  });

  it("exports each version as stored, with meta.versionId and meta.lastUpdated", async () => {
    await start();
    seed();
    const lines = await exportedLines(await kickOffExport(emu, "/$export?_type=Patient"));
    expect(lines).toEqual([JSON.parse(emu.store.read("Patient", "p-1")?.text ?? "")]);
    expect(lines[0].meta).toEqual({ versionId: "2", lastUpdated: "2024-03-05T11:21:07.203+00:00" });
  });

  it("_since is inclusive and _till exclusive on each version's lastUpdated", async () => {
    await start();
    seed();
    const lines = await exportedLines(
      await kickOffExport(
        emu,
        "/$export?includeAssociatedData=_history,_deleted&_since=2024-03-05T11:21:07.203Z&_till=2024-03-05T13:21:07.203Z",
      ),
    );
    expect(lines.map((l) => `${l.id}/${l.meta.versionId}`).sort()).toEqual(["p-1/2", "p-2/1"]);
  });

  it("_till defaults to the job's creation time", async () => {
    await start({ latency: { exportFixedMs: 10_000 } });
    seed();
    const status = await kickOffExport(emu, "/$export?_type=Patient");
    emu.store.update({ resourceType: "Patient", id: "late" });
    clock.advance(10_000);
    const lines = await exportedLines(status);
    expect(lines.map((l) => l.id)).toEqual(["p-1"]);
  });

  it("_type restricts the exported types", async () => {
    await start();
    seed();
    const m = await manifest(await kickOffExport(emu, "/$export?_type=Observation"));
    expect(m.output.map((o: any) => o.type)).toEqual(["Observation"]);
  });

  it("includeAssociatedData=_history adds older versions; without it only current versions", async () => {
    await start();
    seed();
    const withHistory = await exportedLines(
      await kickOffExport(emu, "/$export?_type=Patient&includeAssociatedData=_history"),
    );
    expect(withHistory.map((l) => `${l.id}/${l.meta.versionId}`).sort()).toEqual([
      "p-1/1",
      "p-1/2",
      "p-2/1",
    ]);
  });

  it("includeAssociatedData=_deleted exports soft-deleted versions with the deleted-state extension", async () => {
    await start();
    seed();
    const lines = await exportedLines(
      await kickOffExport(emu, "/$export?_type=Patient&includeAssociatedData=_deleted"),
    );
    const deleted = lines.find((l) => l.id === "p-2");
    expect(deleted.meta).toEqual({
      versionId: "2",
      lastUpdated: "2024-03-05T13:21:07.203+00:00",
      extension: [
        {
          url: "http://azurehealthcareapis.com/data-extensions/deleted-state",
          valueString: "soft-deleted",
        },
      ],
    });
    expect(lines.map((l) => l.id).sort()).toEqual(["p-1", "p-2"]);
  });

  it("without _deleted no deleted version is exported, even with _history", async () => {
    await start();
    seed();
    const lines = await exportedLines(
      await kickOffExport(emu, "/$export?_type=Patient&includeAssociatedData=_history"),
    );
    expect(lines.some((l) => l.meta.extension !== undefined)).toBe(false);
  });

  it("AHDS defaults to parallel: one processing job per _maxCount versions of a type", async () => {
    await start({ flavour: "ahds" });
    for (let i = 0; i < 5; i++) emu.store.update({ resourceType: "Patient", id: `p-${i}` });
    emu.store.update({ resourceType: "Observation", id: "o-1" });
    const m = await manifest(await kickOffExport(emu, "/$export?_maxCount=2"));
    const jobIds = m.output.map((o: any) => /-(\d+)-1\.ndjson$/.exec(o.url)?.[1]);
    expect(m.output.map((o: any) => [o.type, o.count])).toEqual([
      ["Observation", 1],
      ["Patient", 2],
      ["Patient", 2],
      ["Patient", 1],
    ]);
    expect(new Set(jobIds).size).toBe(4);
  });

  it("Azure API for FHIR defaults to non-parallel: one page of all types per processing job", async () => {
    await start({ flavour: "apiForFhir" });
    emu.store.update({ resourceType: "Patient", id: "p-1" });
    emu.store.update({ resourceType: "Observation", id: "o-1" });
    const m = await manifest(await kickOffExport(emu, "/$export"));
    const jobIds = m.output.map((o: any) => /-(\d+)-1\.ndjson$/.exec(o.url)?.[1]);
    expect(jobIds[0]).toBe(jobIds[1]);
  });

  it("_isParallel=false on AHDS takes the non-parallel path", async () => {
    await start({ flavour: "ahds" });
    emu.store.update({ resourceType: "Patient", id: "p-1" });
    emu.store.update({ resourceType: "Observation", id: "o-1" });
    const m = await manifest(await kickOffExport(emu, "/$export?_isParallel=false"));
    const jobIds = m.output.map((o: any) => /-(\d+)-1\.ndjson$/.exec(o.url)?.[1]);
    expect(jobIds[0]).toBe(jobIds[1]);
  });

  it("_typeFilter exports only the matching resources of its type", async () => {
    await start();
    seed();
    const lines = await exportedLines(
      await kickOffExport(
        emu,
        "/$export?_type=Patient,Observation&_typeFilter=Patient%3F_id%3Dp-1",
      ),
    );
    expect(lines.map((l) => l.id).sort()).toEqual(["o-1", "p-1"]);
  });

  it("Patient/$export exports patients and resources referencing them", async () => {
    await start();
    emu.store.update({ resourceType: "Patient", id: "pa" });
    emu.store.update({
      resourceType: "Observation",
      id: "o-pa",
      subject: { reference: "Patient/pa" },
    });
    emu.store.update({ resourceType: "Observation", id: "o-none" });
    const lines = await exportedLines(await kickOffExport(emu, "/Patient/$export"));
    expect(lines.map((l) => l.id).sort()).toEqual(["o-pa", "pa"]);
  });

  it("rolls to the next file sequence after rollingFileResources", async () => {
    await start({ rollingFileResources: 2 });
    for (let i = 0; i < 5; i++) emu.store.update({ resourceType: "Patient", id: `p-${i}` });
    const m = await manifest(await kickOffExport(emu, "/$export"));
    expect(m.output.map((o: any) => [/-(\d+)\.ndjson$/.exec(o.url)?.[1], o.count])).toEqual([
      ["1", 2],
      ["2", 2],
      ["3", 1],
    ]);
  });

  it("status of an unknown or non-numeric job id is 404 with the server's text", async () => {
    await start();
    const unknown = await call(emu, "GET", "/_operations/export/999");
    const bad = await call(emu, "GET", "/_operations/export/abc");
    expect([unknown.status, bad.status]).toEqual([404, 404]);
    expect(diagnostics(bad)).toBe('The requested job "abc" was not found.');
  });

  it("DELETE cancels with 202 and later status requests are 404", async () => {
    await start({ latency: { exportFixedMs: 60_000 } });
    const status = await kickOffExport(emu, "/$export");
    const del = await call(emu, "DELETE", status);
    const after = await call(emu, "GET", status);
    expect([del.status, after.status]).toEqual([202, 404]);
  });

  it("an export-job-fails fault reports the job's status code and 'export operation failed for reason'", async () => {
    await start();
    emu.faults.add({
      kind: "export-job-fails",
      statusCode: 413,
      reason: "The FHIR Server ran out of memory.",
    });
    const r = await call(emu, "GET", await kickOffExport(emu, "/$export"));
    expect(r.status).toBe(413);
    expect(r.json.issue[0]).toMatchObject({
      code: "processing",
      diagnostics: "export operation failed for reason: The FHIR Server ran out of memory.",
    });
  });

  it("an export-stuck fault keeps the job running", async () => {
    await start();
    emu.faults.add({ kind: "export-stuck" });
    const status = await kickOffExport(emu, "/$export");
    clock.advance(24 * HOUR);
    expect((await call(emu, "GET", status)).status).toBe(202);
  });

  it("an export-premature fault first answers a manifest missing files, then the full one", async () => {
    await start();
    for (let i = 0; i < 4; i++) emu.store.update({ resourceType: "Patient", id: `p-${i}` });
    emu.faults.add({ kind: "export-premature" });
    const status = await kickOffExport(emu, "/$export?_maxCount=1");
    const first = await manifest(status);
    const second = await manifest(status);
    expect([first.output.length, second.output.length]).toEqual([2, 4]);
  });

  it("Group/{id}/$export exports the member patients and their compartment (resources referencing them)", async () => {
    await start();
    emu.store.update({ resourceType: "Patient", id: "in" });
    emu.store.update({ resourceType: "Patient", id: "out" });
    emu.store.update({
      resourceType: "Observation",
      id: "o-in",
      subject: { reference: "Patient/in" },
    });
    emu.store.update({
      resourceType: "Observation",
      id: "o-out",
      subject: { reference: "Patient/out" },
    });
    emu.store.update({
      resourceType: "Group",
      id: "g",
      member: [{ entity: { reference: "Patient/in" } }],
    });
    const lines = await exportedLines(await kickOffExport(emu, "/Group/g/$export"));
    // The Group itself references the member, so it is in the member's compartment too.
    expect(lines.map((l) => l.id).sort()).toEqual(["g", "in", "o-in"]);
  });

  it("exports decimals verbatim", async () => {
    await start({ flavour: "apiForFhir" });
    emu.store.update(
      '{"resourceType":"Observation","id":"d","valueQuantity":{"value":12345678901.0123456789012}}',
    );
    const m = await manifest(await kickOffExport(emu, "/$export"));
    expect(await readBlobUrl(m.output[0].url)).toContain('"value":12345678901.0123456789012}');
  });
});
