import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./cliHarness";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Settings that name no storage (so `run` would start an Azurite) and one bad value. */
const BAD = {
  AZURE_SourceUri: "https://source.azurehealthcareapis.com",
  AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
  AZURE_PayloadCount: "lots",
};

describe.each(["run", "lift-and-shift"])("fhir-migrate %s with bad settings", (command) => {
  it("exits 2 naming the setting, before starting an Azurite or writing a state folder", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "fm-run-"));
    dirs.push(cwd);
    const result = await runCli([command, "--state-dir", "state"], { env: BAD, cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/AZURE_PayloadCount/);
    expect(result.stderr).not.toMatch(/Azurite/);
    expect(existsSync(join(cwd, "state"))).toBe(false);
  });
});

describe("fhir-migrate run with AZURE_StartDate in the future", () => {
  it.each<Record<string, string>>([
    {},
    { AZURE_SpecificRun: "true", AZURE_EndDate: "2999-06-01T00:00:00Z" },
  ])("exits 2 naming it, before starting an Azurite (%j)", async (extra) => {
    const cwd = mkdtempSync(join(tmpdir(), "fm-run-"));
    dirs.push(cwd);
    const result = await runCli(["run", "--state-dir", "state"], {
      env: { ...BAD, AZURE_PayloadCount: "5", AZURE_StartDate: "2999-01-01", ...extra },
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /AZURE_StartDate: received "2999-01-01"; expected an instant in the past/,
    );
    expect(existsSync(join(cwd, "state"))).toBe(false);
  });
});
