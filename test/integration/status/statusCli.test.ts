import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../../../src/cli/actions/status";
import * as statusCommand from "../../../src/cli/commands/status";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import type { Environment } from "../../../src/config/settings";
import type { StatusServer } from "../../../src/status/server";
import type { SampleMigration } from "./sampleMigration";
import { runSampleMigration } from "./sampleMigration";

let sample: SampleMigration;

beforeAll(async () => {
  sample = await runSampleMigration();
}, 120_000);

afterAll(async () => {
  await sample?.stop();
});

function runtime(env: Environment) {
  const out: string[] = [];
  const err: string[] = [];
  const rt: CliRuntime = {
    env,
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  return { rt, stdout: () => out.join(""), stderr: () => err.join("") };
}

async function cli(args: string[], env: Environment = sample.env) {
  const r = runtime(env);
  const code = await main(args, r.rt, [statusCommand]);
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

describe("fhir-migrate status against the state tables of a real migration", () => {
  it("prints the watermark and the phase as text", async () => {
    const cursor = await sample.deps.state.getCursor();
    const run = await cli(["status"]);
    expect(run.code).toBe(0);
    const shown = `${cursor.watermark!.slice(0, 19).replace("T", " ")} UTC`;
    expect(run.stdout).toContain(`  Watermark      ${shown}, caught up (watermark `);
    expect(run.stdout).toMatch(/\n {2}Phase +Caught up: /);
  });

  it("prints the report as JSON with --json", async () => {
    const cursor = await sample.deps.state.getCursor();
    const run = await cli(["--json", "status"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.watermark.watermark).toBe(cursor.watermark);
    expect(report.totals.resourcesImported).toBe(cursor.resourcesImported);
  });

  it("serves the page and the JSON on 127.0.0.1 until stopped", async () => {
    const r = runtime(sample.env);
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let server: StatusServer | undefined;
    const served = status(
      { serve: true },
      { runtime: r.rt, json: false, untilStopped: () => stopped, onListening: (s) => (server = s) },
    );
    await expect.poll(() => server).toBeDefined();
    const url = server!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
    expect(r.stdout()).toContain(`Status page: ${url}\n`);
    const page = await fetch(url);
    expect([page.status, page.headers.get("content-type")]).toEqual([
      200,
      "text/html; charset=utf-8",
    ]);
    const json = (await (await fetch(`${url}?format=json`)).json()) as {
      watermark: { watermark: string };
    };
    expect(json.watermark.watermark).toBe((await sample.deps.state.getCursor()).watermark);
    stop();
    await served;
    await expect(fetch(url)).rejects.toThrow();
  });

  it("exits 1 saying there is no state when the tables do not exist", async () => {
    const unique = randomUUID().replace(/-/g, "").slice(0, 12);
    const run = await cli(["status"], {
      ...sample.env,
      AZURE_ChunkTableName: `nochunk${unique}`,
      AZURE_ExportTableName: `noexport${unique}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `No migration state: table nochunk${unique} or noexport${unique} does not exist`,
    );
  });
});
