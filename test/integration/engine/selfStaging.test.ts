/**
 * Self-staging writes, line for line, what `$export` writes for the same window: the window is
 * staged both ways on the same source (the Cosmos profile with empty and partial history pages, and
 * the SQL profile) and the files' contents are compared per type. The seeded data holds several
 * types, several versions of one resource, soft-deleted versions and a decimal only the raw text keeps.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { plannedChunk } from "../../../src/core/migrationState";
import { decidePass } from "../../../src/core/passPlanner";
import { buildImportPayloads } from "../../../src/engine/activities/buildImportPayloads";
import { loadMigrationState } from "../../../src/engine/activities/loadMigrationState";
import { planNextWindow } from "../../../src/engine/activities/planNextWindow";
import { startExport } from "../../../src/engine/activities/startExport";
import { exportRequestFor } from "../../../src/engine/exportChunk";
import { loadManifest } from "../../../src/engine/manifests";
import { createEngineDeps } from "../../../src/engine/createDeps";
import type { EngineDeps } from "../../../src/engine/deps";
import { PAYLOAD_CONTAINER } from "../../../src/engine/deps";
import { FhirOperationError, TransientError } from "../../../src/errors";
import type { ExportManifest } from "../../../src/fhir/types";
import { runCutoverLocally } from "../../../src/local/localCutover";
import { runMigrationLocally } from "../../../src/local/localMigration";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import { startFhirEmulator } from "../../../emulator";
import type { FaultSpec, FhirEmulator, Flavour } from "../../../emulator/types";
import type { LocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { settingsFor, startLocalEnvironment } from "../../../emulator/harness/localEnvironment";
import { generateOperations } from "../../../emulator/harness/syntheticData";

let environment: LocalEnvironment | undefined;
let sqlSource: FhirEmulator | undefined;
let n = 0;

afterEach(async () => {
  await sqlSource?.close();
  await environment?.stop();
  sqlSource = undefined;
  environment = undefined;
});

const LATENCY = { exportFixedMs: 20, importFixedMs: 20, exportStatusGraceMs: 20 };

/** Seeds the source and returns the window [since, till) holding every seeded version. */
function seed(source: FhirEmulator, setClock: (ms: number | undefined) => void) {
  const store = source.store;
  let at = Date.now() - 3_600_000;
  const step = () => {
    at += 7;
    setClock(at);
  };
  const first = at + 7;
  step();
  store.create({ resourceType: "Patient", id: "p1", active: true });
  step();
  store.update({ resourceType: "Patient", id: "p1", active: false });
  step();
  // A decimal JSON.parse would shorten (1.50 → 1.5): only the raw text keeps it.
  store.create(
    '{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"w"},"valueQuantity":{"value":1.50,"unit":"kg"},"subject":{"reference":"Patient/p1"}}',
  );
  step();
  store.softDelete("Observation", "o1");
  step();
  store.create({ resourceType: "Encounter", id: "e1", status: "finished" });
  step();
  store.softDelete("Encounter", "e1");
  step();
  store.update({ resourceType: "Encounter", id: "e1", status: "cancelled" });
  for (const op of generateOperations({
    resources: 40,
    years: 0.0001,
    seed: 5,
    endMs: at + 1_000_000,
    updateShare: 0.4,
    deleteShare: 0.15,
  })) {
    at = Math.max(at + 1, op.at);
    setClock(at);
    if (op.kind === "create") store.create(op.resource);
    else if (op.kind === "update") store.update(op.resource);
    else store.softDelete(op.resourceType, op.id);
  }
  setClock(undefined);
  return { since: new Date(first).toISOString(), till: new Date(at + 1).toISOString() };
}

