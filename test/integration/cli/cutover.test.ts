/**
 * `fhir-migrate cutover` in-process (main with only this command registered), against Azurite and
 * two emulators: GO exits 0 with the verdict printed, the same freeze again answers the stored GO,
 * and --cancel returns the migration to its steady mode.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { main } from "../../../src/cli/main";
import * as cutoverCommand from "../../../src/cli/commands/cutover";
import type { CliRuntime } from "../../../src/cli/runtime";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { startLocalEnvironment } from "../../../emulator/harness/localEnvironment";

let environment: LocalEnvironment;
const tables = {
  AZURE_ChunkTableName: `clicutchunk${Date.now().toString(36)}`,
  AZURE_ExportTableName: `clicutexport${Date.now().toString(36)}`,
};

beforeAll(async () => {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    latency: { exportFixedMs: 20, importFixedMs: 20 },
  });
  for (let i = 0; i < 5; i++) {
    environment.source.store.create({ resourceType: "Patient", id: `p-${i}`, active: true });
  }
  await new Promise((r) => setTimeout(r, 5));
});

afterAll(async () => {
  await environment?.stop();
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: environment.env(tables),
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  const code = await main(args, runtime, [cutoverCommand]);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("fhir-migrate cutover", () => {
  let freeze = "";

  it("copies everything up to the freeze, prints GO with the window and exits 0", async () => {
    freeze = new Date().toISOString();
    const run = await cli(["cutover", "--freeze", freeze]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`Cutover for the freeze at ${freeze}: GO`);
    expect(run.stdout).toMatch(/^cutover window \(freeze to verdict\): \d+ s$/m);
    expect(run.stdout).toContain("5 versions compared, 5 equal");
  });

  it("answers the stored GO for the same freeze, as JSON with --json", async () => {
    const run = await cli(["--json", "cutover", "--freeze", freeze]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      cutover: { phase: "GO", attempts: 1 },
    });
  });

  it("refuses a freeze in the future in one line, exit 1", async () => {
    const run = await cli(["cutover", "--freeze", "2999-01-01T00:00:00Z"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is in the future");
    expect(run.stderr).not.toContain("unexpected error");
  });

  it("cancels after the verdict", async () => {
    const run = await cli(["cutover", "--cancel"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(": cancelled");
  });
});
