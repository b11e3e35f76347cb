/**
 * The FHIR client against the project's emulator (a strict stand-in for the Microsoft server):
 * headers, queries and bodies must be accepted as the real server would, and injected faults
 * must be survived (or not retried, for the $export kick-off).
 */
import type { AccessToken } from "@azure/identity";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { Settings } from "../../../src/config/settings";
import { FhirOperationError } from "../../../src/errors";
import type { FhirClientDeps } from "../../../src/fhir/client";
import { createFhirClient } from "../../../src/fhir/client";
import { isOutcomeUnknown } from "../../../src/fhir/http";
import type {
  Bundle,
  ExportManifest,
  FhirClient,
  ImportParameters,
  ImportResult,
} from "../../../src/fhir/types";
import type { FhirEmulator, Flavour } from "../../../emulator";
import { startFhirEmulator } from "../../../emulator";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-03-05T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const http: Settings["http"] = {
  userAgent: "fhir-migrate-integration",
  timeoutMs: 10_000,
  retry: { maxRetries: 3, firstDelayMs: 100, maxDelayMs: 1_000, budgetMs: 60_000 },
};

let now = T0;
const clock = { now: () => now };
const emulators: FhirEmulator[] = [];

async function emulator(flavour: Flavour, bearerToken?: string): Promise<FhirEmulator> {
  const emu = await startFhirEmulator({
    flavour,
    storageConnectionString: inject("azuriteConnectionString"),
    storageBlobEndpoint: inject("azuriteBlobEndpoint"),
    clock,
    ...(bearerToken === undefined ? {} : { bearerToken }),
  });
  emulators.push(emu);
  return emu;
}

function clientOf(emu: FhirEmulator, deps: FhirClientDeps = {}) {
  const sleeps: number[] = [];
  const client = createFhirClient({ baseUrl: emu.baseUrl, auth: { kind: "none" } }, http, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...deps,
  });
  return { client, sleeps };
}

beforeEach(() => {
  now = T0;
});
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/** Patient p-1 (v1 at T0, v2 at +1h), p-2 (v1 at +2h, deleted at +3h), Observation o-1 (+4h). */
function seed(emu: FhirEmulator): void {
  emu.store.update({ resourceType: "Patient", id: "p-1", gender: "male" });
  now += HOUR;
  emu.store.update({ resourceType: "Patient", id: "p-1", gender: "female" });
  now += HOUR;
  emu.store.update({ resourceType: "Patient", id: "p-2" });
  now += HOUR;
  emu.store.softDelete("Patient", "p-2");
  now += HOUR;
  emu.store.update({ resourceType: "Observation", id: "o-1", status: "final" });
  now += HOUR;
}

async function completedExport(client: FhirClient, statusUrl: string): Promise<ExportManifest> {
  for (let poll = 0; poll < 20; poll++) {
    const status = await client.exportStatus(statusUrl);
    if (status.state === "completed") return status.manifest;
    now += 20_000;
  }
  throw new Error("export did not complete");
}

async function completedImport(client: FhirClient, statusUrl: string): Promise<ImportResult> {
  for (let poll = 0; poll < 20; poll++) {
    const status = await client.importStatus(statusUrl);
    if (status.state === "completed") return status.result;
    now += 20_000;
  }
  throw new Error("import did not complete");
}

function importBody(manifest: ExportManifest): ImportParameters {
  return {
    resourceType: "Parameters",
    parameter: [
      { name: "inputFormat", valueString: "application/fhir+ndjson" },
      { name: "mode", valueString: "IncrementalLoad" },
      ...manifest.output.map((file) => ({
        name: "input",
        part: [
          { name: "type", valueString: file.type },
          { name: "url", valueUri: file.url },
        ],
      })),
    ],
  };
}