async function setUp(flavour: Flavour, overrides: Environment = {}) {
  let seedingAt: number | undefined;
  const sourceClock = { now: () => seedingAt ?? Date.now() };
  environment = await startLocalEnvironment({
    azurite: {
      connectionString: inject("azuriteConnectionString"),
      blobEndpoint: inject("azuriteBlobEndpoint"),
    },
    sourceClock,
    latency: LATENCY,
  });
  let source = environment.source;
  if (flavour === "ahds") {
    sqlSource = await startFhirEmulator({
      flavour: "ahds",
      storageConnectionString: environment.connectionString,
      storageBlobEndpoint: environment.blobEndpoint,
      clock: sourceClock,
      latency: LATENCY,
    });
    source = sqlSource;
  }
  const window = seed(source, (ms) => {
    seedingAt = ms;
  });
  n++;
  const telemetry = new InMemoryTelemetry();
  const deps = createEngineDeps(
    settingsFor(
      environment.env({
        AZURE_SourceUri: source.baseUrl,
        AZURE_ChunkTableName: `sschunk${process.pid}x${n}`,
        AZURE_ExportTableName: `ssexport${process.pid}x${n}`,
        // Staged blobs are named from the row key in containers shared with parallel files.
        AZURE_RowKey: `ssrow${process.pid}x${n}`,
        AZURE_SelfStageMaxVersions: "1000",
        AZURE_SelfStagePageSize: "10",
        ...overrides,
      }),
    ),
    { telemetry },
  );
  await deps.state.ensure();
  return { source, deps, telemetry, window };
}

function chunkFor(
  seq: number,
  window: { since: string; till: string },
  expectedCount: number,
  resourceType?: string,
): ChunkRecord {
  return plannedChunk({ seq, since: window.since, till: window.till, resourceType, expectedCount });
}

/** Every line of the manifest's files, per type, in manifest order. */
async function linesByType(deps: EngineDeps, manifest: ExportManifest) {
  const out = new Map<string, string[]>();
  for (const file of manifest.output) {
    const text = await deps.staging.readTextByUrl(file.url);
    const lines = text.split("\n").filter((l) => l !== "");
    out.set(file.type, [...(out.get(file.type) ?? []), ...lines]);
  }
  return out;
}

