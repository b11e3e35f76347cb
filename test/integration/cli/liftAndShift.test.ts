import { BlobServiceClient } from "@azure/storage-blob";
import { afterEach, describe, expect, inject, it } from "vitest";
import { liftAndShift } from "../../../src/cli/actions/liftAndShift";
import type { CliRuntime } from "../../../src/cli/runtime";
import { createFhirClient } from "../../../src/fhir/client";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { generateOperations } from "../../../emulator/harness/syntheticData";

let environment: LocalEnvironment | undefined;
let n = 0;

afterEach(async () => {
  await environment?.stop();
  environment = undefined;
});

async function seeded(resources: number) {
  let at: number | undefined;
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock: { now: () => at ?? Date.now() },
    latency: { exportFixedMs: 50, importFixedMs: 50 },
  });
  for (const op of generateOperations({
    resources,
    years: 4,
    seed: 11,
    endMs: Date.now() - 60_000,
  })) {
    at = op.at;
    if (op.kind === "create") environment.source.store.create(op.resource);
    else if (op.kind === "update") environment.source.store.update(op.resource);
    else environment.source.store.softDelete(op.resourceType, op.id);
  }
  at = undefined;
  return environment;
}

function runtimeFor(env: LocalEnvironment) {
  n++;
  const out: string[] = [];
  const runtime: CliRuntime = {
    env: env.env({
      AZURE_ChunkTableName: `lschunk${process.pid}x${n}`,
      AZURE_ExportTableName: `lsexport${process.pid}x${n}`,
    }),
    cwd: process.cwd(),
    stdout: (t) => void out.push(t),
    stderr: () => {},
  };
  return { runtime, out };
}

const options = { verify: true, stateDir: ".unused", partitionKey: "liftandshift" };

describe("fhir-migrate lift-and-shift", () => {
  it("copies everything with one system-level export and verifies the counts", async () => {
    const env = await seeded(200);
    const { runtime, out } = runtimeFor(env);
    await liftAndShift(options, true, runtime);
    const report = JSON.parse(out.join("")) as { ok: boolean; verification: { passed: boolean } };
    expect(report.ok).toBe(true);
    expect(report.verification.passed).toBe(true);
    expect(env.source.stats.requests("export-kickoff")).toBe(1);
    const settings = settingsFor(runtime.env);
    const { problems } = await compareAllVersions(
      createFhirClient(settings.source, settings.http),
      createFhirClient(settings.destination, settings.http),
    );
    expect(problems).toEqual([]);
  });

  it("exports only the listed types, one export each", async () => {
    const env = await seeded(120);
    const { runtime, out } = runtimeFor(env);
    await liftAndShift(
      { ...options, verify: false, type: ["Patient", "Observation"] },
      true,
      runtime,
    );
    expect(JSON.parse(out.join("")).ok).toBe(true);
    expect(env.source.stats.requests("export-kickoff")).toBe(2);
    expect(env.destination.store.count("Encounter")).toBe(0);
    expect(env.destination.store.count("Patient")).toBe(env.source.store.count("Patient"));
  });

  it("exports into the container given with --container ($export _container)", async () => {
    const env = await seeded(20);
    const { runtime, out } = runtimeFor(env);
    const container = `ls-export-${process.pid}`;
    await liftAndShift({ ...options, verify: false, container }, true, runtime);
    expect(JSON.parse(out.join("")).ok).toBe(true);
    const blobs = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
    const names: string[] = [];
    for await (const b of blobs.getContainerClient(container).listBlobsFlat()) names.push(b.name);
    expect(names.some((name) => name.endsWith(".ndjson"))).toBe(true);
  });

  it("refuses a --container the server would refuse (a percent-encoded '..'), before any export", async () => {
    const env = await seeded(1);
    const { runtime } = runtimeFor(env);
    await expect(
      liftAndShift({ ...options, container: "..%2fother" }, true, runtime),
    ).rejects.toThrow(
      /--container "\.\.%2fother": expected a container name without a "\.\." path segment/,
    );
    expect(env.source.stats.requests("export-kickoff")).toBe(0);
  });

  it("rejects a type $import cannot take, naming it", async () => {
    const env = await seeded(1);
    const { runtime } = runtimeFor(env);
    await expect(
      liftAndShift({ ...options, type: ["SearchParameter"] }, true, runtime),
    ).rejects.toThrow(/--type: SearchParameter/);
  });
});
