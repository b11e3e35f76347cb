/**
 * The full check (every version of every resource) end to end: Azurite plus two emulators, the
 * destination an exact copy of the source, then damaged in one way per test; the full check must
 * report exactly that damage, with the paths that differ, and nothing else.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { formatVerificationReport } from "../../../src/verify/format";
import type { RunVerificationOptions } from "../../../src/verify/runVerification";
import { runVerification } from "../../../src/verify/runVerification";
import type { EmulatorStore } from "../../../emulator";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { generateOperations } from "../../../emulator/harness/syntheticData";

const DAY = 86_400_000;
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

beforeAll(async () => {
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    clock,
  });
});

afterAll(async () => {
  await environment?.stop();
});

function clear(store: EmulatorStore): void {
  for (const type of store.usedTypes()) {
    for (const v of store.index("all", type).toArray()) store.hardDelete(v.resourceType, v.id);
  }
}

function copyStore(from: EmulatorStore, to: EmulatorStore): void {
  clear(to);
  for (const v of from.allVersions()) {
    if (v.resourceType === "SearchParameter") continue;
    to.insertVersion({
      resourceType: v.resourceType,
      id: v.id,
      version: v.version,
      lastUpdatedMs: v.lastUpdatedMs,
      deleted: v.deleted,
      writeMethod: v.writeMethod,
      text: v.text,
    });
  }
  // SearchParameters are copied by PUT without meta: the destination gives them its own version.
  for (const v of from.currentVersions("SearchParameter")) {
    const { meta: _meta, ...rest } = v.resource;
    to.update(rest as never);
  }
}

function seedSource(store: EmulatorStore): void {
  clear(store);
  const ops = generateOperations({ resources: 80, years: 2, seed: 11, endMs: SEEDED_UNTIL - DAY });
  for (const op of ops) {
    clockMs = op.at;
    if (op.kind === "create") store.create(op.resource);
    else if (op.kind === "update") store.update(op.resource);
    else store.softDelete(op.resourceType, op.id);
  }
  clockMs = SEEDED_UNTIL;
  store.create({
    resourceType: "SearchParameter",
    id: "patient-race",
    url: "http://example.org/SearchParameter/patient-race",
    name: "race",
    status: "active",
    code: "race",
    base: ["Patient"],
    type: "token",
    expression: "Patient.extension.value.code",
  });
}

let suffix = 0;
function depsFor(overrides: Environment = {}): EngineDeps {
  suffix++;
  const tag = `${Date.now().toString(36)}${suffix}`;
  const settings = settingsFor(
    environment.env({
      AZURE_ChunkTableName: `fchunk${tag}`,
      AZURE_ExportTableName: `fexport${tag}`,
      AZURE_ExportWithHistory: "true",
      AZURE_ExportWithDelete: "true",
      ...overrides,
    }),
  );
  return createEngineDeps(settings, { telemetry: new InMemoryTelemetry(), log: () => {}, clock });
}

async function full(deps: EngineDeps, options: RunVerificationOptions = {}) {
  // Small units, so the timeline is cut into several and the merge of unit results is exercised.
  return runVerification(deps, { checks: ["full"], seed: "full", unitVersions: 40, ...options });
}

/** Source versions the full check compares (SearchParameters are compared separately). */
function sourceVersions(): number {
  return environment.source.store.allVersions().filter((v) => v.resourceType !== "SearchParameter")
    .length;
}

beforeEach(() => {
  clockMs = SEEDED_UNTIL;
  seedSource(environment.source.store);
  copyStore(environment.source.store, environment.destination.store);
  clockMs = SEEDED_UNTIL + DAY;
});

