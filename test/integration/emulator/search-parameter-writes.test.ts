import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FhirEmulator, Flavour } from "../../../emulator";
import { call, diagnostics, manualClock, startEmulator, type ManualClock } from "./helpers";

const custom = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: "SearchParameter",
  id,
  url: `http://example.org/SearchParameter/${id}`,
  name: id,
  status: "active",
  code: id,
  base: ["Patient"],
  type: "token",
  expression: "Patient.id",
  ...extra,
});

const batchOf = (entries: object[]) => ({
  body: { resourceType: "Bundle", type: "batch", entry: entries },
});
const put = (resource: { resourceType: string; id: string }) => ({
  resource,
  request: { method: "PUT", url: `${resource.resourceType}/${resource.id}` },
});

describe.each(["apiForFhir", "ahds"] as Flavour[])(
  "emulator (%s): SearchParameter writes",
  (flavour) => {
    let emu: FhirEmulator;
    let clock: ManualClock;
    beforeEach(async () => {
      clock = manualClock();
      emu = await startEmulator({ flavour, clock, latency: { reindexFixedMs: 60_000 } });
    });
    afterEach(async () => {
      await emu.close();
    });

    const reindex = () =>
      call(emu, "POST", "/$reindex", { body: { resourceType: "Parameters", parameter: [] } });

    it("a write while a reindex job runs is 409 with the job's id, and succeeds after it ends", async () => {
      const job = await reindex();
      const during = await call(emu, "PUT", "/SearchParameter/a", { body: custom("a") });
      expect(during.status).toBe(409);
      expect(diagnostics(during)).toBe(
        `Changes to search parameters are not allowed while a reindex job is in progress. Wait for the reindex job with Id: ${job.json.id} to finish, or cancel it.`,
      );
      expect(emu.store.read("SearchParameter", "a")).toBeUndefined();
      clock.advance(60_000);
      expect((await call(emu, "PUT", "/SearchParameter/a", { body: custom("a") })).status).toBe(
        201,
      );
    });

    it("a POST and a DELETE while a reindex job runs are 409 too; other resources are not held", async () => {
      emu.store.update(custom("d"));
      await reindex();
      expect((await call(emu, "POST", "/SearchParameter", { body: custom("p") })).status).toBe(409);
      expect((await call(emu, "DELETE", "/SearchParameter/d")).status).toBe(409);
      const patient = { resourceType: "Patient", id: "x" };
      expect((await call(emu, "PUT", "/Patient/x", { body: patient })).status).toBe(201);
    });

    it("a PUT of a system-defined url is 405", async () => {
      const url = "http://hl7.org/fhir/SearchParameter/individual-gender";
      const r = await call(emu, "PUT", "/SearchParameter/g", { body: custom("g", { url }) });
      expect(r.status).toBe(405);
      expect(diagnostics(r)).toBe(
        `The search parameter with Uri '${url}' is defined by the FHIR specification and cannot be updated or deleted. Custom search parameters must use a different URL.`,
      );
    });

    it("a code the specification already uses for the base type with another type is 400", async () => {
      const r = await call(emu, "PUT", "/SearchParameter/c", {
        body: custom("c", { code: "gender", type: "string", expression: "Patient.gender" }),
      });
      expect(r.status).toBe(400);
      expect(diagnostics(r)).toBe(
        "A search parameter with the same code value 'gender' already exists for base type 'Patient'.",
      );
    });

    it("a code another custom parameter uses with another expression is 400; the same definition is accepted", async () => {
      emu.store.update(custom("one", { code: "shared" }));
      const clash = await call(emu, "PUT", "/SearchParameter/two", {
        body: custom("two", { code: "shared", expression: "Patient.active" }),
      });
      expect(clash.status).toBe(400);
      const same = await call(emu, "PUT", "/SearchParameter/three", {
        body: custom("three", { code: "shared" }),
      });
      expect(same.status).toBe(201);
    });

    it("a url another resource owns is 400", async () => {
      emu.store.update(custom("owner"));
      const r = await call(emu, "PUT", "/SearchParameter/other", {
        body: custom("other", { url: "http://example.org/SearchParameter/owner", code: "owner" }),
      });
      expect(r.status).toBe(400);
      expect(diagnostics(r)).toBe(
        "A search parameter with the same definition URL 'http://example.org/SearchParameter/owner' already exists.",
      );
    });

    it("in a batch, refused parameters answer their own status and the others are stored", async () => {
      await reindex();
      clock.advance(60_000);
      const r = await call(
        emu,
        "POST",
        "/",
        batchOf([
          put(custom("ok")),
          put(custom("sys", { url: "http://hl7.org/fhir/SearchParameter/Resource-id" })),
        ]),
      );
      expect(r.json.entry.map((e: any) => e.response.status)).toEqual(["201", "405"]);
    });
  },
);

