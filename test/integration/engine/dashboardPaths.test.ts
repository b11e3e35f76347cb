/**
 * The dashboard counts every window and payload whichever path moved it: a window staged from the
 * source's `_history` (no export job) and a payload completed by isolating the resource the
 * destination refused (no successful job of its own). The tiles' KQL runs (test/support/
 * kqlEvaluate.ts) against the events this migration really sent, and its counts are compared with
 * the migration's own rows.
 */
import { describe, expect, it } from "vitest";
import { QUERIES } from "../../../infra/template/queries";
import type { Row } from "../../support/kqlEvaluate";
import { customEventRows, runKql } from "../../support/kqlEvaluate";
import type { TestDeps } from "../resilience/harness";
import {
  chunkRows,
  depsFor,
  migrate,
  payloadRows,
  startResilienceEnvironment,
} from "../resilience/harness";

const observation = (id: string, value: string): string =>
  `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"lab"},"valueQuantity":{"value":${value},"unit":"mg"}}`;

/** 20 Observations, the 10th with a quantity of 1e18 or more (the destination's import job fails on it). */
async function migrateWithRefusedResource(): Promise<TestDeps> {
  const environment = await startResilienceEnvironment({
    rollingFileResources: 20,
    latency: { exportFixedMs: 500, importFixedMs: 500 },
  });
  try {
    for (let i = 0; i < 20; i++)
      environment.source.store.create(
        observation(`obs-${i}`, i === 9 ? "1000000000000000009.5" : `${i}.25`),
      );
    await environment.clock.sleepUntil(environment.clock.now() + 5 * 60_000);
    const deps = depsFor(environment, "dashpaths", {
      AZURE_ExportChunkTime: "3600",
      AZURE_ChunkLimit: "1000",
      AZURE_SelfStageMaxVersions: "1000",
      // Screening would keep the value out of the job at build time; this run drives isolation.
      AZURE_ImportScreening: "false",
    });
    const result = await migrate(environment, deps);
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    return deps;
  } finally {
    await environment.stop();
  }
}

const tile = (query: keyof typeof QUERIES, events: Row[]): Row[] =>
  runKql(QUERIES[query], { customEvents: events });

let run: Promise<TestDeps> | undefined;
/** One migration for every case below (started by the first). */
const migration = (): Promise<TestDeps> => (run ??= migrateWithRefusedResource());

describe("the dashboard's tiles on a self-staged window whose payload was isolated", () => {
  it("see the run take both paths: staged without an export job, completed by isolation", async () => {
    const deps = await migration();
    expect({
      staged: deps.telemetry.named("SelfStage").map((e) => e.properties.Outcome),
      isolation: deps.telemetry.named("ImportIsolation").at(-1)?.properties.Step,
      exportJobs: deps.telemetry
        .named("Export")
        .filter((e) => e.properties.ExportStatus !== "Completed"),
    }).toEqual({ staged: ["Staged"], isolation: "Completed", exportJobs: [] });
  });

  it("count the window as a completed export and the payload as a completed import", async () => {
    const deps = await migration();
    const chunks = (await chunkRows(deps)).filter((c) => c.exportStatus === "Completed");
    const payloads = (await payloadRows(deps)).filter((p) => p.status === "Completed");
    const events = customEventRows(deps.telemetry.events);
    expect({
      completedExports: tile("completedExportsCount", events),
      runningExports: tile("runningExportsCount", events),
      completedImports: tile("completedImportsCount", events),
      runningImports: tile("runningImportsCount", events),
      importedResources: tile("importedResources", events),
    }).toEqual({
      completedExports: [{ CompletedExports: chunks.length }],
      runningExports: [{ RunningExports: 0 }],
      completedImports: [{ CompletedImports: payloads.length }],
      runningImports: [{ RunningImports: 0 }],
      importedResources: [
        {
          Payloads: payloads.length,
          Imported: payloads.reduce((n, p) => n + (p.importedCount ?? 0), 0),
          Rejected: payloads.reduce((n, p) => n + (p.failedCount ?? 0), 0),
          RejectedTypes: [],
          ExportedSoFar: chunks.reduce((n, c) => n + (c.totalExportResourceCount ?? 0), 0),
        },
      ],
    });
    expect([chunks.length, payloads.length, payloads[0]?.failedCount]).toEqual([1, 1, 1]);
  });

  it("show the window's range and path in both detail tiles", async () => {
    const deps = await migration();
    const [chunk] = await chunkRows(deps);
    const events = customEventRows(deps.telemetry.events);
    const pick = (rows: Row[], keys: string[]) =>
      rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
    expect({
      exports: pick(tile("completedExports", events), ["Path", "Since", "Till", "Resources"]),
      imports: pick(tile("completedImports", events), [
        "Isolated",
        "Since",
        "Till",
        "Imported",
        "Rejected",
      ]),
    }).toEqual({
      exports: [{ Path: "self-staged", Since: chunk!.since, Till: chunk!.till, Resources: 20 }],
      imports: [
        { Isolated: true, Since: chunk!.since, Till: chunk!.till, Imported: 19, Rejected: 1 },
      ],
    });
  });

  it("show the staging and the isolation in their own tiles", async () => {
    const deps = await migration();
    const events = customEventRows(deps.telemetry.events);
    const [staged] = tile("selfStaged", events);
    const [isolation] = tile("importIsolation", events);
    expect({
      staged: [staged?.Outcome, staged?.Windows, staged?.Versions],
      isolation: [isolation?.LatestStep, isolation?.Refused],
    }).toEqual({ staged: ["Staged", 1, 20], isolation: ["Completed", 1] });
  });
});
