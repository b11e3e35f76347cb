import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../../src/config/catalog";
import { checkConfig, describePause } from "../../../src/cli/actions/checkConfig";
import { SECRET, VALID_VALUES, runCli, settingsFolder } from "./cliHarness";

const folder = settingsFolder();

describe("fhir-migrate check-config", () => {
  it("reads the environment when no settings file is given", async () => {
    const run = await runCli(["check-config"], { env: { ...VALID_VALUES } });
    expect(run.stdout).toMatch(/^Settings from the environment:/);
  });

  it("lists every catalog setting", async () => {
    const run = await runCli(["check-config"], { env: { ...VALID_VALUES } });
    const missing = SETTINGS.filter((s) => !new RegExp(`^  ${s.name} `, "m").test(run.stdout));
    expect(missing.map((s) => s.name)).toEqual([]);
  });

  it("marks given settings as set and the others as default", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_PayloadCount: "3" },
    });
    expect([
      /^ {2}AZURE_PayloadCount\s+"3"\s+set$/m.test(run.stdout),
      /^ {2}AZURE_FileCount\s+"10000"\s+default$/m.test(run.stdout),
    ]).toEqual([true, true]);
  });

  it("says which other name a setting was read from", async () => {
    const run = await runCli(["check-config"], { env: { ...VALID_VALUES, AZURE_StopDm: "true" } });
    expect(run.stdout).toMatch(/^ {2}AZURE_PauseDm\s+"true"\s+set \(as AZURE_StopDm\)$/m);
  });

  it("accepts the original tool's documented app settings, typed as written, beside the sample's defaults", async () => {
    const sample = JSON.parse(
      readFileSync(resolve(__dirname, "../../../local.settings.sample.json"), "utf8"),
    ) as { Values: Record<string, string> };
    // Each "Name: … / Value: …" block of the original tool's deployment guide, as written there.
    const documented = {
      AZURE_ExportWithHistory: "True",
      AZURE_ExportWithDelete: "False",
      AZURE_IsParallel: "True",
      AZURE_StopDm: "True",
      AZURE_StartTime: "9",
      AZURE_EndTime: "18",
      AZURE_ExportChunkDuration: '"Days"',
      AZURE_ExportChunkTime: "30",
      AZURE_ChunkLimit: "100000000",
      AZURE_MaxCount: "true",
      AZURE_MaxCountValue: "5000",
      AZURE_DeepCheckCount: "100",
    };
    const { AZURE_PauseDm: _pause, ...withoutPause } = sample.Values;
    const run = await runCli(["check-config"], {
      env: { ...withoutPause, ...VALID_VALUES, ...documented },
    });
    expect({
      code: run.code,
      paused: /^ {2}AZURE_PauseDm\s+"True"\s+set \(as AZURE_StopDm\)$/m.test(run.stdout),
    }).toEqual({ code: 0, paused: true });
  });

  it("exits 2 when an alias disagrees with its setting, naming both and the name to keep", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_PauseDm: "false", AZURE_StopDm: "True" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'AZURE_PauseDm / AZURE_StopDm: received AZURE_PauseDm="false", AZURE_StopDm="True"; expected one value: these names set the same setting; set it as AZURE_PauseDm',
    );
  });

  it("exits 2 for two spellings of AZURE_PayloadCount with different values", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_PayloadCount: "5", AZURE_PAYLOADCOUNT: "1" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/AZURE_PayloadCount \/ AZURE_PAYLOADCOUNT: received/);
  });

  it.each<Record<string, string>>([
    {},
    { AZURE_SpecificRun: "true", AZURE_EndDate: "2999-06-01T00:00:00Z" },
  ])("exits 2 for an AZURE_StartDate in the future (%j)", async (extra) => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_StartDate: "2999-01-01T00:00:00Z", ...extra },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /AZURE_StartDate: received "2999-01-01T00:00:00Z"; expected an instant in the past \(now: /,
    );
  });

  it("prints the warnings", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_QuerySurface: "?_summary=Count" },
    });
    expect(run.stdout).toContain("Warnings (1):\n  - AZURE_QuerySurface has no effect: ");
  });

  it("prints the warnings of settings that contradict each other", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_EndDate: "2025-01-01", AZURE_MaxCountValue: "500" },
    });
    expect(run.stdout).toMatch(
      /Warnings \(2\):\n {2}- AZURE_EndDate has no effect without AZURE_SpecificRun=true[^\n]*\n {2}- AZURE_MaxCountValue has no effect/,
    );
  });

  it("exits 2 naming a value that would only fail at run time", async () => {
    const run = await runCli(["check-config"], {
      env: {
        ...VALID_VALUES,
        AZURE_ResourceTypes: "Patiens",
        MigrationStarterCron: "0 0 25 * * *",
      },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /AZURE_ResourceTypes: received "Patiens"; expected .*did you mean Patient\?/,
    );
    expect(run.stderr).toMatch(
      /MigrationStarterCron: received "0 0 25 \* \* \*"; expected .*hour 0-23/,
    );
  });

  it("exits 0 when the settings are valid", async () => {
    expect((await runCli(["check-config"], { env: { ...VALID_VALUES } })).code).toBe(0);
  });

  it("exits 2 on invalid settings and prints nothing on stdout", async () => {
    const run = await runCli(["check-config"], { env: { AZURE_PayloadCount: "0" } });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
  });

  it("prints machine-readable settings with --json", async () => {
    const run = await runCli(["check-config", "--json"], {
      env: { ...VALID_VALUES, AZURE_ClientSecret: SECRET },
    });
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      settings: { name: string; value: string; secret: boolean; source: string }[];
    };
    expect(report.settings.find((s) => s.name === "AZURE_ClientSecret")).toEqual({
      name: "AZURE_ClientSecret",
      group: "Authentication",
      value: "***",
      secret: true,
      source: "set",
      given: true,
      setAs: null,
    });
  });

  it("prints the issues as JSON with --json before the command name", async () => {
    const run = await runCli(["--json", "check-config"], {
      env: { ...VALID_VALUES, AZURE_PayloadCount: "9" },
    });
    expect({ code: run.code, body: JSON.parse(run.stdout) as unknown }).toMatchObject({
      code: 2,
      body: {
        ok: false,
        exitCode: 2,
        error: {
          name: "ConfigurationError",
          issues: [{ setting: "AZURE_PayloadCount", received: '"9"' }],
        },
      },
    });
  });

  it("reads a settings file relative to the working folder", async () => {
    await folder.file("relative.json", { ...VALID_VALUES });
    const run = await runCli(["check-config", "--settings", "relative.json"], {
      cwd: folder.path(),
    });
    expect(run.stdout.split("\n")[0]).toBe(
      `Settings from ${join(folder.path(), "relative.json")}:`,
    );
  });

  it("ignores the environment when a settings file is given", async () => {
    const file = await folder.file("only-file.json", { ...VALID_VALUES });
    const run = await runCli(["check-config", "--settings", file], {
      env: { AZURE_PayloadCount: "not a number" },
    });
    expect(run.code).toBe(0);
  });

  it("exits 2 naming the path of a missing settings file", async () => {
    const missing = join(folder.path(), "missing.json");
    const run = await runCli(["check-config", "--settings", missing]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 2,
      stderr: `Cannot read settings file ${missing}: no such file\n`,
    });
  });
});

