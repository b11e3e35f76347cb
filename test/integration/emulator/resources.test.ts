import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, diagnostics, manualClock, startEmulator } from "./helpers";

describe("emulator: resource interactions", () => {
  let emu: FhirEmulator;
  let apiForFhir: FhirEmulator;
  const clock = manualClock();

  beforeAll(async () => {
    emu = await startEmulator({ flavour: "ahds", clock });
    apiForFhir = await startEmulator({ flavour: "apiForFhir" });
  });
  afterAll(async () => {
    await emu.close();
    await apiForFhir.close();
  });

  it("POST {Type} creates with a server-assigned id, version 1 and a Location", async () => {
    const r = await call(emu, "POST", "/Patient", {
      body: { resourceType: "Patient", id: "mine", active: true },
    });
    expect(r.status).toBe(201);
    expect(r.json.id).not.toBe("mine");
    expect(r.json.meta.versionId).toBe("1");
    expect(r.headers.get("location")).toBe(`${emu.baseUrl}/Patient/${r.json.id}/_history/1`);
    expect(r.headers.get("etag")).toBe('W/"1"');
  });

  it("PUT {Type}/{id} creates (201) and then adds a new version (200)", async () => {
    const first = await call(emu, "PUT", "/Patient/put-1", {
      body: { resourceType: "Patient", id: "put-1" },
    });
    const second = await call(emu, "PUT", "/Patient/put-1", {
      body: { resourceType: "Patient", id: "put-1", active: false },
    });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json.meta.versionId).toBe("2");
  });

  it("GET {Type}/{id} reads the current version with its meta", async () => {
    await call(emu, "PUT", "/Patient/read-1", {
      body: { resourceType: "Patient", id: "read-1", gender: "male" },
    });
    await call(emu, "PUT", "/Patient/read-1", {
      body: { resourceType: "Patient", id: "read-1", gender: "female" },
    });
    const r = await call(emu, "GET", "/Patient/read-1");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ gender: "female", meta: { versionId: "2" } });
  });

  it("GET of an unknown resource is 404 with the server's text", async () => {
    const r = await call(emu, "GET", "/Patient/nope");
    expect(r.status).toBe(404);
    expect(diagnostics(r)).toBe("Resource type 'Patient' with id 'nope' couldn't be found.");
  });

  it("DELETE soft-deletes (204) and a later GET is 410 Gone", async () => {
    await call(emu, "PUT", "/Patient/del-1", { body: { resourceType: "Patient", id: "del-1" } });
    const del = await call(emu, "DELETE", "/Patient/del-1");
    const read = await call(emu, "GET", "/Patient/del-1");
    expect(del.status).toBe(204);
    expect(read.status).toBe(410);
    expect(emu.store.history("Patient", "del-1").map((v) => v.deleted)).toEqual([false, true]);
  });

  it("vread returns an older version by id", async () => {
    await call(emu, "PUT", "/Patient/vr-1", {
      body: { resourceType: "Patient", id: "vr-1", gender: "male" },
    });
    await call(emu, "PUT", "/Patient/vr-1", {
      body: { resourceType: "Patient", id: "vr-1", gender: "other" },
    });
    const r = await call(emu, "GET", "/Patient/vr-1/_history/1");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ gender: "male", meta: { versionId: "1" } });
  });

  it("vread of a deleted version is 410 and of an unknown version 404", async () => {
    await call(emu, "PUT", "/Patient/vr-2", { body: { resourceType: "Patient", id: "vr-2" } });
    await call(emu, "DELETE", "/Patient/vr-2");
    expect((await call(emu, "GET", "/Patient/vr-2/_history/2")).status).toBe(410);
    const unknown = await call(emu, "GET", "/Patient/vr-2/_history/9");
    expect(unknown.status).toBe(404);
    expect(diagnostics(unknown)).toBe(
      "Resource type 'Patient' with id 'vr-2' and version '9' couldn't be found.",
    );
  });

  it("PUT with an id different from the URL is 400", async () => {
    const r = await call(emu, "PUT", "/Patient/a", { body: { resourceType: "Patient", id: "b" } });
    expect(r.status).toBe(400);
    expect(diagnostics(r)).toBe("Id in the URL must match id in the resource.");
  });

  it("a resourceType different from the URL type is 400", async () => {
    const r = await call(emu, "POST", "/Patient", { body: { resourceType: "Observation" } });
    expect(r.status).toBe(400);
    expect(diagnostics(r)).toBe(
      "Resource type in the URL must match resourceType in the resource.",
    );
  });

  it("an unknown resource type matches no route: 404", async () => {
    const r = await call(emu, "GET", "/Patinet/1");
    expect(r.status).toBe(404);
    expect(diagnostics(r)).toBe("The requested route was not found.");
  });

  it("lastUpdated is strictly increasing across the server even when the clock stands still", async () => {
    const a = emu.store.update({ resourceType: "Observation", id: "t-1" });
    const b = emu.store.update({ resourceType: "Patient", id: "t-2" });
    expect(b.lastUpdatedMs).toBeGreaterThan(a.lastUpdatedMs);
    expect(a.lastUpdated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
  });

  it("keeps decimals exactly as received (no round trip through doubles)", async () => {
    const body =
      '{"resourceType":"Observation","id":"dec-1","valueQuantity":{"value":3.14159265358979323}}';
    await call(apiForFhir, "PUT", "/Observation/dec-1", { body });
    const r = await call(apiForFhir, "GET", "/Observation/dec-1");
    expect(r.text).toContain('"value":3.14159265358979323}');
  });

  // The write's merge throws while SqlClient writes the index rows (emulator/decimal.ts);
  // OperationOutcomeExceptionFilterAttribute.cs maps OverflowException to 400 "too-long" with its
  // message and an exception it does not know (SqlTruncateException) to 500 with no diagnostics.
  it("AHDS refuses an indexed quantity from 1e18 up to 1e20 with 500 and no diagnostics", async () => {
    const body =
      '{"resourceType":"Observation","id":"dec-2","valueQuantity":{"value":1000000000000000000.5}}';
    const r = await call(emu, "PUT", "/Observation/dec-2", { body });
    expect(r.status).toBe(500);
    expect(diagnostics(r)).toBe("");
  });

  it("AHDS refuses an indexed quantity of 1e20 or more with 400 'Arithmetic Overflow.'", async () => {
    const body = '{"resourceType":"Observation","id":"dec-4","valueQuantity":{"value":1e20}}';
    const r = await call(emu, "PUT", "/Observation/dec-4", { body });
    expect(r.status).toBe(400);
    expect(r.json.issue[0]).toMatchObject({
      code: "too-long",
      diagnostics: "Arithmetic Overflow.",
    });
  });

  it("AHDS accepts extra fraction digits in an indexed quantity (rounded in the index)", async () => {
    const body =
      '{"resourceType":"Observation","id":"dec-3","valueQuantity":{"value":1.2345678901234567890123}}';
    const r = await call(emu, "PUT", "/Observation/dec-3", { body });
    expect(r.status).toBe(201);
  });

  it("the store seeds resources that HTTP then serves, and lists every version", async () => {
    const seeded = emu.store.create({ resourceType: "Patient", id: "seed-1" });
    emu.store.update({ resourceType: "Patient", id: "seed-1", active: true });
    const r = await call(emu, "GET", "/Patient/seed-1");
    expect(r.json.meta.versionId).toBe("2");
    const versions = emu.store.allVersions().filter((v) => v.id === "seed-1");
    expect(versions.map((v) => v.versionId)).toEqual(["1", "2"]);
    expect(seeded.method).toBe("POST");
  });

  it("hardDelete removes every version from reads, search and history", async () => {
    emu.store.update({ resourceType: "Patient", id: "hard-1" });
    emu.store.update({ resourceType: "Patient", id: "hard-1", active: true });
    expect(emu.store.hardDelete("Patient", "hard-1")).toBe(true);
    expect((await call(emu, "GET", "/Patient/hard-1")).status).toBe(404);
    expect((await call(emu, "GET", "/Patient?_id=hard-1&_summary=count")).json.total).toBe(0);
    expect(emu.store.allVersions().some((v) => v.id === "hard-1")).toBe(false);
  });

  it("holds 50,000 resources with history", async () => {
    const big = await startEmulator({ flavour: "ahds", clock: manualClock() });
    try {
      for (let i = 0; i < 50_000; i++) {
        big.store.update({ resourceType: "Observation", id: `o-${i}`, status: "preliminary" });
        big.store.update({ resourceType: "Observation", id: `o-${i}`, status: "final" });
      }
      const current = await call(big, "GET", "/Observation?_summary=count");
      const history = await call(big, "GET", "/Observation/_history?_summary=count");
      expect([current.json.total, history.json.total]).toEqual([50_000, 100_000]);
    } finally {
      await big.close();
    }
  });
});
