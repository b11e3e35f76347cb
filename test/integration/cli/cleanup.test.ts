/**
 * `fhir-migrate cleanup` in-process against Azurite and the emulators: the dry run lists every kind
 * of blob the migration wrote, --delete refuses before a passing proof and deletes nothing, and after
 * a full check passes it deletes what the proof covers and leaves another migration's blobs alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import {
  ISOLATION_FOLDER,
  isolationPartBlobName,
  payloadBlobName,
} from "../../../src/core/stagingLayout";
import type { CleanupReport } from "../../../src/engine/stagingCleanup";
import { main } from "../../../src/cli/main";
import type { CliRuntime } from "../../../src/cli/runtime";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { runVerification } from "../../../src/verify/runVerification";
import type { EngineScenario } from "../../support/engineScenario";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

let scenario: EngineScenario;
let vars: Environment;
let deps: ReturnType<typeof scenarioDeps>;
/** The container the export files went to, and one of them. */
let exportFile: { container: string; name: string };

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: scenario.env.env(vars),
    cwd: process.cwd(),
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
  };
  const code = await main(args, runtime);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

async function report(args: string[] = []): Promise<CleanupReport & { dryRun: boolean }> {
  const run = await cli(["--json", "cleanup", ...args]);
  return JSON.parse(run.stdout) as CleanupReport & { dryRun: boolean };
}

const blobs = (r: CleanupReport, what: RegExp) =>
  r.groups.filter((g) => what.test(g.what)).reduce((n, g) => n + g.blobs + g.keptBlobs, 0);

beforeAll(async () => {
  scenario = await startScenario({ jobLatencyMs: 10 });
  scenario.seed({ resources: 80, years: 1, seed: 31, updateShare: 0.3 });
  // Small windows are self-staged from _history, larger ones exported: both kinds are written.
  vars = { ...freshTables("cleanup", "cleanuprow"), AZURE_SelfStageMaxVersions: "8" };
  deps = scenarioDeps(scenario.env, vars, { log: () => {} });
  await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
  const keys = deps.settings.storage;
  // Isolation parts are deleted when isolation ends; one left by a crash must go too.
  const manifest = JSON.parse(
    (await deps.blobs.getText("export-manifests", `${keys.rowKey}-00000001.json`)) ?? "{}",
  ) as { output?: { url: string }[] };
  const url = new URL(manifest.output![0]!.url);
  const [, , container = "", ...rest] = url.pathname.split("/");
  exportFile = { container, name: decodeURIComponent(rest.join("/")) };
  await deps.staging.putText(container, isolationPartBlobName(keys, 1, 1, "x"), "{}\n");
  // Another migration's blobs with a similar row key: never this one's to delete.
  await deps.blobs.putText(
    "import-payloads",
    payloadBlobName({ ...keys, rowKey: `${keys.rowKey}-1` }, 1, 1),
    "{}",
  );
  await deps.staging.putText(
    container,
    `${ISOLATION_FOLDER}/${keys.partitionKey}x/00000001-p0001/y.ndjson`,
    "{}\n",
  );
});

afterAll(stopScenarios);

describe("fhir-migrate cleanup", () => {
  it("lists every kind of blob the migration wrote, and deletes nothing in a dry run", async () => {
    const run = await cli(["cleanup"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("No deletion: no passing proof is recorded for this migration");
    expect(run.stdout).toContain("Dry run: nothing was deleted.");
    const dry = await report();
    expect(dry.dryRun).toBe(true);
    expect(blobs(dry, /export files/)).toBeGreaterThan(0);
    expect(blobs(dry, /self-staged/)).toBeGreaterThan(0);
    expect(blobs(dry, /\$import request bodies/)).toBeGreaterThan(0);
    expect(blobs(dry, /manifests/)).toBeGreaterThan(0);
    expect(blobs(dry, /isolation parts/)).toBe(1);
    // Nothing is covered before a proof: all is listed as kept, with its size.
    expect(dry.totals.blobs).toBe(0);
    expect(dry.totals.keptBlobs).toBe(dry.groups.reduce((n, g) => n + g.keptBlobs, 0));
    expect(dry.totals.keptBytes).toBeGreaterThan(0);
  });

  it("refuses --delete before a passing proof, exit 1, and deletes nothing", async () => {
    const before = await report();
    const run = await cli(["cleanup", "--delete"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "Cleanup refused: no passing proof is recorded for this migration",
    );
    expect((await report()).totals).toEqual(before.totals);
  });

  it("deletes what a passing full check covers, and only this migration's blobs", async () => {
    const verification = await runVerification(deps, { checks: ["full"], seed: "cleanup" });
    expect(verification.verdict).toBe("Pass");
    const dry = await report();
    expect(dry.proof).toMatchObject({ ok: true });
    expect(dry.totals.blobs).toBeGreaterThan(0);
    const run = await cli(["cleanup", "--delete"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Deleted ${dry.totals.blobs} blobs.`);
    const after = await report();
    expect(after.totals).toMatchObject({ blobs: 0, keptBlobs: 0 });
    const left = async (store: typeof deps.blobs, container: string, name: string) => {
      for await (const b of store.listSizes(container, name)) if (b.name === name) return true;
      return false;
    };
    expect(await left(deps.staging, exportFile.container, exportFile.name)).toBe(false);
    const keys = deps.settings.storage;
    expect(
      await left(
        deps.blobs,
        "import-payloads",
        payloadBlobName({ ...keys, rowKey: `${keys.rowKey}-1` }, 1, 1),
      ),
    ).toBe(true);
    expect(
      await left(
        deps.staging,
        exportFile.container,
        `${ISOLATION_FOLDER}/${keys.partitionKey}x/00000001-p0001/y.ndjson`,
      ),
    ).toBe(true);
  });
});
