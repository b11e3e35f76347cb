/**
 * `fhir-migrate verify` in-process (main with only this command registered), against Azurite and
 * two emulators holding an exact copy.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import * as verifyCommand from "../../../src/cli/commands/verify";
import type { VerificationReport } from "../../../src/verify/types";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment;
let n = 0;

beforeAll(async () => {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
  });
  for (let i = 0; i < 5; i++) {
    const v = environment.source.store.create({
      resourceType: "Patient",
      id: `p-${i}`,
      active: true,
    });
    environment.destination.store.insertVersion({
      resourceType: v.resourceType,
      id: v.id,
      version: v.version,
      lastUpdatedMs: v.lastUpdatedMs,
      deleted: v.deleted,
      writeMethod: v.writeMethod,
      text: v.text,
    });
  }
});

afterAll(async () => {
  await environment?.stop();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  n++;
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: environment.env({
      AZURE_ChunkTableName: `clichunk${n}${Date.now().toString(36)}`,
      AZURE_ExportTableName: `cliexport${n}${Date.now().toString(36)}`,
      ...env,
    }),
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  const code = await main(args, runtime, [verifyCommand]);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("fhir-migrate verify", () => {
  it("exits 0 and prints a table per check when everything passes", async () => {
    const run = await cli(["verify", "--seed", "cli1"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Surface check: PASS$/m);
    expect(run.stdout).toMatch(/^Deep check: PASS \(5 sampled/m);
    expect(run.stdout).toMatch(/^Hard-delete reconciliation: PASS$/m);
    expect(run.stdout).toMatch(/^ {2}Patient\s+search\s+5\s+5\s+0\s+Pass$/m);
  });

  it("prints the report as one JSON document with --json", async () => {
    const run = await cli(["--json", "verify", "--checks", "surface"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as VerificationReport;
    expect(report).toMatchObject({ verdict: "Pass", checks: ["surface"] });
  });

  it("exits 1 when a check fails", async () => {
    environment.destination.store.hardDelete("Patient", "p-4");
    try {
      const run = await cli(["verify", "--checks", "surface,deep"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/Patient\/p-4 Fail: v1 missing/);
      expect(run.stderr).toMatch(/did not pass: Fail/);
    } finally {
      const v = environment.source.store.read("Patient", "p-4")!;
      environment.destination.store.insertVersion({ ...v, resourceType: "Patient" });
    }
  });

  it("lists a hard delete but does not apply it with --no-apply-hard-deletes, whatever the setting says", async () => {
    const v = environment.source.store.read("Patient", "p-3")!;
    environment.source.store.hardDelete("Patient", "p-3");
    try {
      const run = await cli(["verify", "--checks", "reconcile", "--no-apply-hard-deletes"], {
        AZURE_ApplyHardDeletes: "true",
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/Patient\/p-3 hard deleted: the source has no version of it/);
      expect(environment.destination.store.read("Patient", "p-3")).toBeDefined();
    } finally {
      environment.source.store.insertVersion({ ...v, resourceType: "Patient" });
    }
  });

  it("adds the full check with --full", async () => {
    const run = await cli(["verify", "--checks", "surface", "--full"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Full check: PASS \(every version from /m);
  });

  it("exits 1 when --resume names a run that has no full check", async () => {
    const run = await cli(["verify", "--checks", "surface", "--resume", "vnothing-here"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no full check named vnothing-here to resume/);
  });

  it("exits 2 on a bad option, naming it and what is accepted", async () => {
    const run = await cli(["verify", "--deep-check-count", "many"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /deepCheckCount: received "many"; expected a whole number from 0 to 1000000/,
    );
  });

  it("exits 2 on bad settings", async () => {
    const run = await cli(["verify"], { AZURE_CheckConcurrency: "0" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/AZURE_CheckConcurrency/);
  });

  it("exits 2 when AZURE_SurfaceCheckResources names a type that is not R4", async () => {
    const run = await cli(["verify"], { AZURE_SurfaceCheckResources: "Patient,Patients" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/AZURE_SurfaceCheckResources.*not R4 types: Patients/);
  });
});