/** The same window through the source's `$export`, waited for. */
async function exportedLines(deps: EngineDeps, chunk: ChunkRecord) {
  const { statusUrl } = await deps.source.exportKickOff(exportRequestFor(deps, chunk));
  for (let i = 0; i < 400; i++) {
    const status = await deps.source.exportStatus(statusUrl);
    if (status.state !== "running") return linesByType(deps, status.manifest);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the export did not complete");
}

/** The window staged by StartExport with self-staging chosen, and its lines per type. */
async function selfStagedLines(deps: EngineDeps, chunk: ChunkRecord) {
  await deps.state.insertChunk(chunk);
  await startExport(deps, { seq: chunk.seq, selfStage: { pages: 100, importSlots: 0 } });
  const after = await deps.state.getChunk(chunk.seq);
  expect(after).toMatchObject({ exportStatus: "Completed", exportContentLocation: undefined });
  return linesByType(deps, await loadManifest(deps, chunk.seq));
}

const COSMOS_PAGE_FAULTS: FaultSpec[] = [
  { kind: "empty-page", operation: "history", position: 1 },
  { kind: "partial-page", operation: "history", entries: 3, position: 2 },
  { kind: "empty-page", operation: "history", position: 4 },
  { kind: "partial-page", operation: "history", entries: 1, position: 5 },
];

describe("self-staging writes what $export writes", () => {
  it.each([
    {
      flavour: "apiForFhir" as const,
      faults: COSMOS_PAGE_FAULTS,
      label: "Cosmos, empty and partial pages",
    },
    { flavour: "ahds" as const, faults: [], label: "SQL" },
  ])("system level, $label", async ({ flavour, faults }) => {
    const { source, deps, window } = await setUp(flavour);
    const count = await deps.source.count({ history: true, ...window });
    const chunk = chunkFor(1, window, count);
    const exported = await exportedLines(deps, chunk);
    for (const fault of faults) source.faults.add(fault);
    const staged = await selfStagedLines(deps, chunk);
    const survived = source.faults.survived();
    if (flavour === "apiForFhir") {
      expect(survived["empty-page"]).toBeGreaterThan(0);
      expect(survived["partial-page"]).toBeGreaterThan(0);
    }
    expect([...staged.keys()].sort()).toEqual([...exported.keys()].sort());
    expect(exported.size).toBeGreaterThan(2);
    for (const [type, lines] of exported) expect(staged.get(type), type).toEqual(lines);
    const all = [...staged.values()].flat();
    expect(all).toHaveLength(count);
    // The seeded cases are there: a raw decimal, a soft-deleted version, three versions of one resource.
    expect(all.some((l) => l.includes('"value":1.50'))).toBe(true);
    expect(all.filter((l) => l.includes('"soft-deleted"')).length).toBeGreaterThan(1);
    expect(all.filter((l) => l.includes('"id":"e1"'))).toHaveLength(3);
  });

  it.each([{ flavour: "apiForFhir" as const }, { flavour: "ahds" as const }])(
    "per type ($flavour)",
    async ({ flavour }) => {
      const { deps, window } = await setUp(flavour);
      const count = await deps.source.count({ type: "Encounter", history: true, ...window });
      const chunk = chunkFor(1, window, count, "Encounter");
      const exported = await exportedLines(deps, chunk);
      const staged = await selfStagedLines(deps, chunk);
      expect([...staged.keys()]).toEqual(["Encounter"]);
      expect(staged.get("Encounter")).toEqual(exported.get("Encounter"));
    },
  );
});

describe("self-staging under throttling", () => {
  it("retries a throttled _history page after its Retry-After and still stages the window", async () => {
    const { source, deps, window } = await setUp("apiForFhir");
    const count = await deps.source.count({ history: true, ...window });
    source.faults.add({
      kind: "status",
      status: 429,
      retryAfterSeconds: 1,
      operation: "history",
      times: 2,
    });
    const staged = await selfStagedLines(deps, chunkFor(1, window, count));
    expect(source.faults.survived()["status"]).toBe(2);
    expect([...staged.values()].flat()).toHaveLength(count);
    expect(source.stats.requests("export-kickoff")).toBe(0);
  });
});

describe("self-staging falls back to $export", () => {
  it("when the versions read differ from the window's count, the window is exported instead", async () => {
    const { source, deps, telemetry, window } = await setUp("apiForFhir");
    const count = await deps.source.count({ history: true, ...window });
    await deps.state.insertChunk(chunkFor(1, window, count + 1));
    await startExport(deps, { seq: 1, selfStage: { pages: 100, importSlots: 0 } });
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Running" });
    expect(source.stats.requests("export-kickoff")).toBe(1);
    const event = telemetry.events.find((e) => e.name === "SelfStage");
    expect(event?.properties).toMatchObject({ Outcome: "FellBack" });
    expect(String(event?.properties?.["Reason"])).toContain(`its count said ${count + 1}`);
  });

  it("when the staging account refuses the app's writes, before reading any page", async () => {
    const { source, deps, telemetry, window } = await setUp("apiForFhir");
    const count = await deps.source.count({ history: true, ...window });
    await deps.state.insertChunk(chunkFor(1, window, count));
    const denied = Object.assign(new Error("This request is not authorized"), {
      statusCode: 403,
      code: "AuthorizationPermissionMismatch",
    });
    const refusing: EngineDeps = {
      ...deps,
      staging: { ...deps.staging, ensureContainer: () => Promise.reject(denied) },
    };
    source.stats.reset();
    await startExport(refusing, { seq: 1, selfStage: { pages: 100, importSlots: 0 } });
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Running" });
    expect(source.stats.requests("history")).toBe(0);
    const event = telemetry.events.find((e) => e.name === "SelfStage");
    expect(String(event?.properties?.["Reason"])).toContain(
      "HTTP 403 AuthorizationPermissionMismatch",
    );
  });

  it("when the window needs more pages than its request budget", async () => {
    const { source, deps, window } = await setUp("apiForFhir");
    const count = await deps.source.count({ history: true, ...window });
    await deps.state.insertChunk(chunkFor(1, window, count));
    await startExport(deps, { seq: 1, selfStage: { pages: 2, importSlots: 0 } });
    expect(await deps.state.getChunk(1)).toMatchObject({ exportStatus: "Running" });
    expect(source.stats.requests("export-kickoff")).toBe(1);
  });
});

describe("a migration with self-staging", () => {
  it("moves every version of small windows without an export job", async () => {
    const { source, deps } = await setUp("apiForFhir", { AZURE_SelfStagePageSize: "50" });
    const result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    expect(source.stats.requests("export-kickoff")).toBe(0);
    const { problems } = await compareAllVersions(deps.source, deps.destination);
    expect(problems).toEqual([]);
  });

  it("stages a cutover's delta without an export job and ends GO", async () => {
    const { source, deps } = await setUp("apiForFhir", { AZURE_SafetyLagSeconds: "600" });
    const steady = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(steady.output).toMatchObject({ outcome: "caught-up" });
    source.store.create({ resourceType: "Patient", id: "delta-1", active: true });
    source.store.softDelete("Patient", "delta-1");
    await new Promise((r) => setTimeout(r, 5));
    const freeze = new Date().toISOString();
    source.stats.reset();
    const result = await runCutoverLocally(deps, freeze);
    expect(result.cutover?.phase).toBe("GO");
    expect(source.stats.requests("export-kickoff")).toBe(0);
    await expect(deps.destination.vread("Patient", "delta-1", "2")).resolves.toMatchObject({
      found: true,
      deleted: true,
    });
  });

  it("exports every window when AZURE_SelfStageMaxVersions is 0", async () => {
    const { source, deps } = await setUp("apiForFhir", { AZURE_SelfStageMaxVersions: "0" });
    const result = await runMigrationLocally(deps, { input: { stopWhenCaughtUp: true } });
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    expect(source.stats.requests("export-kickoff")).toBeGreaterThan(0);
  });
});

describe("a staged window carried on in the same StartExport", () => {
  /** The window as chunk 1, planned, with custom SearchParameters already copied. */
  async function plannedWindow(flavour: Flavour = "apiForFhir") {
    const set = await setUp(flavour);
    const count = await set.deps.source.count({ history: true, ...set.window });
    await set.deps.state.insertChunk(chunkFor(1, set.window, count));
    await set.deps.state.changeCursor((c) => ({
      ...c,
      nextSeq: 2,
      searchParametersMigrated: true,
    }));
    set.source.stats.reset();
    return set;
  }
  /** StartExport staging chunk 1 with one import slot, every import kick-off failing with `error`. */
  const stageWithKickOff = (deps: EngineDeps, error: Error) =>
    startExport(
      { ...deps, destination: { ...deps.destination, importKickOff: () => Promise.reject(error) } },
      { seq: 1, selfStage: { pages: 100, importSlots: 1 } },
    );
  const nextPass = async (deps: EngineDeps) => {
    const d = decidePass(await loadMigrationState(deps), false, { stopWhenCaughtUp: false });
    return d.kind === "act" ? d.actions : [];
  };

  it("builds the window's payload and starts its import", async () => {
    const { deps, telemetry } = await plannedWindow();
    await startExport(deps, { seq: 1, selfStage: { pages: 100, importSlots: 1 } });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Completed",
      importStatus: "Running",
      payloadCount: 1,
    });
    const [payload] = await deps.state.listPayloads(1);
    expect(payload).toMatchObject({ status: "Running", attempts: 1 });
    expect(payload?.importContentLocation).toBeDefined();
    expect(environment!.destination.stats.requests("import-kickoff")).toBe(1);
    const events = telemetry.events.filter((e) => e.name === "Export" || e.name === "Import");
    expect(
      events.map((e) => [e.name, e.properties?.["ExportStatus"] ?? e.properties?.["ImportStatus"]]),
    ).toEqual([
      ["Export", "Completed"],
      ["Import", "Started"],
    ]);
    const next = (await nextPass(deps)).map((a) => a.activity);
    expect(next).toContain("PollImport");
    expect(next).not.toContain("BuildImportPayloads");
    expect(next).not.toContain("StartImport");
  });

  it("builds it but leaves the import to a later pass when it was given no slot", async () => {
    const { deps } = await plannedWindow();
    await startExport(deps, { seq: 1, selfStage: { pages: 100, importSlots: 0 } });
    expect(await deps.state.getChunk(1)).toMatchObject({ importStatus: "Payloads Ready" });
    expect(await deps.state.listPayloads(1)).toMatchObject([{ status: "Pending", attempts: 0 }]);
    expect(environment!.destination.stats.requests("import-kickoff")).toBe(0);
    expect(await nextPass(deps)).toContainEqual({
      activity: "StartImport",
      input: { chunkSeq: 1, index: 1, key: "00000001-p0001" },
    });
  });

  it("starts no import while custom SearchParameters wait to be copied", async () => {
    const { deps } = await plannedWindow();
    await deps.state.changeCursor((c) => ({ ...c, searchParametersMigrated: false }));
    await startExport(deps, { seq: 1, selfStage: { pages: 100, importSlots: 1 } });
    expect(await deps.state.listPayloads(1)).toMatchObject([{ status: "Pending" }]);
    expect(environment!.destination.stats.requests("import-kickoff")).toBe(0);
  });

  it("leaves a window staged but not built to the next pass's build when the build fails", async () => {
    const { deps } = await plannedWindow();
    const broken = new Error("payload storage unreachable");
    const failing: EngineDeps = {
      ...deps,
      blobs: {
        ...deps.blobs,
        putText: (container, ...rest) =>
          container === PAYLOAD_CONTAINER
            ? Promise.reject(broken)
            : deps.blobs.putText(container, ...rest),
      },
    };
    await expect(
      startExport(failing, { seq: 1, selfStage: { pages: 100, importSlots: 1 } }),
    ).rejects.toBe(broken);
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Completed",
      importStatus: "Not Started",
    });
    expect(await nextPass(deps)).toContainEqual({
      activity: "BuildImportPayloads",
      input: { seq: 1 },
    });
    await buildImportPayloads(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({ importStatus: "Payloads Ready" });
  });

  it("puts the payload back for the next pass when the kick-off is throttled past its retries", async () => {
    const { deps } = await plannedWindow();
    const throttled = new TransientError("429 Too Many Requests", {
      method: "POST",
      url: "$import",
      status: 429,
    });
    await expect(stageWithKickOff(deps, throttled)).rejects.toBe(throttled);
    expect(await deps.state.listPayloads(1)).toMatchObject([{ status: "Pending", attempts: 0 }]);
    expect(await nextPass(deps)).toContainEqual({
      activity: "StartImport",
      input: { chunkSeq: 1, index: 1, key: "00000001-p0001" },
    });
  });

  it("leaves a claim cut off during its kick-off to the next pass's poll", async () => {
    const { deps } = await plannedWindow();
    const cut = new Error("the process ended during the kick-off");
    await expect(stageWithKickOff(deps, cut)).rejects.toBe(cut);
    const [payload] = await deps.state.listPayloads(1);
    expect(payload).toMatchObject({ status: "Started", importContentLocation: undefined });
    expect(await nextPass(deps)).toContainEqual({
      activity: "PollImport",
      input: { chunkSeq: 1, index: 1, key: "00000001-p0001" },
    });
  });

  it("records a refused kick-off on the payload as StartImport does", async () => {
    const { deps, telemetry } = await plannedWindow();
    const refused = new FhirOperationError(
      "400 Bad Request",
      { method: "POST", url: "$import", status: 400 },
      "input format not supported",
    );
    await stageWithKickOff(deps, refused);
    const [payload] = await deps.state.listPayloads(1);
    expect(payload).toMatchObject({ status: "Pending", attempts: 1 });
    expect(payload?.failureReason).toContain("Import kick-off failed");
    expect(
      telemetry.events.find(
        (e) => e.name === "Import" && e.properties?.["ImportStatus"] === "Failed",
      ),
    ).toBeDefined();
    expect((await deps.state.getCursor()).consecutiveFailures).toBe(1);
  });
});

describe("a small window planned and staged in the same PlanNextWindow", () => {
  it.each([
    {
      label: "staged and its import started when the pass said so",
      order: { selfStage: { pages: 100, importSlots: 1 } },
      after: "Running",
    },
    { label: "left planned otherwise", order: null, after: "Not Started" },
  ])("$label", async ({ order, after }) => {
    const { deps } = await setUp("apiForFhir");
    await deps.state.changeCursor((c) => ({ ...c, searchParametersMigrated: true }));
    await planNextWindow(deps, order);
    const chunk = await deps.state.getChunk(1);
    expect(chunk?.expectedCount).toBeGreaterThan(0);
    expect(chunk?.importStatus).toBe(after);
    expect(environment!.destination.stats.requests("import-kickoff")).toBe(order === null ? 0 : 1);
  });
});