describe("FHIR client against the emulator", () => {
  it("copies a window with history and deletes from source to destination", async () => {
    const source = await emulator("apiForFhir");
    const destination = await emulator("ahds");
    seed(source);
    const src = clientOf(source).client;
    const dst = clientOf(destination).client;

    await expect(src.oldestLastUpdated(true)).resolves.toBe(iso(T0));
    await expect(src.oldestLastUpdated(false)).resolves.toBe(iso(T0 + HOUR));
    await expect(src.count({ type: "Patient" })).resolves.toBe(1);
    await expect(
      src.count({ history: true, since: iso(T0), till: iso(T0 + 5 * HOUR) }),
    ).resolves.toBe(5);

    const { statusUrl } = await src.exportKickOff({
      isParallel: false,
      includeHistory: true,
      includeDeleted: true,
      since: iso(T0),
      till: iso(T0 + 5 * HOUR),
    });
    expect(statusUrl).toMatch(new RegExp(`^${source.baseUrl}/_operations/export/\\d+$`));
    const manifest = await completedExport(src, statusUrl);
    const exported = manifest.output.reduce((sum, f) => sum + (f.count ?? 0), 0);
    expect(exported).toBe(5);

    const job = await dst.importKickOff(importBody(manifest));
    // Import registration is idempotent: the same body gives the same job (docs/server-behaviour.md §3.6).
    await expect(dst.importKickOff(importBody(manifest))).resolves.toEqual(job);
    const result = await completedImport(dst, job.statusUrl);
    expect(result.error).toEqual([]);
    expect(result.output.reduce((sum, e) => sum + e.count, 0)).toBe(5);

    await expect(dst.count({ history: true })).resolves.toBe(5);
    await expect(dst.count({ type: "Patient" })).resolves.toBe(1);
    await expect(dst.vread("Patient", "p-2", "2")).resolves.toEqual({ found: true, deleted: true });
    await expect(dst.read("Patient", "p-1")).resolves.toMatchObject({ gender: "female" });
  });

  it("pages through a search by following next links", async () => {
    const emu = await emulator("ahds");
    for (let i = 1; i <= 5; i++) {
      emu.store.update({ resourceType: "Patient", id: `p-${i}` });
      now += 1000;
    }
    const { client } = clientOf(emu);
    const pages: Bundle[] = [];
    for await (const page of client.searchPages("Patient?_count=2")) pages.push(page);
    expect(pages).toHaveLength(3);
    const ids = pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource?.id));
    expect(ids.sort()).toEqual(["p-1", "p-2", "p-3", "p-4", "p-5"]);
  });

  it("survives a 429 with Retry-After", async () => {
    const emu = await emulator("ahds");
    emu.faults.add({ operation: "count", kind: "status", status: 429, retryAfterSeconds: 3 });
    const { client, sleeps } = clientOf(emu);
    await expect(client.count({ type: "Patient" })).resolves.toBe(0);
    expect(sleeps).toEqual([3_000]);
  });

  it("survives a connection reset", async () => {
    const emu = await emulator("ahds");
    emu.faults.add({ operation: "count", kind: "reset" });
    const { client } = clientOf(emu);
    await expect(client.count({ type: "Patient" })).resolves.toBe(0);
    expect(emu.stats.requests("count")).toBe(2);
  });

  it("survives a timeout", async () => {
    const emu = await emulator("ahds");
    emu.faults.add({ operation: "count", kind: "delay", ms: 1_000 });
    const client = createFhirClient(
      { baseUrl: emu.baseUrl, auth: { kind: "none" } },
      { ...http, timeoutMs: 200 },
      { sleep: async () => undefined },
    );
    await expect(client.count({ type: "Patient" })).resolves.toBe(0);
  });

  it("survives one 401 by fetching a fresh token", async () => {
    const emu = await emulator("ahds", "emulator-token");
    emu.faults.add({ operation: "count", kind: "unauthorized" });
    let issued = 0;
    const credential = {
      async getToken(): Promise<AccessToken> {
        issued++;
        return { token: "emulator-token", expiresOnTimestamp: Date.now() + HOUR };
      },
    };
    const { client } = clientOf(emu, { credential });
    await expect(client.count({ type: "Patient" })).resolves.toBe(0);
    expect(issued).toBe(2);
  });

  it("does not retry an export kick-off whose connection was reset", async () => {
    const emu = await emulator("ahds");
    emu.faults.add({ operation: "export-kickoff", kind: "reset" });
    const { client } = clientOf(emu);
    const promise = client.exportKickOff({});
    await expect(promise).rejects.toSatisfy(isOutcomeUnknown);
    expect(emu.stats.requests("export-kickoff")).toBe(1);
  });

  it("reports a failed export job with the server's reason, without retrying the poll", async () => {
    const emu = await emulator("ahds");
    seed(emu);
    emu.faults.add({ kind: "export-job-fails", statusCode: 500, reason: "Unknown Error." });
    const { client } = clientOf(emu);
    const { statusUrl } = await client.exportKickOff({});
    now += HOUR;
    const promise = client.exportStatus(statusUrl);
    await expect(promise).rejects.toThrow(FhirOperationError);
    await expect(promise).rejects.toThrow(/export operation failed for reason: Unknown Error\./);
    await expect(promise).rejects.toMatchObject({ status: 500 });
    expect(emu.stats.requests("export-status")).toBe(1);
  });

  it("reports an export parameter the server rejects", async () => {
    const emu = await emulator("ahds");
    const { client } = clientOf(emu);
    await expect(client.exportKickOff({ container: "a/../b" })).rejects.toThrow(
      /export kick-off: GET .* failed with HTTP 400: .*Path traversal characters are not allowed/,
    );
  });
});
