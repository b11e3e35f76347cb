/**
 * Resources the AHDS destination refuses (a data error that fails the whole import processing
 * job) are isolated by splitting the failing file, recorded with the server's reason (or the one
 * the diagnosis inferred when the server hides it), and everything else arrives. A destination
 * that refuses everything is diagnosed as the service's fault: the migration halts with nothing
 * recorded as refused, and after the fault is gone and the migration resumed every version arrives.
 */
import { describe, expect, it } from "vitest";
import type { Environment } from "../../../src/config/settings";
import type { IsolationPart } from "../../../src/core/importIsolation";
import { clearMaxExportRetries } from "../../../src/engine/control";
import type { EngineDeps } from "../../../src/engine/deps";
import { formatVerificationReport } from "../../../src/verify/format";
import { runVerification } from "../../../src/verify/runVerification";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import type { ResilienceEnvironment, TestDeps } from "../resilience/harness";
import {
  depsFor,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  useOwnAzurite,
} from "../resilience/harness";

const azurite = useOwnAzurite();

const observation = (id: string, value: string): string =>
  `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"lab"},"valueQuantity":{"value":${value},"unit":"mg"}}`;

/** The data error the destination answers for a refused resource's job (a fault hook). */
const DATA_ERROR = "Arithmetic Overflow.";

interface DataOptions {
  /** The poison resources' value; default an ordinary one, refused through the fault hook. */
  poisonValue?: string;
  /** Source time between two resources (default: none, one window holds them all). */
  spacingMs?: number;
}

/**
 * Files of `perFile` Observations each (the source rolls its export files every `perFile`
 * resources), created in order so line n of file f is resource f*perFile+n. `poison` lists the
 * positions the destination refuses: by default every import job holding one of them fails with
 * 400 "Arithmetic Overflow." naming its file (a data error the product cannot foresee); with
 * `poisonValue` they hold that value instead and the emulator's SQL profile decides.
 */
async function withData(
  total: number,
  perFile: number,
  poison: readonly number[],
  test: (environment: ResilienceEnvironment, poisonIds: string[]) => Promise<void>,
  options: DataOptions = {},
): Promise<void> {
  const environment = await startResilienceEnvironment({
    azurite: azurite(),
    rollingFileResources: perFile,
    latency: { exportFixedMs: 500, importFixedMs: 500 },
  });
  try {
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      const id = `obs-${String(i).padStart(3, "0")}`;
      const big = poison.includes(i);
      if (big) ids.push(id);
      const value =
        big && options.poisonValue !== undefined
          ? options.poisonValue
          : `${i}.01234567890123456789`;
      environment.source.store.create(observation(id, value));
      if (options.spacingMs !== undefined)
        await environment.clock.sleepUntil(environment.clock.now() + options.spacingMs);
    }
    if (options.poisonValue === undefined && ids.length > 0) {
      environment.destination.faults.add({
        kind: "import-refuses",
        ids,
        statusCode: 400,
        reason: DATA_ERROR,
        times: 100_000,
      });
    }
    // Let the seeded versions age past the safety lag.
    await environment.clock.sleepUntil(environment.clock.now() + 5 * 60_000);
    await test(environment, ids);
  } finally {
    await environment.stop();
  }
}

const ISOLATION_SETTINGS: Environment = {
  AZURE_ExportChunkTime: "3600",
  AZURE_ChunkLimit: "1000",
  AZURE_MaxExportRetriesEnabled: "true",
};

