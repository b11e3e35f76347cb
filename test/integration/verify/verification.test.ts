/**
 * The verification checks end to end: Azurite plus two emulators, the destination seeded as an exact
 * copy of the source (same versionId and lastUpdated, as IncrementalLoad `$import` keeps them), then
 * the copy is damaged in one specific way per test and the report must name exactly that.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { formatVerificationReport } from "../../../src/verify/format";
import { runVerification } from "../../../src/verify/runVerification";
import type { RunVerificationOptions } from "../../../src/verify/runVerification";
import type { EmulatorStore } from "../../../emulator";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { generateOperations } from "../../../emulator/harness/syntheticData";

const DAY = 86_400_000;
const SEEDED_UNTIL = Date.parse("2025-02-01T00:00:00Z");
const WATERMARK = "2025-02-10T00:00:00.000Z";

let environment: LocalEnvironment;
let clockMs = SEEDED_UNTIL;
const clock = { now: () => clockMs };

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

/** Replaces a store's contents with every version of `from` (same versionId, lastUpdated, body). */
function copyStore(from: EmulatorStore, to: EmulatorStore): void {
  for (const type of to.usedTypes()) {
    for (const v of to.index("all", type).toArray()) to.hardDelete(v.resourceType, v.id);
  }
  for (const v of from.allVersions()) {
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
}

function clear(store: EmulatorStore): void {
  for (const type of store.usedTypes()) {
    for (const v of store.index("all", type).toArray()) store.hardDelete(v.resourceType, v.id);
  }
}

/** Rewrites one stored version of the destination in place (same versionId and lastUpdated). */
function tamper(
  store: EmulatorStore,
  type: string,
  id: string,
  change: (resource: Record<string, unknown>) => void,
): void {
  const versions = store.history(type, id);
  store.hardDelete(type, id);
  for (const v of versions) {
    const resource = JSON.parse(v.text) as Record<string, unknown>;
    if (v.isCurrent) change(resource);
    store.insertVersion({ ...v, resourceType: type, text: JSON.stringify(resource) });
  }
}

function seedSource(store: EmulatorStore): void {
  const ops = generateOperations({ resources: 60, years: 2, seed: 7, endMs: SEEDED_UNTIL - DAY });
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

/** The SearchParameter copy: PUT by id without meta, so the destination gives it its own version. */
function copySearchParameters(from: EmulatorStore, to: EmulatorStore): void {
  for (const v of from.currentVersions("SearchParameter")) {
    to.hardDelete("SearchParameter", v.id);
    const { meta: _meta, ...rest } = v.resource;
    to.update(rest as never);
  }
}

let suffix = 0;
function depsFor(overrides: Environment = {}): { deps: EngineDeps; telemetry: InMemoryTelemetry } {
  suffix++;
  const tag = `${Date.now().toString(36)}${suffix}`;
  const telemetry = new InMemoryTelemetry();
  const settings = settingsFor(
    environment.env({
      AZURE_ChunkTableName: `vchunk${tag}`,
      AZURE_ExportTableName: `vexport${tag}`,
      AZURE_ExportWithHistory: "true",
      AZURE_ExportWithDelete: "true",
      AZURE_DeepCheckCount: "1000",
      ...overrides,
    }),
  );
  return { deps: createEngineDeps(settings, { telemetry }), telemetry };
}

async function verify(deps: EngineDeps, options: RunVerificationOptions = {}) {
  return runVerification(deps, { seed: "itest", ...options });
}

let patientIds: string[];

beforeEach(() => {
  clear(environment.source.store);
  seedSource(environment.source.store);
  copyStore(environment.source.store, environment.destination.store);
  copySearchParameters(environment.source.store, environment.destination.store);
  patientIds = environment.source.store.currentVersions("Patient").map((v) => v.id);
});

describe("verification against two emulators", () => {
  it("passes every check on an exact copy and reports nothing else", async () => {
    const { deps, telemetry } = depsFor();
    const report = await verify(deps);
    expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
    expect(report.surface?.rows.every((r) => r.verdict === "Pass")).toBe(true);
    // History and deletes are migrated: both scopes per type, SearchParameter search only.
    expect(
      report.surface?.rows.filter((r) => r.scope === "history").map((r) => r.type),
    ).not.toContain("SearchParameter");
    expect(report.deep).toMatchObject({ failed: 0, errors: 0, behind: 0 });
    expect(report.deep?.sampled).toBeGreaterThan(60);
    expect(report.reconcile?.types.every((t) => t.totals.extra === 0)).toBe(true);
    expect(telemetry.named("DeepCheck").every((e) => e.properties.Result === "Pass")).toBe(true);
    expect(telemetry.named("SurfaceCheck")).toHaveLength(report.surface!.rows.length);
  });

  it("adds the system-level total (/?_summary=count), equal to the per-type search counts", async () => {
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["surface"] });
    const rows = report.surface!.rows;
    const perType = rows.filter((r) => r.scope === "search").reduce((n, r) => n + r.source!, 0);
    expect(rows.filter((r) => r.scope === "system")).toEqual([
      expect.objectContaining({
        type: "(all types)",
        source: perType,
        destination: perType,
        verdict: "Pass",
      }),
    ]);
  });

  it("fails the total when a type outside the requested ones differs", async () => {
    const extra = { resourceType: "Basic", id: "only-on-source", code: { text: "x" } };
    environment.source.store.create(extra);
    try {
      const { deps } = depsFor();
      const report = await verify(deps, { checks: ["surface"], resourceTypes: ["Patient"] });
      const total = report.surface!.rows.find((r) => r.scope === "system");
      expect([total?.verdict, report.surface?.verdict]).toEqual(["Fail", "Fail"]);
    } finally {
      environment.source.store.hardDelete("Basic", "only-on-source");
    }
  });

  it("discovers every type present, SearchParameter included", async () => {
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["surface"] });
    const types = [
      ...new Set(report.surface?.rows.filter((r) => r.scope !== "system").map((r) => r.type)),
    ];
    expect(types).toEqual([...environment.source.store.usedTypes()].sort());
    expect(types).toContain("SearchParameter");
  });

  it("reports a tampered destination resource with the paths that differ", async () => {
    const id = patientIds[0]!;
    tamper(environment.destination.store, "Patient", id, (r) => {
      (r.name as { family: string }[])[0]!.family = "Tampered";
      delete r.birthDate;
      r.gender = "unknown";
    });
    const { deps } = depsFor();
    const report = await verify(deps);
    expect(report.verdict).toBe("Fail");
    expect(report.surface?.verdict).toBe("Pass");
    expect(report.deep?.failed).toBe(1);
    const failure = report.deep?.failures[0];
    expect(failure).toMatchObject({ type: "Patient", id, result: "Fail" });
    expect(failure?.findings).toHaveLength(1);
    expect(failure?.findings[0]?.problem).toBe("content");
    expect(failure?.findings[0]?.paths).toEqual(
      expect.arrayContaining([
        { path: "name[0].family", kind: "changed" },
        { path: "birthDate", kind: "missing" },
      ]),
    );
    expect(formatVerificationReport(report)).toContain(`Patient/${id}`);
  });

  it("reports a resource missing on the destination", async () => {
    const id = patientIds[1]!;
    environment.destination.store.hardDelete("Patient", id);
    const { deps } = depsFor();
    const report = await verify(deps);
    expect(report.verdict).toBe("Fail");
    expect(
      report.surface?.rows.find((r) => r.type === "Patient" && r.scope === "search"),
    ).toMatchObject({
      difference: -1,
      verdict: "Fail",
    });
    expect(report.deep?.failures).toEqual([
      expect.objectContaining({
        type: "Patient",
        id,
        result: "Fail",
        findings: expect.arrayContaining([expect.objectContaining({ problem: "missing" })]),
      }),
    ]);
    expect(report.reconcile?.verdict).toBe("Pass");
  });

  it("lists a resource hard-deleted on the source and leaves it when not opted in", async () => {
    const id = patientIds[2]!;
    environment.source.store.hardDelete("Patient", id);
    const { deps, telemetry } = depsFor();
    const report = await verify(deps, { checks: ["reconcile"] });
    const patient = report.reconcile?.types.find((t) => t.type === "Patient");
    expect(patient).toMatchObject({ verdict: "Fail", applyRefused: null });
    expect(patient?.totals).toMatchObject({ extra: 1, hardDeleted: 1, applied: 0 });
    expect(patient?.sample).toEqual([
      { id, class: "hard-deleted", applied: false, note: expect.any(String) },
    ]);
    expect(report.reconcile?.types.filter((t) => t.totals.extra > 0)).toHaveLength(1);
    expect(environment.destination.store.read("Patient", id)).toBeDefined();
    expect(
      telemetry.named("HardDeleteReconciliation").find((e) => e.properties.Resource === "Patient")
        ?.properties,
    ).toMatchObject({
      ExtraOnDestination: 1,
      Applied: 0,
    });
  });

  it("deletes it on the destination when opted in, and records it", async () => {
    const id = patientIds[2]!;
    environment.source.store.hardDelete("Patient", id);
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["reconcile"], applyHardDeletes: true });
    const patient = report.reconcile?.types.find((t) => t.type === "Patient");
    expect(patient?.totals).toMatchObject({ hardDeleted: 1, applied: 1 });
    expect(patient?.verdict).toBe("Pass");
    expect(environment.destination.store.read("Patient", id)).toBeUndefined();
    const rows = [];
    for await (const row of deps.state.listCheckResults(report.runId)) rows.push(row);
    expect(rows.filter((r) => r.kind === "reconcile" && r.key === id)).toEqual([
      expect.objectContaining({
        resourceType: "Patient",
        result: "Pass",
        details: expect.stringContaining("hard deleted, deleted on the destination"),
      }),
    ]);
  });

  it("refuses to apply deletes for a type the source holds none of", async () => {
    for (const v of environment.source.store.index("all", "Condition").toArray()) {
      environment.source.store.hardDelete("Condition", v.id);
    }
    const before = environment.destination.store.count("Condition");
    const { deps } = depsFor();
    const report = await verify(deps, {
      checks: ["reconcile"],
      applyHardDeletes: true,
      resourceTypes: ["Condition"],
    });
    expect(report.reconcile?.types[0]).toMatchObject({
      applyRefused: expect.stringMatching(/holds no Condition/),
      verdict: "Fail",
    });
    expect(environment.destination.store.count("Condition")).toBe(before);
  });

  it("says Behind, not Fail, for source changes newer than the watermark", async () => {
    const { deps } = depsFor();
    await deps.state.ensure();
    await deps.state.changeCursor((c) => ({ ...c, watermark: WATERMARK }));
    clockMs = Date.parse(WATERMARK) + DAY;
    environment.source.store.create({
      resourceType: "Patient",
      id: "new-after-watermark",
      active: true,
    });
    const updated = environment.source.store.read("Patient", patientIds[3]!)!.resource;
    environment.source.store.update({ ...updated, active: false });
    clockMs = Date.parse(WATERMARK) + 2 * DAY;
    const report = await verify(deps);
    expect(report.verdict, formatVerificationReport(report)).toBe("Behind");
    expect(
      report.surface?.rows.filter((r) => r.type === "Patient").map((r) => [r.scope, r.verdict]),
    ).toEqual([
      ["search", "Behind"],
      ["history", "Behind"],
    ]);
    expect(report.deep?.behind).toBe(2);
    expect(report.deep?.failed).toBe(0);
    clockMs = SEEDED_UNTIL;
  });

  it("reports a version only the destination has (written there directly)", async () => {
    const id = patientIds[0]!;
    clockMs = SEEDED_UNTIL + DAY;
    const current = environment.destination.store.read("Patient", id)!.resource;
    const extra = environment.destination.store.update({ ...current, active: false });
    clockMs = SEEDED_UNTIL;
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["deep"] });
    expect(report.deep?.failures).toEqual([
      expect.objectContaining({
        id,
        findings: [expect.objectContaining({ versionId: extra.versionId, problem: "extra" })],
      }),
    ]);
  });

  it("reports a version stored as deleted on the destination but not on the source", async () => {
    const id = patientIds[1]!;
    const store = environment.destination.store;
    const versions = store.history("Patient", id);
    store.hardDelete("Patient", id);
    for (const v of versions)
      store.insertVersion({ ...v, resourceType: "Patient", deleted: v.isCurrent || v.deleted });
    const last = versions.at(-1)!;
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["deep"] });
    expect(report.deep?.failures).toEqual([
      expect.objectContaining({
        id,
        findings: [
          { versionId: last.versionId, problem: "deleted-on-destination", paths: [], note: null },
        ],
      }),
    ]);
  });

  it("compares the current version by versionId when history is not migrated", async () => {
    const id = patientIds[0]!;
    tamper(environment.destination.store, "Patient", id, (r) => {
      r.active = "yes";
    });
    const { deps, telemetry } = depsFor({ AZURE_ExportWithHistory: "false" });
    const report = await verify(deps, { checks: ["surface", "deep"] });
    expect(report.surface?.rows.every((r) => r.scope === "search" || r.scope === "system")).toBe(
      true,
    );
    expect(report.deep?.failures).toEqual([
      expect.objectContaining({
        id,
        versionsCompared: 1,
        findings: [expect.objectContaining({ problem: "content" })],
      }),
    ]);
    const event = telemetry.named("DeepCheck").find((e) => e.properties.id === id);
    expect(event?.properties).toMatchObject({
      Result: "Fail",
      DifferingPaths: expect.stringMatching(/active \((changed|extra)\)/),
    });
  });

  it("reports a SearchParameter whose definition differs, ignoring its new version on the destination", async () => {
    tamper(environment.destination.store, "SearchParameter", "patient-race", (r) => {
      r.expression = "Patient.extension";
    });
    const { deps } = depsFor();
    const report = await verify(deps, { checks: ["deep"], resourceTypes: ["SearchParameter"] });
    expect(report.deep?.failures).toEqual([
      expect.objectContaining({
        type: "SearchParameter",
        findings: [expect.objectContaining({ paths: [{ path: "expression", kind: "changed" }] })],
      }),
    ]);
  });

  it("tells a soft delete the destination missed from one that is still to come", async () => {
    const id = patientIds[3]!;
    // The emulator's stamps only move forward: read when the delete happened.
    const deletedAt = environment.source.store.softDelete("Patient", id)!.lastUpdatedMs;
    const withWatermark = async (watermarkMs: number) => {
      const { deps } = depsFor();
      await deps.state.ensure();
      await deps.state.changeCursor((c) => ({
        ...c,
        watermark: new Date(watermarkMs).toISOString(),
      }));
      return verify(deps, {
        checks: ["reconcile"],
        resourceTypes: ["Patient"],
        applyHardDeletes: true,
      });
    };
    const missed = await withWatermark(deletedAt + DAY);
    const pending = await withWatermark(deletedAt - DAY);
    expect(missed.reconcile?.types[0]).toMatchObject({
      verdict: "Fail",
      totals: expect.objectContaining({ extra: 1, deletedOnSource: 1, applied: 0 }),
      sample: [expect.objectContaining({ id, class: "deleted-on-source" })],
    });
    expect(pending.reconcile?.types[0]).toMatchObject({
      verdict: "Behind",
      totals: expect.objectContaining({ extra: 1, deletePending: 1, applied: 0 }),
    });
    expect(environment.destination.store.read("Patient", id)).toBeDefined();
  });

  it("reports a type that cannot be counted as Error, never as passed", async () => {
    environment.destination.faults.add({
      kind: "status",
      status: 403,
      operation: "count",
      times: 100,
    });
    try {
      const { deps } = depsFor();
      const report = await verify(deps, { checks: ["surface"], resourceTypes: ["Patient"] });
      expect(report.verdict).toBe("Error");
      expect(report.surface?.rows[0]).toMatchObject({
        verdict: "Error",
        reason: expect.stringMatching(/could not be counted: .*403/),
      });
    } finally {
      environment.destination.faults.clear();
    }
  });

  it("samples the same resources again with the same seed", async () => {
    const options: RunVerificationOptions = { checks: ["deep"], deepCheckCount: 10 };
    const first = depsFor();
    const a = await verify(first.deps, options);
    const second = depsFor();
    const b = await verify(second.deps, options);
    expect(a.deep?.sampled).toBe(10);
    expect(await deepIds(first.deps, a.runId)).toEqual(await deepIds(second.deps, b.runId));
  });

  it("samples another set of resources with another seed", async () => {
    const options: RunVerificationOptions = { checks: ["deep"], deepCheckCount: 10 };
    const first = depsFor();
    const a = await verify(first.deps, { ...options, seed: "one" });
    const second = depsFor();
    const b = await verify(second.deps, { ...options, seed: "two" });
    expect(await deepIds(first.deps, a.runId)).not.toEqual(await deepIds(second.deps, b.runId));
  });

  it("resumes sampling and reconciliation across activities on small hop limits", async () => {
    const types = ["Observation", "Patient"];
    const whole = depsFor();
    const once = await verify(whole.deps, { resourceTypes: types, deepCheckCount: 12 });
    const hopped = depsFor();
    const report = await verify(hopped.deps, {
      resourceTypes: types,
      deepCheckCount: 12,
      limits: { pageSize: 7, maxPages: 2, compareBatch: 3 },
    });
    expect(report.verdict, formatVerificationReport(report)).toBe("Pass");
    // Every destination resource checked exactly once, and the same sample as in one hop.
    expect(report.reconcile?.types.map((t) => t.totals.scanned)).toEqual([
      environment.destination.store.count("Observation"),
      environment.destination.store.count("Patient"),
    ]);
    expect(await deepIds(hopped.deps, report.runId)).toEqual(await deepIds(whole.deps, once.runId));
  });
});

async function deepIds(deps: EngineDeps, runId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const row of deps.state.listCheckResults(runId)) {
    if (row.kind === "deep") out.push(`${row.resourceType}/${row.key}`);
  }
  return out.sort();
}