describe("fhir-migrate check-config: what it says", () => {
  it("marks a setting written out with its default value as default, not set", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_FileCount: "10000", AZURE_PayloadCount: "3" },
    });
    expect(run.stdout).toMatch(/^ {2}AZURE_FileCount\s+"10000"\s+default \(written out\)$/m);
    expect(run.stdout).toMatch(/^ {2}AZURE_PayloadCount\s+"3"\s+set$/m);
    expect(run.stdout).toMatch(
      /Settings are valid: \d+ set to other than their default, \d+ at their default \(1 of them written out/,
    );
  });

  it("shows a pause entered backwards as the overnight window it is, against the time now", () => {
    const out: string[] = [];
    checkConfig(
      {},
      false,
      {
        env: { ...VALID_VALUES, AZURE_PauseDm: "true", AZURE_StartTime: "17", AZURE_EndTime: "8" },
        cwd: process.cwd(),
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
      },
      new Date("2026-03-02T13:45:00Z"),
    );
    expect(out.join("")).toContain(
      "Pause (AZURE_PauseDm): no new export from 17:00 UTC to 08:00 UTC the next morning: overnight, across midnight, because AZURE_StartTime (17) is after AZURE_EndTime (8); for a pause during the working day, set AZURE_StartTime=8 and AZURE_EndTime=17. Not paused now (13:45 UTC); the next pause starts at 17:00 UTC.",
    );
  });

  it("says when a daytime pause holds now", () => {
    const pause = {
      enabled: true,
      startHour: 8,
      endHour: 17,
      continueLastImportDuringPause: false,
    };
    expect(describePause(pause, new Date("2026-03-02T09:10:00Z"))).toBe(
      "no new export from 08:00 to 17:00 UTC every day. Paused now (09:10 UTC) until 17:00 UTC.",
    );
  });

  it("does not redact its own advice (a switch named like a credential)", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_ClientCredential: "true" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("AZURE_ClientCredential=true needs it");
    expect(run.stderr).not.toContain("AZURE_ClientCredential=REDACTED");
  });

  it("refuses a server's /metadata URL, naming the base URL to give instead", async () => {
    const run = await runCli(["check-config"], {
      env: { ...VALID_VALUES, AZURE_SourceUri: "https://gen1.azurehealthcareapis.com/metadata" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'AZURE_SourceUri: received "https://gen1.azurehealthcareapis.com/metadata"; expected the server\'s base URL, without /metadata (that is its capability statement): https://gen1.azurehealthcareapis.com',
    );
  });

  it("shows the warnings beside the errors", async () => {
    const env = { ...VALID_VALUES, AZURE_PayloadCount: "9", AZURE_ClientSecret: "x" };
    const text = await runCli(["check-config"], { env });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/^Warnings \(1\):\n {2}- AZURE_ClientSecret has no effect/m);
    expect(text.stderr).toContain("Invalid settings (1):");
    const json = await runCli(["--json", "check-config"], { env });
    expect(JSON.parse(json.stdout).error.warnings).toEqual([
      expect.stringMatching(/^AZURE_ClientSecret has no effect/),
    ]);
  });
});