async function failedResources(deps: EngineDeps) {
  const rows = [];
  for await (const f of deps.state.listFailedResources()) rows.push(f);
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

async function chunkRowsOf(deps: EngineDeps) {
  const chunks = [];
  for await (const chunk of deps.state.listAllChunks()) chunks.push(chunk);
  return chunks;
}

async function isolationParts(deps: EngineDeps) {
  const parts = [];
  for await (const chunk of deps.state.listAllChunks())
    parts.push(...(await deps.state.isolation().listWindow(chunk.seq)));
  return parts;
}

/** Every source version is on the destination except the refused ones. */
async function expectAllButRefused(deps: EngineDeps, refused: readonly string[]): Promise<void> {
  const { problems } = await compareAllVersions(deps.source, deps.destination);
  const expected = refused.map((id) => `Observation/${id}/1`);
  expect(problems.filter((p) => !expected.some((k) => p.includes(k)))).toEqual([]);
  expect(problems).toHaveLength(refused.length);
}

async function expectIsolated(deps: TestDeps, poisonIds: string[], file: (id: string) => number) {
  const failed = await failedResources(deps);
  expect(failed.map((f) => [f.resourceType, f.id, f.isolated?.version, f.reason])).toEqual(
    poisonIds.map((id) => ["Observation", id, "1", DATA_ERROR]),
  );
  for (const f of failed) {
    expect(f.isolated?.line).toBe(file(f.id));
    expect(f.inputUrl).toMatch(/\/Observation-[\d-]+\.ndjson$/);
    expect(f.isolated?.since).toBeTruthy();
  }
  const cursor = await deps.state.getCursor();
  expect(cursor).toMatchObject({ halted: false, resourcesFailed: poisonIds.length });
  await expectAllButRefused(deps, poisonIds);
  const events = deps.telemetry.named("FailedResources").filter((e) => e.properties.Isolated);
  expect(events.map((e) => e.properties.SampleIds).sort()).toEqual(poisonIds);
}

/** 1-based line of resource obs-NNN in its file of `perFile` lines. */
const lineIn = (perFile: number) => (id: string) => (Number(id.slice(4)) % perFile) + 1;

describe("isolating resources the destination refuses", () => {
  for (const [where, position] of [
    ["first", 0],
    ["middle", 9],
    ["last", 19],
  ] as const) {
    it(`a refused resource on the ${where} line of a file is recorded; everything else arrives`, () =>
      withData(20, 20, [position], async (environment, poisonIds) => {
        const deps = depsFor(environment, `iso${where}`, ISOLATION_SETTINGS);
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "caught-up" });
        await expectIsolated(deps, poisonIds, lineIn(20));
        const parts = await isolationParts(deps);
        expect(parts.every((p) => p.attempts <= 1)).toBe(true);
        // One resource in 20 lines: the halves of 20, 10, 5, 3 (or 2) lines, then the refused line.
        expect(parts.reduce((n, p) => n + p.attempts, 0)).toBeLessThanOrEqual(10);
      }));
  }

  it("is visible while it runs: the payload's failure reason tells the parts and the budget used", () =>
    withData(20, 20, [9], async (environment) => {
      const deps = depsFor(environment, "isovisible", ISOLATION_SETTINGS);
      const seen: string[] = [];
      await migrate(environment, deps, {
        wrapActivity: async (name, call) => {
          const result = await call();
          if (name === "PollImport") {
            for (const chunk of await chunkRowsOf(deps))
              for (const p of await deps.state.listPayloads(chunk.seq))
                if (p.failureReason !== undefined) seen.push(p.failureReason);
          }
          return result;
        },
      });
      expect(
        seen.some((r) =>
          /^Isolating resources the destination refuses \(Arithmetic Overflow\.\): \d+ part\(s\), \d+ running, \d+ waiting, \d+ refused so far; \d+ of 100 extra import jobs of this window used/.test(
            r,
          ),
        ),
      ).toBe(true);
      const payload = (await deps.state.listPayloads(1))[0];
      expect(payload?.failureReason).toMatch(
        /^Isolated 1 refused resource\(s\) with \d+ extra import job\(s\)$/,
      );
    }));

  it("two refused resources in one file are both recorded", () =>
    withData(20, 20, [3, 15], async (environment, poisonIds) => {
      const deps = depsFor(environment, "isotwo", ISOLATION_SETTINGS);
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      await expectIsolated(deps, poisonIds, lineIn(20));
    }));

  it("one refused resource in each of two files of a payload: both recorded, the rest arrives", () =>
    withData(40, 20, [5, 27], async (environment, poisonIds) => {
      const deps = depsFor(environment, "isofiles", ISOLATION_SETTINGS);
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      await expectIsolated(deps, poisonIds, lineIn(20));
      const files = new Set((await failedResources(deps)).map((f) => f.inputUrl));
      expect(files.size).toBe(2);
    }));

  it("the verification lists the refused resources as known failures and passes otherwise", () =>
    withData(20, 20, [4, 12], async (environment, poisonIds) => {
      const deps = depsFor(environment, "isoverify", ISOLATION_SETTINGS);
      await migrate(environment, deps);
      const report = await runVerification(deps, {
        checks: ["surface", "deep", "reconcile"],
        deepCheckCount: 100,
        seed: "1",
      });
      expect(report.knownFailures?.items.map((k) => [k.type, k.id, k.version])).toEqual(
        poisonIds.map((id) => ["Observation", id, "1"]),
      );
      expect(report.surface?.rows.find((r) => r.type === "Observation")?.reason).toContain(
        "2 known, not migrated",
      );
      expect(report.passed).toBe(true);
      const text = formatVerificationReport(report);
      expect(text).toContain("Known failures: 2 resource(s) refused by the destination");
      expect(text).toContain(`Observation/${poisonIds[0]} version 1: ${DATA_ERROR}`);
    }));

  it("the part blobs are deleted when the payload completes", () =>
    withData(20, 20, [9], async (environment) => {
      const deps = depsFor(environment, "isoclean", ISOLATION_SETTINGS);
      await migrate(environment, deps);
      const parts = await isolationParts(deps);
      const lines = parts.find((p) => p.source.kind === "lines");
      expect(lines?.source.kind).toBe("lines");
      const url = lines?.source.kind === "lines" ? lines.source.url : "";
      const container = new URL(url).pathname.split("/")[2] ?? "";
      const left = [];
      for await (const name of deps.staging.list(container, "fhir-migrate-isolation/"))
        left.push(name);
      expect(left).toEqual([]);
    }));

  it("a failure of every part the same way blames the destination: halted, nothing recorded as refused", () =>
    withData(40, 40, [...Array.from({ length: 40 }, (_, i) => i)], async (environment) => {
      const deps = depsFor(environment, "isoall", ISOLATION_SETTINGS);
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "halted" });
      expect((await deps.state.getCursor()).haltReason).toContain(
        "the diagnosis points at the destination, not at the data",
      );
      expect(await failedResources(deps)).toEqual([]);
    }));

  it("isolation halts when it needs more jobs than AZURE_ImportIsolationJobs allows", () =>
    withData(20, 20, [9], async (environment) => {
      const deps = depsFor(environment, "isobudget", {
        ...ISOLATION_SETTINGS,
        AZURE_ImportIsolationJobs: "3",
      });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "halted" });
      expect((await deps.state.getCursor()).haltReason).toContain(
        "more than the 3 extra import jobs allowed per window (AZURE_ImportIsolationJobs)",
      );
    }));
});

