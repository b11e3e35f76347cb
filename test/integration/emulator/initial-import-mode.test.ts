import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import {
  call,
  EXPORT_HEADERS,
  IMPORT_HEADERS,
  importBody,
  manualClock,
  startEmulator,
  uniqueName,
  uploadNdjson,
} from "./helpers";

describe("emulator: initial import mode", () => {
  let emu: FhirEmulator;
  beforeEach(async () => {
    emu = await startEmulator({
      initialImportMode: true,
      clock: manualClock(),
      latency: { importFixedMs: 60_000 },
    });
  });
  afterEach(async () => {
    await emu.close();
  });

  it("writes get 423 with the lock body, which is not an OperationOutcome", async () => {
    const r = await call(emu, "PUT", "/Patient/a", { body: { resourceType: "Patient", id: "a" } });
    expect(r.status).toBe(423);
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(r.json).toEqual({
      severity: "Error",
      code: "Locked",
      diagnostics: "Service is locked for initial import mode.",
    });
  });

  it("batch posts are locked too", async () => {
    const r = await call(emu, "POST", "/", {
      body: { resourceType: "Bundle", type: "batch", entry: [] },
    });
    expect(r.status).toBe(423);
  });

  it("GET requests (search, export kick-off) are not locked", async () => {
    expect((await call(emu, "GET", "/Patient")).status).toBe(200);
    expect((await call(emu, "GET", "/$export", { headers: EXPORT_HEADERS })).status).toBe(202);
  });

  it("POST $import (InitialLoad is allowed now) and DELETE of an operation are not locked", async () => {
    const url = await uploadNdjson(uniqueName("init"), "Patient.ndjson", [
      '{"resourceType":"Patient","id":"a"}',
    ]);
    const body = importBody([{ type: "Patient", url }]) as any;
    body.parameter[1].valueString = "InitialLoad";
    const kick = await call(emu, "POST", "/$import", { headers: IMPORT_HEADERS, body });
    expect(kick.status).toBe(202);
    const del = await call(
      emu,
      "DELETE",
      (kick.headers.get("content-location") ?? "").slice(emu.baseUrl.length),
    );
    expect(del.status).toBe(202);
  });

  it("setInitialImportMode(false) unlocks writes", async () => {
    emu.setInitialImportMode(false);
    const r = await call(emu, "PUT", "/Patient/a", { body: { resourceType: "Patient", id: "a" } });
    expect(r.status).toBe(201);
  });
});