describe("the full check", () => {
  it("passes an exact copy, comparing every version once", async () => {
    const report = await full(depsFor());
    const f = report.full!;
    expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
    expect(f.units).toBeGreaterThan(3);
    expect(f.totals).toMatchObject({
      source: sourceVersions(),
      destination: sourceVersions(),
      matched: sourceVersions(),
      missing: 0,
      different: 0,
      extra: 0,
    });
    expect(f.searchParameters).toMatchObject({ processed: 1, passed: 1 });
  });

  it("reports every version of a resource lost on the destination after import as missing", async () => {
    const lost = environment.source.store.currentVersions("Patient")[3]!;
    const versions = environment.source.store.history("Patient", lost.id).length;
    environment.destination.store.hardDelete("Patient", lost.id);
    const report = await full(depsFor());
    const f = report.full!;
    expect(report.verdict).toBe("Fail");
    expect(f.totals).toMatchObject({ missing: versions, different: 0, extra: 0 });
    expect(f.examples.filter((e) => e.problem === "missing")).toHaveLength(versions);
    expect(f.examples.every((e) => e.type === "Patient" && e.id === lost.id)).toBe(true);
  });

  it("reports resources only the destination has as extra, not as loss", async () => {
    clockMs = SEEDED_UNTIL - 5 * DAY;
    environment.destination.store.create({
      resourceType: "Patient",
      id: "made-there",
      active: true,
    });
    clockMs = SEEDED_UNTIL + DAY;
    const report = await full(depsFor());
    const f = report.full!;
    expect(report.verdict).toBe("Pass");
    expect(f.totals).toMatchObject({ extra: 1, missing: 0, different: 0 });
    expect(f.examples).toEqual([
      expect.objectContaining({ type: "Patient", id: "made-there", problem: "extra" }),
    ]);
    expect(formatVerificationReport(report)).toMatch(
      /1 version\(s\) only on the destination: not loss/,
    );
  });

  it("reports changed content with the JSON paths that differ", async () => {
    const v = environment.source.store.currentVersions("Patient")[5]!;
    const versions = environment.destination.store.history("Patient", v.id);
    environment.destination.store.hardDelete("Patient", v.id);
    for (const stored of versions) {
      const resource = JSON.parse(stored.text) as Record<string, unknown>;
      if (stored.isCurrent) {
        resource.gender = "unknown-tampered";
        resource.language = "x-tampered";
      }
      environment.destination.store.insertVersion({
        ...stored,
        resourceType: "Patient",
        text: JSON.stringify(resource),
      });
    }
    const report = await full(depsFor());
    const f = report.full!;
    expect(report.verdict).toBe("Fail");
    expect(f.totals).toMatchObject({ different: 1, missing: 0, extra: 0 });
    expect(f.examples).toHaveLength(1);
    expect(f.examples[0]).toMatchObject({
      type: "Patient",
      id: v.id,
      versionId: v.versionId,
      problem: "content",
    });
    expect(f.examples[0]!.paths).toEqual(
      expect.arrayContaining([
        { path: "gender", kind: "changed" },
        { path: "language", kind: "extra" },
      ]),
    );
  });

  it("compares number literals as text: a decimal that lost its precision differs, key order does not", async () => {
    const at = SEEDED_UNTIL - 10 * DAY;
    const observation = (id: string, body: string) => ({
      resourceType: "Observation",
      id,
      version: 1,
      lastUpdatedMs: at,
      deleted: false,
      writeMethod: "PUT" as const,
      text: body.replace("LU", new Date(at).toISOString()),
    });
    const exact =
      '{"resourceType":"Observation","id":"dec-1","meta":{"versionId":"1","lastUpdated":"LU"},"status":"final","valueQuantity":{"value":1.50,"unit":"mg"}}';
    const reordered =
      '{"resourceType":"Observation","id":"dec-2","meta":{"versionId":"1","lastUpdated":"LU"},"valueQuantity":{"unit":"mg","value":2.250},"status":"final"}';
    environment.source.store.insertVersion(observation("dec-1", exact));
    environment.source.store.insertVersion(observation("dec-2", reordered));
    // The destination turned 1.50 into 1.5, and wrote the other one with its keys in another order.
    environment.destination.store.insertVersion(observation("dec-1", exact.replace("1.50", "1.5")));
    environment.destination.store.insertVersion(
      observation(
        "dec-2",
        '{"id":"dec-2","resourceType":"Observation","status":"final","valueQuantity":{"value":2.250,"unit":"mg"},"meta":{"lastUpdated":"LU","versionId":"1"}}',
      ),
    );
    const report = await full(depsFor());
    const f = report.full!;
    expect(report.verdict).toBe("Fail");
    expect(f.totals).toMatchObject({ different: 1, missing: 0, extra: 0 });
    expect(f.examples).toEqual([
      expect.objectContaining({
        type: "Observation",
        id: "dec-1",
        problem: "content",
        paths: [{ path: "valueQuantity.value", kind: "changed" }],
      }),
    ]);
  });

  it("says Behind, not Fail, for source versions at or after the watermark", async () => {
    const deps = depsFor();
    const watermark = new Date(SEEDED_UNTIL - 30 * DAY).toISOString();
    await deps.state.ensure();
    await deps.state.changeCursor((c) => ({ ...c, watermark }));
    const newer = environment.source.store
      .allVersions()
      .find((v) => v.resourceType === "Observation" && v.lastUpdatedMs >= Date.parse(watermark))!;
    environment.destination.store.hardDelete("Observation", newer.id);
    const versions = environment.source.store.history("Observation", newer.id);
    const older = versions.filter((v) => v.lastUpdatedMs < Date.parse(watermark)).length;
    const report = await full(deps);
    expect(report.full!.totals).toMatchObject({
      missing: older,
      behind: versions.length - older,
    });
    expect(report.full!.verdict).toBe(older > 0 ? "Fail" : "Behind");
  });

  it("continues an interrupted run from its last finished unit", async () => {
    const deps = depsFor();
    // The process dies while the fourth unit records its result (after reading both servers).
    let recorded = 0;
    const record = deps.state.recordCheckResult.bind(deps.state);
    deps.state.recordCheckResult = async (r) => {
      if (r.kind === "full" && r.resourceType === "_unit" && ++recorded === 4)
        throw new Error("host stopped");
      return record(r);
    };
    const first = full(deps, { runId: "vresume-1", concurrency: 1 });
    await expect(first).rejects.toThrow(/host stopped/);

    deps.state.recordCheckResult = record;
    let rangesRead = 0;
    const pages = deps.source.searchPagesText.bind(deps.source);
    deps.source.searchPagesText = (path: string) => {
      if (path.startsWith("_history?_since=")) rangesRead++;
      return pages(path);
    };
    const report = await full(deps, { resume: "vresume-1", concurrency: 1 });
    const f = report.full!;
    expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
    expect(f.resumedUnits).toBe(3);
    expect(rangesRead).toBe(f.units - 3);
    expect(f.totals.matched).toBe(sourceVersions());
  });

  it("counts every version exactly when both servers refuse counts above a limit", async () => {
    // Test hooks lower int.MaxValue (FhirCosmosSearchService.ExecuteCountSearchAsync) to 30.
    environment.source.setCountLimit(30);
    environment.destination.setCountLimit(30);
    try {
      const report = await full(depsFor());
      expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
      expect(report.full?.totals).toMatchObject({
        source: sourceVersions(),
        matched: sourceVersions(),
        missing: 0,
      });
      expect(report.full?.errors).toEqual([]);
    } finally {
      environment.source.setCountLimit(2_147_483_647);
      environment.destination.setCountLimit(2_147_483_647);
    }
  });

  it("refuses to resume a run that has no plan", async () => {
    await expect(full(depsFor(), { resume: "vnever-started" })).rejects.toThrow(
      /no full check named vnever-started to resume/,
    );
  });

  it("compares current versions when history is not migrated", async () => {
    clear(environment.destination.store);
    for (const v of environment.source.store.currentVersions()) {
      if (v.resourceType === "SearchParameter") continue;
      environment.destination.store.insertVersion({ ...v });
    }
    const { meta: _m, ...sp } = environment.source.store.read(
      "SearchParameter",
      "patient-race",
    )!.resource;
    environment.destination.store.update(sp as never);
    const report = await full(depsFor({ AZURE_ExportWithHistory: "false" }));
    expect(report.full?.scope).toBe("current");
    expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
    expect(report.full?.totals.source).toBe(
      environment.source.store.currentVersions().filter((v) => v.resourceType !== "SearchParameter")
        .length,
    );
  });
});