describe("a value the destination's index cannot hold", () => {
  it("5e18 sent (screening off): the hidden 500 is retried, diagnosed, and the resource isolated with the inferred reason; the rest arrives", () =>
    withData(
      20,
      20,
      [9],
      async (environment, poisonIds) => {
        const deps = depsFor(environment, "isohidden", {
          ...ISOLATION_SETTINGS,
          AZURE_ImportScreening: "false",
        });
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "caught-up" });
        const failed = await failedResources(deps);
        expect(failed.map((f) => [f.id, f.isolated?.version, f.isolated?.line])).toEqual([
          [poisonIds[0], "1", 10],
        ]);
        expect(failed[0]?.reason).toMatch(
          /^Inferred: the destination fails any import job holding this resource \(500 \(InternalServerError\); the server hides the reason\) while the other parts of the same job imported; it holds valueQuantity\.value 5e18, beyond the decimal\(36,18\) search index$/,
        );
        expect(await deps.state.getCursor()).toMatchObject({ halted: false, resourcesFailed: 1 });
        await expectAllButRefused(deps, poisonIds);
        const payload = (await deps.state.listPayloads(1))[0];
        expect(payload).toMatchObject({ status: "Completed", attempts: 3 });
      },
      { poisonValue: "5e18" },
    ));

  it("screened while the payload is built: kept out of the job, recorded with the value, the rest imported in the same job", () =>
    withData(
      20,
      20,
      [4, 15],
      async (environment, poisonIds) => {
        const deps = depsFor(environment, "isoscreen", ISOLATION_SETTINGS);
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "caught-up" });
        const failed = await failedResources(deps);
        expect(failed.map((f) => [f.id, f.isolated?.line])).toEqual([
          [poisonIds[0], 5],
          [poisonIds[1], 16],
        ]);
        for (const f of failed)
          expect(f.reason).toMatch(
            /^Not sent: valueQuantity\.value 5e18 is beyond what the destination's decimal\(36,18\) search index holds/,
          );
        expect(await isolationParts(deps)).toEqual([]);
        const payloads = await deps.state.listPayloads(1);
        expect(payloads.map((p) => [p.attempts, p.importedCount, p.failedCount])).toEqual([
          [1, 18, 2],
        ]);
        expect(await deps.state.getCursor()).toMatchObject({ halted: false, resourcesFailed: 2 });
        await expectAllButRefused(deps, poisonIds);
      },
      { poisonValue: "5e18" },
    ));
});

