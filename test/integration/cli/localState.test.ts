/**
 * A local run's state (no storage in the settings): `run` keeps it in an Azurite under --state-dir,
 * and status, verify, reset-retries, accept-settings and cleanup reach it the same way, through the
 * Azurite serving that folder or one they start on it (src/local/localState.ts).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import { ENDPOINT_FILE, openLocalState } from "../../../src/local/localState";
import type { EngineScenario } from "../../support/engineScenario";
import { startScenario, stopScenarios } from "../../support/engineScenario";

let scenario: EngineScenario;
let dir: string;
let state: string;

/** The scenario's settings without the app's storage: the state is the local run's. */
function env(overrides: Environment = {}): Environment {
  const all = { ...scenario.env.env(overrides) };
  delete (all as Record<string, string | undefined>).AzureWebJobsStorage;
  return all;
}

async function cli(args: string[], cwd = dir, overrides: Environment = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: env(overrides),
    cwd,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  const code = await main(args, runtime);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

beforeAll(async () => {
  scenario = await startScenario({ jobLatencyMs: 10 });
  scenario.seed({ resources: 30, years: 1, seed: 5 });
  dir = await mkdtemp(join(tmpdir(), "local-state-"));
  state = join(dir, ".fhir-migrate");
});

afterAll(async () => {
  await stopScenarios();
  await rm(dir, { recursive: true, force: true });
});

describe("a local run's state", () => {
  it("is kept by run in a local Azurite under .fhir-migrate, stopped when the run ends", async () => {
    const run = await cli(["run", "--until-caught-up"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `No storage configured: keeping state in a local Azurite under ${state}`,
    );
    expect(run.stdout).toMatch(/^Caught up with the source as of /);
    await expect(readFile(join(state, ENDPOINT_FILE), "utf8")).rejects.toThrow();
  });

  it("is read by status, with the same settings, once the run has ended", async () => {
    const status = await cli(["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain(
      `No storage configured: using the local run's state under ${state}`,
    );
    expect(status.stdout).toMatch(/Phase\s+Caught up/);
  });

  it("is reached by reset-retries, accept-settings, verify and cleanup the same way", async () => {
    const reset = await cli(["reset-retries", "--dry-run"]);
    expect([reset.code, reset.stdout]).toEqual([
      0,
      "Dry run, nothing changed: not halted, 0 consecutive failures; 0 payload(s) would be queued again.\n",
    ]);
    const accept = await cli(["accept-settings"]);
    expect(accept.code, accept.stderr).toBe(0);
    expect(accept.stdout).toContain("Accepted the settings (no setting changed)");
    const verify = await cli(["verify", "--checks", "surface"]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const cleanup = await cli(["cleanup"]);
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toContain("$import request bodies");
    // Each command starts and stops the folder's Azurite.
  }, 180_000);

  it("is read through the Azurite a running command serves it with, not a second one", async () => {
    const running = await openLocalState(state);
    try {
      expect(running.started).toBe(true);
      const endpoint = JSON.parse(await readFile(join(state, ENDPOINT_FILE), "utf8")) as {
        pid: number;
      };
      const status = await cli(["status"]);
      expect(status.code, status.stderr).toBe(0);
      // The running one still serves the folder, under the same process.
      const after = JSON.parse(await readFile(join(state, ENDPOINT_FILE), "utf8")) as {
        pid: number;
      };
      expect(after.pid).toBe(endpoint.pid);
      expect(after.pid).toBe(running.azurite.pid);
    } finally {
      await running.release();
    }
  });

  it("refuses a runner with other settings than the recorded ones, saying so once", async () => {
    const run = await cli(["run", "--until-caught-up"], dir, { AZURE_IsParallel: "false" });
    expect(run.code).toBe(1);
    const said = (run.stdout + run.stderr).split("Refused to plan or import").length - 1;
    expect(said).toBe(1);
    expect(run.stderr).toContain("AZURE_IsParallel");
  }, 120_000);

  it("is missing where no run kept one: exit 1, saying what to do", async () => {
    const empty = await mkdtemp(join(tmpdir(), "no-state-"));
    try {
      const status = await cli(["status"], empty);
      expect(status.code).toBe(1);
      expect(status.stderr).toContain(`No migration state to read: the settings name no storage`);
      expect(status.stderr).toContain(
        "run `fhir-migrate run` first, or pass the --state-dir it used",
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
