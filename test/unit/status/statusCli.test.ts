import { describe, expect, it } from "vitest";
import * as statusCommand from "../../../src/cli/commands/status";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";

const ENV = {
  AzureWebJobsStorage: "UseDevelopmentStorage=true",
  AZURE_SourceUri: "https://source.azurehealthcareapis.com",
  AZURE_DestinationUri: "https://ws-dest.fhir.azurehealthcareapis.com",
};

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: ENV,
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  const code = await main(args, runtime, [statusCommand]);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("fhir-migrate status: options", () => {
  it("refuses --port without --serve (exit 2)", async () => {
    const run = await cli(["status", "--port", "8080"]);
    expect([run.code, run.stderr]).toEqual([
      2,
      "--port: only used with --serve; add --serve to serve the status page\n",
    ]);
  });

  it("refuses a port that is not 0-65535 (exit 2)", async () => {
    const run = await cli(["status", "--serve", "--port", "70000"]);
    expect([run.code, run.stderr]).toEqual([
      2,
      '--port: received "70000"; expected a whole number from 0 (any free port) to 65535\n',
    ]);
  });

  it("refuses --json with --serve (exit 2)", async () => {
    const run = await cli(["--json", "status", "--serve"]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toBe(
      "--json and --serve cannot be combined: the served page has its JSON at /status?format=json",
    );
  });

  it("reports bad settings before reading anything (exit 2)", async () => {
    const run = await cli(["status", "--settings", "does-not-exist.json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Cannot read settings file");
  });
});