/** Nothing recorded as refused, no window processed, the watermark and the ledger untouched. */
async function expectNothingMoved(deps: EngineDeps): Promise<void> {
  const cursor = await deps.state.getCursor();
  expect(cursor).toMatchObject({ halted: true, watermark: cursor.startWatermark });
  expect(await failedResources(deps)).toEqual([]);
  expect((await chunkRowsOf(deps)).filter((c) => c.processed)).toEqual([]);
  const ledger = [];
  for await (const e of deps.state.ledger().listAll()) ledger.push(e);
  expect(ledger.length).toBeGreaterThan(0);
  expect(ledger.filter((e) => e.checks > 0 || e.reimported)).toEqual([]);
}

describe("a destination that fails every import job halts, and resumes to deliver every version", () => {
  const faults = {
    "the same 500": { statusCode: 500, reason: "The database is unavailable." },
    "a quota message naming the job's own input file": {
      statusCode: 500,
      reason: "The database 'fhirdb' has reached its size quota.",
      namesInputFile: true,
      showsReason: true,
    },
    "a data error's wording for every file and part": {
      statusCode: 400,
      reason: DATA_ERROR,
      namesInputFile: true,
    },
  } as const;
  for (const [name, fault] of Object.entries(faults)) {
    for (const [shape, total, options] of [
      ["one window", 20, {}],
      ["windows of a few versions (continuous mode)", 9, { spacingMs: 70_000 }],
    ] as const) {
      it(`${name}, ${shape}`, () =>
        withData(
          total,
          20,
          [],
          async (environment) => {
            environment.destination.faults.add({
              kind: "import-job-fails",
              ...fault,
              times: 100_000,
            });
            const label = `isosvc${Object.keys(faults).indexOf(name)}${total}`;
            const deps = depsFor(environment, label, {
              ...ISOLATION_SETTINGS,
              ...(total === 20
                ? {}
                : { AZURE_ExportChunkDuration: "Minutes", AZURE_ExportChunkTime: "2" }),
              AZURE_ChunkTargetResources: "0",
            });
            const halted = await migrate(environment, deps);
            expect(halted.output).toMatchObject({ outcome: "halted" });
            const reason = (await deps.state.getCursor()).haltReason ?? "";
            expect(reason).toMatch(
              name.startsWith("a quota")
                ? // The payload's third attempt, or the consecutive-failure halt when windows run at once.
                  /(failed 3 times \(AZURE_ImportAttempts\)|consecutive failures).*size quota.*not isolated: the destination's storage is full/
                : /the diagnosis points at the destination, not at the data: all \d+ part\(s\) of the job's first split failed the same way/,
            );
            await expectNothingMoved(deps);
            environment.destination.faults.clear();
            await clearMaxExportRetries(deps.state, deps.telemetry, deps.settings.storage);
            const resumed = await migrate(environment, deps);
            expect(resumed.output).toMatchObject({ outcome: "caught-up" });
            await expectEveryVersionCopied(deps);
            expect(await failedResources(deps)).toEqual([]);
            const windows = (await chunkRowsOf(deps)).length;
            if (total === 20) expect(windows).toBe(1);
            else expect(windows).toBeGreaterThanOrEqual(4);
          },
          options,
        ));
    }
  }

  it("the retries of a hidden 500 do not count toward the consecutive-failure halt: the diagnosis says whose fault it is", () =>
    withData(20, 20, [], async (environment) => {
      environment.destination.faults.add({
        kind: "import-job-fails",
        statusCode: 500,
        reason: "The database is unavailable.",
        times: 100_000,
      });
      // Two failures would halt before the third attempt is diagnosed, were they counted.
      const deps = depsFor(environment, "isocount", {
        ...ISOLATION_SETTINGS,
        AZURE_MaxExportRetries: "2",
      });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "halted" });
      const cursor = await deps.state.getCursor();
      expect(cursor.haltReason).toMatch(
        /the diagnosis points at the destination, not at the data: all \d+ part\(s\) of the job's first split failed the same way \(server error without a reason: 500/,
      );
      expect(cursor.consecutiveFailures).toBe(0);
      const payload = (await deps.state.listPayloads(1))[0];
      expect(payload).toMatchObject({ status: "Failed", attempts: 3 });
    }));
});

