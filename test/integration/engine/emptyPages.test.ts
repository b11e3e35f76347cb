/**
 * The whole migration, then the checks, with the source behind a proxy that puts an empty page
 * (no entry, a `next` link) before every search page and after the last one, as Azure API for FHIR
 * may (test/support/emptyPageProxy.ts). Every version arrives and the checks pass.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { runVerification } from "../../../src/verify/runVerification";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { EmptyPageProxy } from "../../support/emptyPageProxy";
import { startEmptyPageProxy } from "../../support/emptyPageProxy";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

let proxy: EmptyPageProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await stopScenarios();
});

async function setUp(overrides: Environment) {
  const { env, seed } = await startScenario({ jobLatencyMs: 20, rollingFileResources: 200 });
  seed({ resources: 120, years: 2, seed: 17, updateShare: 0.3, deleteShare: 0.1 });
  proxy = await startEmptyPageProxy(env.source.baseUrl);
  const deps = scenarioDeps(env, freshTables("ep"), {
    overrides: { AZURE_SourceUri: proxy.origin, AZURE_ExportChunkTime: "120", ...overrides },
  });
  return { env, deps, proxy };
}

describe("empty search pages on the source", () => {
  it.each([
    { mode: "system level with history and deletes", overrides: {} },
    {
      mode: "per type, current versions only",
      overrides: {
        AZURE_IsParallel: "false",
        AZURE_ExportWithHistory: "false",
        AZURE_ExportWithDelete: "false",
        AZURE_ResourceTypes: "Patient,Observation,Encounter,Condition",
      },
    },
  ])("copies every version ($mode)", async ({ overrides }) => {
    const { env, deps, proxy } = await setUp(overrides);
    const result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    expect(proxy.emptyPages()).toBeGreaterThan(0);
    const cursor = await deps.state.getCursor();
    expect(cursor.watermark).toBe(cursor.frontier);
    if (Object.keys(overrides).length === 0) {
      const { problems } = await compareAllVersions(deps.source, deps.destination);
      expect(problems).toEqual([]);
    } else {
      for (const type of ["Patient", "Observation"]) {
        expect(
          env.destination.store
            .currentVersions(type)
            .map((v) => v.id)
            .sort(),
        ).toEqual(
          env.source.store
            .currentVersions(type)
            .filter((v) => !v.deleted)
            .map((v) => v.id)
            .sort(),
        );
      }
    }
  });

  it("verifies the copy: surface, deep and reconciliation pass, nothing is called hard-deleted", async () => {
    const { deps, proxy } = await setUp({ AZURE_DeepCheckCount: "50" });
    await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    const before = proxy.emptyPages();
    const report = await runVerification(deps, { seed: "empty-pages" });
    expect(proxy.emptyPages()).toBeGreaterThan(before);
    expect(report.surface?.verdict).toBe("Pass");
    expect(report.deep?.verdict).toBe("Pass");
    expect(report.reconcile?.verdict).toBe("Pass");
  });
});
