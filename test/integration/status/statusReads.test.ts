/**
 * What one status build reads does not grow with the verification runs: after three whole-timeline
 * full checks it reads no more entities than after one (docs/status.md, "What one build reads").
 * Entities are counted where the tool meets the Table service: every entity the SDK's TableClient
 * hands back, page by page, and every single-entity read.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { loadStatusState } from "../../../src/status/statusState";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { runVerification } from "../../../src/verify/runVerification";
import type { EmulatorStore } from "../../../emulator";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { generateOperations } from "../../../emulator/harness/syntheticData";
import { entitiesRead } from "../../support/tableReads";

const SEEDED_UNTIL = Date.parse("2025-02-01T00:00:00Z");
let environment: LocalEnvironment;
let clockMs = SEEDED_UNTIL;
const clock = {
  now: () => clockMs,
  // A wait moves this hand-set clock on to the instant waited for.
  sleepUntil: async (instantMs: number) => {
    clockMs = Math.max(clockMs, instantMs);
  },
};

function seed(source: EmulatorStore, destination: EmulatorStore): void {
  const ops = generateOperations({
    resources: 60,
    years: 2,
    seed: 7,
    endMs: SEEDED_UNTIL - 86_400_000,
  });
  for (const op of ops) {
    clockMs = op.at;
    if (op.kind === "create") source.create(op.resource);
    else if (op.kind === "update") source.update(op.resource);
    else source.softDelete(op.resourceType, op.id);
  }
  for (const v of source.allVersions()) destination.insertVersion({ ...v });
  clockMs = SEEDED_UNTIL + 86_400_000;
}

beforeAll(async () => {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    clock,
  });
  seed(environment.source.store, environment.destination.store);
});

afterAll(async () => {
  await environment?.stop();
});

function deps(): EngineDeps {
  const tag = Date.now().toString(36);
  const settings = settingsFor(
    environment.env({
      AZURE_ChunkTableName: `rchunk${tag}`,
      AZURE_ExportTableName: `rexport${tag}`,
      AZURE_ExportWithHistory: "true",
      AZURE_ExportWithDelete: "true",
    }),
  );
  return createEngineDeps(settings, { telemetry: new InMemoryTelemetry(), log: () => {}, clock });
}

describe("a status build's reads", { timeout: 300_000 }, () => {
  it("do not grow with the number of whole-timeline full checks", async () => {
    const d = deps();
    const wholeRun = (n: number) =>
      runVerification(d, {
        runId: `v20250202T00000${n}-run00${n}`,
        checks: ["surface", "full"],
        seed: "reads",
        // Small units: each run writes many unit rows, as a run at scale does.
        unitVersions: 5,
      });
    const first = await wholeRun(1);
    expect(first.verdict).toBe("Pass");
    expect(first.full?.units).toBeGreaterThan(5);
    let afterOne: Awaited<ReturnType<typeof loadStatusState>> | undefined;
    const readAfterOne = await entitiesRead(async () => {
      afterOne = await loadStatusState(d);
    });
    await wholeRun(2);
    await wholeRun(3);
    let afterThree: Awaited<ReturnType<typeof loadStatusState>> | undefined;
    const readAfterThree = await entitiesRead(async () => {
      afterThree = await loadStatusState(d);
    });
    expect(readAfterOne).toBeGreaterThan(0);
    expect(readAfterThree).toBeLessThanOrEqual(readAfterOne);
    // ...and the build shows the latest run, its full check finished.
    expect(afterOne?.verification).toMatchObject({ runId: "v20250202T000001-run001", runsSeen: 1 });
    expect(afterThree?.verification).toMatchObject({
      runId: "v20250202T000003-run003",
      runsSeen: 3,
      verdict: "Pass",
      full: { versionsDone: first.full?.totals.source, versions: first.full?.totals.source },
    });
  });
});
