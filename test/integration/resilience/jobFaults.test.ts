/**
 * Jobs that go wrong on the server: they fail, hang past the watchdog, report completion too early,
 * or reject some resources. Each is retried, cancelled, confirmed or recorded, and the migration
 * completes; a failure that persists halts it visibly until cleared.
 */
import { describe, expect, it } from "vitest";
import { clearMaxExportRetries } from "../../../src/engine/control";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { ResilienceEnvironment, TestDeps } from "./harness";
import {
  chunkRows,
  depsFor,
  expectEveryVersionCopied,
  migrate,
  payloadRows,
  startResilienceEnvironment,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

async function withEnvironment(
  test: (environment: ResilienceEnvironment) => Promise<void>,
): Promise<void> {
  const environment = await startResilienceEnvironment({ azurite: azurite() });
  try {
    environment.seed(40);
    await test(environment);
  } finally {
    await environment.stop();
  }
}

async function failedResources(deps: TestDeps) {
  const failed = [];
  for await (const f of deps.state.listFailedResources()) failed.push(f);
  return failed;
}

function failedEvents(deps: TestDeps, name: "Export" | "Import") {
  return deps.telemetry
    .named(name)
    .filter((e) => (e.properties.ExportStatus ?? e.properties.ImportStatus) === "Failed");
}

describe("server jobs that go wrong", () => {
  it("retries a failed export job and completes", () =>
    withEnvironment(async (environment) => {
      environment.source.faults.add({
        kind: "export-job-fails",
        statusCode: 500,
        reason: "The export processing job failed.",
      });
      const deps = depsFor(environment, "exportfails");
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.source.faults.survived()["export-job-fails"]).toBe(1);
      await expectEveryVersionCopied(deps);
      const retried = (await chunkRows(deps)).filter((c) => c.exportAttempts === 2);
      expect(retried).toHaveLength(1);
      expect(retried[0]?.failureReason).toContain("The export processing job failed.");
      expect(failedEvents(deps, "Export")).toHaveLength(1);
      // The row forgets the failed job; the event keeps it, so its files can be found.
      expect(failedEvents(deps, "Export")[0]?.properties).toMatchObject({
        StatusUrl: expect.stringMatching(/\/_operations\/export\/.+/),
        ExportId: expect.stringMatching(/.+/),
      });
    }));

  it("requeues a failed import job's payload and completes", () =>
    withEnvironment(async (environment) => {
      environment.destination.faults.add({
        kind: "import-job-fails",
        statusCode: 400,
        reason: "The import processing job failed.",
      });
      const deps = depsFor(environment, "importfails");
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.destination.faults.survived()["import-job-fails"]).toBe(1);
      await expectEveryVersionCopied(deps);
      const retried = (await payloadRows(deps)).filter((p) => p.attempts === 2);
      expect(retried).toHaveLength(1);
      expect(retried[0]).toMatchObject({ status: "Completed" });
      expect(retried[0]?.failureReason).toContain("The import processing job failed.");
      expect(failedEvents(deps, "Import")).toHaveLength(1);
    }));

  it("cancels an export stuck past AZURE_ExportTimeoutMinutes, requeues the window and completes", () =>
    withEnvironment(async (environment) => {
      environment.source.faults.add({ kind: "export-stuck" });
      const deps = depsFor(environment, "exportstuck", { AZURE_ExportTimeoutMinutes: "1" });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.source.stats.requests("export-cancel")).toBe(1);
      await expectEveryVersionCopied(deps);
      const chunks = await chunkRows(deps);
      const requeued = chunks.filter((c) => c.exportAttempts === 2);
      expect(requeued).toHaveLength(1);
      expect(requeued[0]?.failureReason).toMatch(/AZURE_ExportTimeoutMinutes/);
      expect(failedEvents(deps, "Export")).toHaveLength(1);
      expect(environment.source.stats.requests("export-kickoff")).toBe(chunks.length + 1);
    }));

  it("cancels an import stuck past AZURE_ImportTimeoutMinutes, requeues the payload and completes", () =>
    withEnvironment(async (environment) => {
      environment.destination.faults.add({ kind: "import-stuck" });
      const deps = depsFor(environment, "importstuck", { AZURE_ImportTimeoutMinutes: "1" });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.destination.stats.requests("import-cancel")).toBe(1);
      await expectEveryVersionCopied(deps);
      const requeued = (await payloadRows(deps)).filter((p) => p.attempts === 2);
      expect(requeued).toHaveLength(1);
      expect(requeued[0]?.failureReason).toMatch(/AZURE_ImportTimeoutMinutes/);
      expect(failedEvents(deps, "Import")).toHaveLength(1);
    }));

  it("does not accept a manifest that reports completion early, before its confirmations", () =>
    withEnvironment(async (environment) => {
      environment.source.faults.add({ kind: "export-premature" });
      const deps = depsFor(environment, "premature", {
        AZURE_ExportConfirmations: "3",
        // One window holds most of the data, spread over several files.
        AZURE_ExportChunkTime: "1000",
      });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.source.faults.survived()["export-premature"]).toBe(1);
      await expectEveryVersionCopied(deps);
      const [first] = await chunkRows(deps);
      // The early answer held half the files; the accepted manifest holds every counted version.
      expect(first?.expectedCount).toBeGreaterThan(1);
      expect(first?.totalExportResourceCount).toBe(first?.expectedCount);
      expect(first?.failureReason).toBeUndefined();
    }));

  it("records the resources an import rejected, with their ids, and completes", () =>
    withEnvironment(async (environment) => {
      const victim = environment.source.store
        .currentVersions("Observation")
        .find((v) => !v.deleted)!;
      environment.destination.faults.add({
        kind: "import-partial-errors",
        ids: [victim.id],
        times: 1000,
      });
      const deps = depsFor(environment, "partialids");
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });

      const failed = await failedResources(deps);
      expect(failed.length).toBeGreaterThan(0);
      expect(new Set(failed.map((f) => `${f.resourceType}/${f.id}`))).toEqual(
        new Set([`Observation/${victim.id}`]),
      );
      expect((await deps.state.getCursor()).resourcesFailed).toBe(failed.length);
      expect(deps.telemetry.named("FailedResources")[0]?.properties).toMatchObject({
        ResourceType: "Observation",
        SampleIds: victim.id,
      });
      // Only the rejected resource's versions are missing from the copy.
      const { problems } = await compareAllVersions(deps.source, deps.destination);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toContain(`Observation/${victim.id}/`);
    }));

  it("reads the id of a rejected resource from the input file when the error does not name it", () =>
    withEnvironment(async (environment) => {
      environment.destination.faults.add({
        kind: "import-partial-errors",
        count: 1,
        message: "Failed to parse the decimal value.",
      });
      const deps = depsFor(environment, "partialline");
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      const failed = await failedResources(deps);
      expect(failed).toHaveLength(1);
      const [rejected] = failed;
      expect(rejected?.reason).toBe("Failed to parse the decimal value.");
      // The first line of the first processing unit of the job's first input.
      const lines: string[] = [];
      for await (const line of deps.staging.readLinesByUrl(rejected!.inputUrl)) lines.push(line);
      expect(rejected?.id).toBe((JSON.parse(lines[0]!) as { id: string }).id);
      const { problems } = await compareAllVersions(deps.source, deps.destination);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`${rejected!.resourceType}/${rejected!.id}/`);
    }));

  it("halts visibly when exports keep failing, and finishes once cleared", () =>
    withEnvironment(async (environment) => {
      environment.source.faults.add({
        kind: "export-job-fails",
        statusCode: 500,
        reason: "The export processing job failed.",
        times: 1000,
      });
      const deps = depsFor(environment, "halt", {
        AZURE_MaxExportRetriesEnabled: "true",
        AZURE_MaxExportRetries: "2",
      });
      const halted = await migrate(environment, deps);
      expect(halted.output).toMatchObject({ outcome: "halted" });
      const cursor = await deps.state.getCursor();
      expect(cursor.halted).toBe(true);
      expect(cursor.haltReason).toMatch(/Halted after 2 consecutive failures/);
      expect(deps.telemetry.named("ExportRetries")).toEqual([
        expect.objectContaining({
          properties: expect.objectContaining({ Status: "MaxRetriesReached", MaxExportRetries: 2 }),
        }),
      ]);

      environment.source.faults.clear();
      const cleared = await clearMaxExportRetries(deps.state, deps.telemetry, {
        partitionKey: deps.settings.storage.partitionKey,
        rowKey: deps.settings.storage.rowKey,
      });
      // Exports in flight when the limit was reached fail too and are counted after it.
      expect(cursor.consecutiveFailures).toBeGreaterThanOrEqual(2);
      expect(cleared).toMatchObject({
        wasHalted: true,
        previousCount: cursor.consecutiveFailures,
      });
      const resumed = await migrate(environment, deps);
      expect(resumed.output).toMatchObject({ outcome: "caught-up" });
      expect((await deps.state.getCursor()).halted).toBe(false);
      await expectEveryVersionCopied(deps);
    }));
});
