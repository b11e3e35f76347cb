/**
 * The whole migration, then the surface and full checks, with the source emulator (Cosmos profile,
 * Azure API for FHIR) answering an empty or a partial page at one chosen position of every query
 * it serves, search and history alike. On Cosmos a page may hold no entry, or fewer than `_count`,
 * and still link the next one: CosmosFhirDataStore.ExecuteDocumentQueryAsync ends its fill loop on
 * a time budget or a 429 (src/Microsoft.Health.Fhir.CosmosDb/Features/Storage/CosmosFhirDataStore.cs).
 * Every version must arrive whatever the page it sat on.
 *
 * Which queries have four pages: the migration's paged reads are the oldest-version and
 * first-change queries (`_count=1`, read until the first entry, so only position 1 can be empty
 * before an answer) and the SearchParameter listing (`_count=1000`, one page here); counts
 * (`_summary=count`) are not paged. The verification reads with the page size it is given:
 * `limits.pageSize` = 5 below makes every full-check unit and every listing of more than 15
 * entries run to 4 pages and more, so positions 2–4 are met there.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { formatVerificationReport } from "../../../src/verify/format";
import { runVerification } from "../../../src/verify/runVerification";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { FaultSpec, FhirEmulator } from "../../../emulator";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { customSearchParameter } from "../../../emulator/harness/syntheticData";
import {
  freshTables,
  scenarioDeps,
  startScenario,
  stopScenarios,
} from "../../support/engineScenario";

/** `_count` of the verification's paged reads: small, so its queries run to many pages. */
const PAGE_SIZE = 5;

/** Custom SearchParameters on the source. */
const SEARCH_PARAMETERS = 3;

const SYSTEM_LEVEL: Environment = {
  AZURE_ExportWithHistory: "true",
  AZURE_ExportWithDelete: "true",
};
const PER_TYPE: Environment = {
  ...SYSTEM_LEVEL,
  AZURE_IsParallel: "false",
  AZURE_ResourceTypes: "Patient,Encounter,Observation,Condition,MedicationRequest",
};

afterEach(stopScenarios);

/** Page faults the source served so far, empty and partial together. */
function pageFaultsServed(source: FhirEmulator): number {
  const s = source.faults.survived();
  return (s["empty-page"] ?? 0) + (s["partial-page"] ?? 0);
}

async function setUp(overrides: Environment) {
  const { env, seed, writeAt } = await startScenario({ jobLatencyMs: 10 });
  const endMs = Date.now() - 60_000;
  seed({ resources: 50, years: 1, seed: 29, endMs, updateShare: 0.3, deleteShare: 0.15 });
  // Custom SearchParameters, so the listing the migration copies them from is faulted too (a
  // partial first page of it holds one of the three).
  writeAt(endMs, () => {
    for (let i = 0; i < SEARCH_PARAMETERS; i++) {
      const sp = customSearchParameter();
      env.source.store.create({
        ...sp,
        id: `${sp.id}-${i}`,
        url: `${String(sp.url)}-${i}`,
        code: `${String(sp.code)}-${i}`,
      });
    }
  });
  const deps = scenarioDeps(env, freshTables("epp"), {
    overrides: { AZURE_ExportChunkTime: "720", ...overrides },
    log: () => {},
  });
  return { env, deps };
}

/** Versions the full check compares (SearchParameters are compared on their own). */
function dataVersions(env: LocalEnvironment): number {
  return env.source.store.allVersions().filter((v) => v.resourceType !== "SearchParameter").length;
}

/** Sets up, adds the faults to the source and migrates until caught up. */
async function migrate(faults: FaultSpec[], overrides: Environment) {
  const { env, deps } = await setUp(overrides);
  for (const fault of faults) env.source.faults.add(fault);
  const result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
  expect(result.output).toMatchObject({ outcome: "caught-up" });
  const cursor = await deps.state.getCursor();
  expect(cursor.watermark).toBe(cursor.frontier);
  return { env, deps };
}

