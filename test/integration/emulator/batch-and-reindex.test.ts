import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FhirEmulator } from "../../../emulator";
import { call, diagnostics, manualClock, startEmulator, type ManualClock } from "./helpers";

const searchParameter = (id: string) => ({
  resource: {
    resourceType: "SearchParameter",
    id,
    url: `http://example.org/SearchParameter/${id}`,
    name: id,
    status: "active",
    code: id,
    base: ["Patient"],
    type: "token",
    expression: "Patient.id",
  },
  request: { method: "PUT", url: `SearchParameter/${id}` },
});

describe("emulator: batch", () => {
  let emu: FhirEmulator;
  let apiForFhir: FhirEmulator;
  beforeEach(async () => {
    emu = await startEmulator({ flavour: "ahds" });
    apiForFhir = await startEmulator({ flavour: "apiForFhir" });
  });
  afterEach(async () => {
    await emu.close();
    await apiForFhir.close();
  });

  it("runs PUT, POST, GET and DELETE entries and answers a batch-response with a bare status code per entry", async () => {
    const r = await call(apiForFhir, "POST", "/", {
      headers: { "Content-Type": "application/json" },
      body: {
        resourceType: "Bundle",
        type: "batch",
        entry: [
          searchParameter("race"),
          { resource: { resourceType: "Patient" }, request: { method: "POST", url: "Patient" } },
          { request: { method: "GET", url: "SearchParameter/race" } },
          { request: { method: "DELETE", url: "SearchParameter/race" } },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.json.type).toBe("batch-response");
    expect(r.json.entry.map((e: any) => e.response.status)).toEqual(["201", "201", "200", "204"]);
  });

  it("a bad entry gets a 4xx status with an OperationOutcome while the others succeed", async () => {
    const r = await call(apiForFhir, "POST", "/", {
      body: {
        resourceType: "Bundle",
        type: "batch",
        entry: [
          {
            resource: { resourceType: "Observation", id: "x" },
            request: { method: "PUT", url: "Patient/x" },
          },
          searchParameter("ok"),
        ],
      },
    });
    expect(r.json.entry[0].response.status).toBe("400");
    expect(r.json.entry[0].response.outcome.issue[0].diagnostics).toBe(
      "Resource type in the URL must match resourceType in the resource.",
    );
    expect(r.json.entry[1].response.status).toBe("201");
  });

  it("transaction bundles are 400 on Azure API for FHIR", async () => {
    const r = await call(apiForFhir, "POST", "/", {
      body: { resourceType: "Bundle", type: "transaction", entry: [searchParameter("t")] },
    });
    expect(r.status).toBe(400);
    expect(diagnostics(r)).toBe(
      "Bundles of type 'transaction' are not supported for this operation.",
    );
  });

  it("transaction bundles run on AHDS", async () => {
    const r = await call(emu, "POST", "/", {
      body: { resourceType: "Bundle", type: "transaction", entry: [searchParameter("t")] },
    });
    expect(r.json.type).toBe("transaction-response");
    expect(emu.store.read("SearchParameter", "t")).toBeDefined();
  });
});

describe("emulator: $reindex", () => {
  let emu: FhirEmulator;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = manualClock();
    emu = await startEmulator({ clock, latency: { reindexFixedMs: 60_000 } });
  });
  afterEach(async () => {
    await emu.close();
  });

  const start = () =>
    call(emu, "POST", "/$reindex", { body: { resourceType: "Parameters", parameter: [] } });
  const statusOf = (r: { json: any }) =>
    r.json.parameter.find((p: any) => p.name === "status").valueString;

  it("POST $reindex answers 201 with Content-Location {base}/_operations/reindex/{id}", async () => {
    const r = await start();
    expect(r.status).toBe(201);
    expect(r.headers.get("content-location")).toMatch(
      new RegExp(`^${emu.baseUrl}/_operations/reindex/\\d+$`),
    );
  });

  it("the job is running, then completed after its latency", async () => {
    const location = ((await start()).headers.get("content-location") ?? "").slice(
      emu.baseUrl.length,
    );
    const running = await call(emu, "GET", location);
    clock.advance(60_000);
    const done = await call(emu, "GET", location);
    expect([statusOf(running), statusOf(done)]).toEqual(["Running", "Completed"]);
  });

  it("DELETE cancels a running job", async () => {
    const location = ((await start()).headers.get("content-location") ?? "").slice(
      emu.baseUrl.length,
    );
    const del = await call(emu, "DELETE", location);
    expect(del.status).toBe(202);
    expect(statusOf(await call(emu, "GET", location))).toBe("Canceled");
  });

  it("a second POST while one is running answers 201 with the existing job", async () => {
    const first = await start();
    const second = await start();
    expect(second.status).toBe(201);
    expect(second.headers.get("content-location")).toBe(first.headers.get("content-location"));
    expect(second.json.id).toBe(first.json.id);
  });

  it("a POST after the running job completed creates a new job", async () => {
    const first = await start();
    clock.advance(60_000);
    const second = await start();
    expect(second.json.id).not.toBe(first.json.id);
  });
});
