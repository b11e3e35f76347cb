/**
 * check-config through the real entry point, spawned the way a user runs it (from the sources);
 * the in-process cases are in test/unit/cli/checkConfig.test.ts.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SECRET, VALID_VALUES, settingsFolder } from "../../unit/cli/cliHarness";

const BIN = resolve(__dirname, "../../../bin/fhir-migrate.js");
const folder = settingsFolder();

/** Spawns the real entry point, the way a user runs it, from the sources. */
async function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, FHIR_MIGRATE_FROM_SOURCE: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("fhir-migrate check-config (spawned)", () => {
  it("exits 2 with one error naming each bad setting", async () => {
    const file = await folder.file("bad.json", {
      ...VALID_VALUES,
      AZURE_PayloadCount: "9",
      AZURE_ExportChunkDuration: "Weeks",
      AZURE_ImportMode: "InitialLoad",
    });
    const run = await spawnCli(["check-config", "--settings", file]);
    expect({ code: run.code, errors: run.stderr.match(/^Invalid settings \(\d+\)/gm) }).toEqual({
      code: 2,
      errors: ["Invalid settings (3)"],
    });
    for (const name of ["AZURE_PayloadCount", "AZURE_ExportChunkDuration", "AZURE_ImportMode"]) {
      expect(run.stderr).toContain(`  - ${name}: received`);
    }
  });

  it("exits 0 for valid settings and masks the secrets", async () => {
    const file = await folder.file("valid.json", {
      ...VALID_VALUES,
      AZURE_ClientCredential: "true",
      AZURE_TenantId: "contoso.onmicrosoft.com",
      AZURE_ClientId: "11111111-2222-3333-4444-555555555555",
      AZURE_ClientSecret: SECRET,
    });
    const run = await spawnCli(["check-config", "--settings", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/AZURE_ClientSecret\s+\*\*\* \(set, hidden\)\s+set/);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });
});