describe("emulator: PUT with unchanged content", () => {
  let sql: FhirEmulator;
  let cosmos: FhirEmulator;
  beforeEach(async () => {
    sql = await startEmulator({ flavour: "ahds" });
    cosmos = await startEmulator({ flavour: "apiForFhir" });
  });
  afterEach(async () => {
    await sql.close();
    await cosmos.close();
  });

  const patient = { resourceType: "Patient", id: "p", gender: "male" };

  it("SQL: returns the existing version and stores no new one", async () => {
    await call(sql, "PUT", "/Patient/p", { body: patient });
    const again = await call(sql, "PUT", "/Patient/p", { body: patient });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe('W/"1"');
    expect(sql.store.history("Patient", "p")).toHaveLength(1);
  });

  it("SQL: meta.versionId and meta.lastUpdated in the body do not count as changes", async () => {
    const first = await call(sql, "PUT", "/Patient/p", { body: patient });
    const again = await call(sql, "PUT", "/Patient/p", {
      body: { ...patient, meta: { versionId: "7", lastUpdated: "2020-01-01T00:00:00Z" } },
    });
    expect(again.json.meta).toEqual(first.json.meta);
    expect(sql.store.history("Patient", "p")).toHaveLength(1);
  });

  it("SQL: a changed element makes a new version", async () => {
    await call(sql, "PUT", "/Patient/p", { body: patient });
    await call(sql, "PUT", "/Patient/p", { body: { ...patient, gender: "female" } });
    expect(sql.store.history("Patient", "p")).toHaveLength(2);
  });

  // CosmosFhirDataStore.cs ("update with no impact"); E2E UpdateTests.
  // GivenTheResource_WhenUpdatingAnExistingResourceWithNoDataChange_ThenServerShouldNotCreateAVersionAndSendOk
  // runs on DataStore.All.
  it("Cosmos: an unchanged PUT returns the existing version too, and stores no new one", async () => {
    await call(cosmos, "PUT", "/Patient/p", { body: patient });
    const again = await call(cosmos, "PUT", "/Patient/p", {
      body: { ...patient, meta: { versionId: "7", lastUpdated: "2020-01-01T00:00:00Z" } },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).toBe('W/"1"');
    expect(cosmos.store.history("Patient", "p")).toHaveLength(1);
  });

  it("Cosmos: a changed element makes a new version", async () => {
    await call(cosmos, "PUT", "/Patient/p", { body: patient });
    await call(cosmos, "PUT", "/Patient/p", { body: { ...patient, gender: "female" } });
    expect(cosmos.store.history("Patient", "p")).toHaveLength(2);
  });
});

describe("emulator: batch execution", () => {
  let emu: FhirEmulator;
  beforeEach(async () => {
    emu = await startEmulator({ flavour: "apiForFhir" });
  });
  afterEach(async () => {
    await emu.close();
  });

  it("runs DELETE before POST before PUT before GET, answering in request order", async () => {
    emu.store.update({ resourceType: "Patient", id: "p", active: true });
    const r = await call(
      emu,
      "POST",
      "/",
      batchOf([
        { request: { method: "GET", url: "Patient/p" } },
        put({ resourceType: "Patient", id: "p" }),
        { request: { method: "DELETE", url: "Patient/p" } },
      ]),
    );
    // DELETE ran first, so the PUT re-created the resource (201) and the GET saw it.
    expect(r.json.entry.map((e: any) => e.response.status)).toEqual(["200", "201", "204"]);
  });

  it("a throttled entry answers 429 and so does every entry executed after it", async () => {
    emu.faults.add({ kind: "batch-entry-throttled", entry: 1 });
    const r = await call(
      emu,
      "POST",
      "/",
      batchOf([0, 1, 2, 3].map((i) => put({ resourceType: "Patient", id: `p-${i}` }))),
    );
    expect(r.status).toBe(200);
    expect(r.json.entry.map((e: any) => e.response.status)).toEqual(["201", "429", "429", "429"]);
    expect(r.json.entry[2].response.outcome.issue[0].code).toBe("throttled");
    expect(emu.store.read("Patient", "p-0")).toBeDefined();
    expect(emu.store.read("Patient", "p-2")).toBeUndefined();
  });
});