async function migrateAndCheck(faults: FaultSpec[], overrides: Environment) {
  const { env, deps } = await migrate(faults, overrides);
  const servedByMigration = pageFaultsServed(env.source);

  const report = await runVerification(deps, {
    checks: ["surface", "full"],
    seed: "empty-page-positions",
    limits: { pageSize: PAGE_SIZE },
  });
  const servedByVerification = pageFaultsServed(env.source) - servedByMigration;
  expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
  expect(report.surface?.verdict).toBe("Pass");
  const versions = dataVersions(env);
  expect(report.full?.totals).toMatchObject({
    source: versions,
    destination: versions,
    matched: versions,
    missing: 0,
    different: 0,
    extra: 0,
  });
  expect(report.full?.searchParameters).toMatchObject({
    processed: SEARCH_PARAMETERS,
    passed: SEARCH_PARAMETERS,
  });

  // The oracle reads both servers without faults: every version, with its body, arrived.
  env.source.faults.clear();
  const { problems } = await compareAllVersions(deps.source, deps.destination);
  expect(problems).toEqual([]);
  return { servedByMigration, servedByVerification };
}

describe("empty and partial Cosmos pages at every position of the source's queries", () => {
  it.each([1, 2, 3, 4])(
    "an empty page at position %i: every version arrives (system level, history and deletes)",
    async (position) => {
      const served = await migrateAndCheck([{ kind: "empty-page", position }], SYSTEM_LEVEL);
      // Position 1 is met by every query the migration pages; later positions by the verification.
      if (position === 1) expect(served.servedByMigration).toBeGreaterThan(0);
      expect(served.servedByVerification).toBeGreaterThan(0);
    },
  );

  it("an empty first page: every version arrives (per type, AZURE_IsParallel=false)", async () => {
    const served = await migrateAndCheck([{ kind: "empty-page", position: 1 }], PER_TYPE);
    expect(served.servedByMigration).toBeGreaterThan(0);
    expect(served.servedByVerification).toBeGreaterThan(0);
  });

  it.each([1, 2, 3, 4])(
    "a partial page (one entry) at position %i: every version arrives (system level)",
    async (position) => {
      const served = await migrateAndCheck(
        [{ kind: "partial-page", entries: 1, position }],
        SYSTEM_LEVEL,
      );
      expect(served.servedByVerification).toBeGreaterThan(0);
    },
  );

  it("an empty page before every page and a partial page at every other position (system level)", async () => {
    // Faulted pages count as positions: an empty page at every odd position puts one before
    // each page that holds entries, and each of those is cut short.
    const faults: FaultSpec[] = [];
    for (let position = 1; position <= 400; position++) {
      faults.push(
        position % 2 === 1 ? { kind: "empty-page", position } : { kind: "partial-page", position },
      );
    }
    const served = await migrateAndCheck(faults, SYSTEM_LEVEL);
    expect(served.servedByMigration).toBeGreaterThan(0);
    expect(served.servedByVerification).toBeGreaterThan(0);
  });

  it("every page empty until a cap, then every page partial (per type)", async () => {
    // Rate 1 without a cap would make every page empty for ever, which no server does (its fill
    // loop resumes); `times` caps the run of empty pages below the 100 in a row after which a
    // first-entry query gives up (FIRST_ENTRY_PAGE_BUDGET).
    const served = await migrateAndCheck(
      [
        { kind: "empty-page", rate: 1, times: 60 },
        { kind: "partial-page", rate: 1 },
      ],
      PER_TYPE,
    );
    expect(served.servedByMigration).toBeGreaterThanOrEqual(60);
    expect(served.servedByVerification).toBeGreaterThan(0);
  });

  it("the deep check and the reconciliation pass with an empty or partial page at positions 1 to 4", async () => {
    // One migration, then the checks that read the source resource by resource: the deep check's
    // sample listing (`{Type}/_history`), reconciliation's `_id` searches and instance histories.
    const { env, deps } = await migrate([{ kind: "empty-page", position: 1 }], SYSTEM_LEVEL);
    for (const kind of ["empty-page", "partial-page"] as const) {
      for (const position of [1, 2, 3, 4]) {
        env.source.faults.clear();
        env.source.faults.add({ kind, position });
        const before = pageFaultsServed(env.source);
        const report = await runVerification(deps, {
          checks: ["deep", "reconcile"],
          deepCheckCount: 20,
          seed: `deep-${kind}-${position}`,
          limits: { pageSize: PAGE_SIZE },
        });
        expect(report.verdict, `${kind} at ${position}: ${formatVerificationReport(report)}`).toBe(
          "Pass",
        );
        expect(report.deep?.sampled).toBe(20);
        expect(report.reconcile?.types.every((t) => t.totals.hardDeleted === 0)).toBe(true);
        expect(pageFaultsServed(env.source)).toBeGreaterThan(before);
      }
    }
  });
});
