import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, diagnostics, manualClock, startEmulator } from "./helpers";

describe("emulator: history", () => {
  let emu: FhirEmulator;
  const clock = manualClock(Date.parse("2024-01-01T00:00:00.000Z"));

  beforeAll(async () => {
    emu = await startEmulator({ clock });
    // Patient/h-1: POST-created v1 (00:00), PUT v2 (01:00), DELETE v3 (02:00); Observation/o-1 v1 (03:00).
    emu.store.create({ resourceType: "Patient", id: "h-1", gender: "male" });
    clock.advance(3_600_000);
    emu.store.update({ resourceType: "Patient", id: "h-1", gender: "female" });
    clock.advance(3_600_000);
    emu.store.softDelete("Patient", "h-1");
    clock.advance(3_600_000);
    emu.store.update({ resourceType: "Observation", id: "o-1", status: "final" });
  });
  afterAll(async () => {
    await emu.close();
  });

  it("/{Type}/{id}/_history lists versions newest first in a history bundle", async () => {
    const r = await call(emu, "GET", "/Patient/h-1/_history");
    expect(r.json.type).toBe("history");
    expect(r.json.entry.map((e: any) => e.resource.meta.versionId)).toEqual(["3", "2", "1"]);
  });

  it("history entries carry request.method DELETE for deleted versions, PUT/POST otherwise", async () => {
    const r = await call(emu, "GET", "/Patient/h-1/_history");
    expect(r.json.entry.map((e: any) => e.request)).toEqual([
      { method: "DELETE", url: "Patient/h-1" },
      { method: "PUT", url: "Patient/h-1" },
      { method: "POST", url: "Patient/" },
    ]);
    expect(r.json.entry.map((e: any) => e.response.status)).toEqual([
      "204 NoContent",
      "200 OK",
      "201 Created",
    ]);
  });

  it("/{Type}/_history includes every version of that type only", async () => {
    const r = await call(emu, "GET", "/Patient/_history");
    expect(r.json.entry).toHaveLength(3);
    expect(r.json.entry.every((e: any) => e.resource.resourceType === "Patient")).toBe(true);
  });

  it("/_history at system level includes all types", async () => {
    const r = await call(emu, "GET", "/_history");
    expect(
      r.json.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.meta.versionId}`),
    ).toEqual(["Observation/1", "Patient/3", "Patient/2", "Patient/1"]);
  });

  it("_sort=_lastUpdated orders history oldest first", async () => {
    const r = await call(emu, "GET", "/_history?_sort=_lastUpdated&_count=1");
    expect(r.json.entry[0].resource.meta.lastUpdated).toBe("2024-01-01T00:00:00+00:00");
  });

  it("_since (inclusive) and _before (exclusive) bound a history count", async () => {
    const r = await call(
      emu,
      "GET",
      "/_history?_summary=count&_since=2024-01-01T01:00:00.000Z&_before=2024-01-01T03:00:00.000Z",
    );
    expect(r.json).toMatchObject({ type: "history", total: 2 });
  });

  it("_before in the future is 400", async () => {
    const r = await call(emu, "GET", "/_history?_before=2100-01-01");
    expect(r.status).toBe(400);
    expect(diagnostics(r)).toBe("Parameter _before cannot a be a value in the future.");
  });

  it("history of an unknown resource is 404", async () => {
    const r = await call(emu, "GET", "/Patient/unknown/_history");
    expect(r.status).toBe(404);
  });

  it("history pages follow next links with a ct token", async () => {
    const first = await call(emu, "GET", "/_history?_count=3");
    const next = first.json.link.find((l: any) => l.relation === "next").url as string;
    expect(new URL(next).searchParams.get("ct")).toBeTruthy();
    const second = await call(emu, "GET", next.slice(emu.baseUrl.length));
    expect(second.json.entry.map((e: any) => e.resource.meta.versionId)).toEqual(["1"]);
    expect(second.json.link.some((l: any) => l.relation === "next")).toBe(false);
  });
});
