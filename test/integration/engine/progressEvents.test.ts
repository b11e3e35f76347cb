/**
 * The engine's progress events (src/core/progress.ts) from a whole migration through the local
 * runtime: one pass event per pass from LoadMigrationState, the orchestrator's phases, and the last
 * pass event accounting for every window and resource.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ProgressEvent } from "../../../src/core/progress";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { freshTables, startScenario, stopScenarios } from "../../support/engineScenario";
import { settingsFor } from "../../../emulator/harness/localEnvironment";

afterEach(stopScenarios);

describe("progress events of a migration", () => {
  it("report every window planned, exported and imported and every resource, pass by pass", async () => {
    const { env, seed } = await startScenario({ jobLatencyMs: 20 });
    seed({ resources: 80, years: 2, seed: 3, updateShare: 0.2, deleteShare: 0.05 });
    const events: ProgressEvent[] = [];
    const progress = { emit: (e: ProgressEvent) => void events.push(e) };
    const telemetry = new InMemoryTelemetry();
    const settings = settingsFor(env.env({ ...freshTables("prog"), AZURE_ExportChunkTime: "120" }));
    const deps = createEngineDeps(settings, { telemetry, progress });
    const result = await runMigrationLocally(deps, {
      input: { stopWhenCaughtUp: true },
      progress,
    });
    expect(result.output).toMatchObject({ outcome: "caught-up" });

    const passes = events.filter((e) => e.kind === "pass");
    const phases = events.filter((e) => e.kind === "phase");
    // The orchestrator sets its status at least once a pass (again before it waits on a timer).
    expect(phases.length).toBeGreaterThanOrEqual(passes.length);
    expect(phases.at(-1)).toMatchObject({ phase: "caught-up" });
    // One JobsInFlight metric per pass event: telemetry renders the same events.
    expect(telemetry.metrics.filter((m) => m.name === "JobsInFlight")).toHaveLength(passes.length);

    const first = passes[0]!;
    expect(first.windows).toEqual({ planned: 0, exported: 0, imported: 0 });
    const last = passes.at(-1)!;
    const cursor = await deps.state.getCursor();
    expect(last.windows.planned).toBe(cursor.nextSeq - 1);
    expect(last.windows.planned).toBeGreaterThan(1);
    expect(last.windows).toEqual({
      planned: last.windows.planned,
      exported: last.windows.planned,
      imported: last.windows.planned,
    });
    expect(last.resources).toEqual({
      imported: cursor.resourcesImported,
      failed: 0,
      remaining: 0,
    });
    expect(last.resources.imported).toBe(
      env.source.store.allVersions().filter((v) => v.resourceType !== "SearchParameter").length,
    );
    // Windows only ever move forward.
    for (let i = 1; i < passes.length; i++) {
      expect(passes[i]!.windows.imported).toBeGreaterThanOrEqual(passes[i - 1]!.windows.imported);
    }
  });
});