/** Thrown where a process would die: the activity ends there, the next pass resumes from the tables. */
class SimulatedCrash extends Error {}

type CrashStep =
  | "children written, root not"
  | "root written, payload not marked"
  | "part claimed, blob not written"
  | "blob written, job not posted"
  | "job posted, its URL not recorded"
  | "children of a failed part written, part not marked"
  | "refused part marked, its row not written"
  | "refused row written, part not marked recorded"
  | "part blobs deleted, payload not completed";

/** The engine's dependencies with one crash at `step`, the first time it is reached. */
function crashOnce(deps: TestDeps, step: CrashStep): TestDeps & { crashed: () => boolean } {
  let crashed = false;
  const at = (s: CrashStep) => {
    if (s === step && !crashed) {
      crashed = true;
      throw new SimulatedCrash(`simulated crash: ${s}`);
    }
  };
  const state = deps.state;
  const isolation = () => {
    const store = state.isolation();
    return new Proxy(store, {
      get(target, key) {
        if (key === "insert")
          return async (seq: number, index: number, part: { id: string }) => {
            if (part.id === "r") at("children written, root not");
            await target.insert(seq, index, part as never);
            if (part.id === "r") at("root written, payload not marked");
          };
        if (key === "change")
          return (
            seq: number,
            index: number,
            id: string,
            mutate: (p: IsolationPart) => IsolationPart | undefined,
          ) =>
            target.change(seq, index, id, (p) => {
              const next = mutate(p);
              if (next?.status === "Split")
                at("children of a failed part written, part not marked");
              if (next?.status === "Refused" && p.status === "Refused")
                at("refused row written, part not marked recorded");
              return next;
            });
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  const wrappedState = new Proxy(state, {
    get(target, key) {
      if (key === "isolation") return isolation;
      if (key === "recordFailedResources")
        return async (records: { isolated?: { partId: string } }[]) => {
          const refused = records.some(
            (r) => r.isolated !== undefined && !r.isolated.partId.includes("-e"),
          );
          if (refused) at("refused part marked, its row not written");
          await target.recordFailedResources(records as never);
        };
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const isPart = (url: string) => url.includes("/fhir-migrate-isolation/");
  const staging = {
    ...deps.staging,
    putTextAtUrl: async (...args: Parameters<typeof deps.staging.putTextAtUrl>) => {
      if (isPart(args[0])) at("part claimed, blob not written");
      await deps.staging.putTextAtUrl(...args);
      if (isPart(args[0])) at("blob written, job not posted");
    },
    deleteAtUrl: async (url: string) => {
      await deps.staging.deleteAtUrl(url);
      if (isPart(url)) at("part blobs deleted, payload not completed");
    },
  };
  const destination = {
    ...deps.destination,
    importKickOff: async (body: Parameters<typeof deps.destination.importKickOff>[0]) => {
      const result = await deps.destination.importKickOff(body);
      const tag = body.parameter.find((p) => p.name === "inputSource")?.valueUri ?? "";
      if (tag.includes(":i:")) at("job posted, its URL not recorded");
      return result;
    },
  };
  return {
    ...deps,
    state: wrappedState,
    staging,
    destination,
    crashed: () => crashed,
  };
}

describe("a crash at each isolation step", () => {
  const steps: CrashStep[] = [
    "children written, root not",
    "root written, payload not marked",
    "part claimed, blob not written",
    "blob written, job not posted",
    "job posted, its URL not recorded",
    "children of a failed part written, part not marked",
    "refused part marked, its row not written",
    "refused row written, part not marked recorded",
    "part blobs deleted, payload not completed",
  ];
  for (const step of steps) {
    it(`${step}: resumes, imports no part twice, records the refused resource once`, () =>
      withData(20, 20, [6], async (environment, poisonIds) => {
        const deps = crashOnce(
          depsFor(environment, `isocrash${steps.indexOf(step)}`, ISOLATION_SETTINGS),
          step,
        );
        const result = await migrate(environment, deps);
        expect(deps.crashed()).toBe(true);
        expect(result.output).toMatchObject({ outcome: "caught-up" });
        await expectIsolated(deps, poisonIds, lineIn(20));
        const parts = await isolationParts(deps);
        expect(parts.filter((p) => p.attempts > 1)).toEqual([]);
        expect(parts.every((p) => ["Imported", "Split", "Refused"].includes(p.status))).toBe(true);
      }));
  }
});
