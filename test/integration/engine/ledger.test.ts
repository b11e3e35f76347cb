/**
 * The ledger (docs/architecture.md, "Ledger"): entries cover the timeline without gap or overlap
 * through crashes; each is reconciled by counts on both servers; a skipped stretch that holds data,
 * a version lost on the destination and versions only on the destination are told apart.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../../src/core/ledger";
import {
  ALL_TYPES,
  OTHER_TYPES,
  SKIPPED_SETTLE_MS,
  coverageProblems,
  isFinal,
  newLedgerEntry,
  totalExtra,
  totalMissing,
} from "../../../src/core/ledger";
import { ledgerWork } from "../../../src/engine/ledgerWork";
import { loadStatusReport } from "../../../src/status/loadReport";
import { reconcileLedger } from "../../../src/engine/activities/reconcileLedger";
import type { EngineDeps } from "../../../src/engine/deps";
import type { FhirClient } from "../../../src/fhir/types";
import type { LedgerStore } from "../../../src/storage/ledgerStore";
import type { MigrationStateStore } from "../../../src/storage/migrationStateStore";
import { startEmptyPageProxy } from "../../support/emptyPageProxy";
import type { ResilienceEnvironment, TestDeps } from "../resilience/harness";
import {
  depsFor,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  useOwnAzurite,
} from "../resilience/harness";

const azurite = useOwnAzurite();

const LEDGER_SETTINGS = { AZURE_LedgerRecheckSeconds: "30" };

async function ledgerEntries(deps: EngineDeps): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for await (const e of deps.state.ledger().listAll()) entries.push(e);
  return entries;
}

async function expectFullCoverage(deps: EngineDeps): Promise<LedgerEntry[]> {
  const cursor = await deps.state.getCursor();
  const entries = await ledgerEntries(deps);
  expect(coverageProblems(entries, cursor.startWatermark, cursor.frontier)).toEqual([]);
  return entries;
}

function ledgerEvents(deps: TestDeps) {
  return deps.telemetry.events.filter((e) => e.name === "LedgerEntry");
}

async function withEnvironment(
  seed: number,
  test: (environment: ResilienceEnvironment) => Promise<void>,
): Promise<void> {
  const environment = await startResilienceEnvironment({ azurite: azurite() });
  try {
    environment.seed(seed);
    await test(environment);
  } finally {
    await environment.stop();
  }
}

/** A version written straight into an emulator's store at a given instant (no HTTP, no clock). */
function writeVersionAt(
  store: ResilienceEnvironment["source"]["store"],
  id: string,
  atMs: number,
  resourceType = "Patient",
): void {
  store.insertVersion({
    resourceType,
    id,
    version: 1,
    lastUpdatedMs: atMs,
    deleted: false,
    writeMethod: "POST",
    text: JSON.stringify({
      resourceType,
      id,
      meta: { versionId: "1", lastUpdated: new Date(atMs).toISOString() },
    }),
  });
}

/**
 * Migrates with `hook` run before every ReconcileLedger, one call at a time: ReconcileLedger runs
 * for several entries at once, and a hook that checks then acts (lose a version once, write a gain
 * once) would act twice when two calls both check before either acts.
 */
async function migrateWithReconcileHook(
  environment: ResilienceEnvironment,
  deps: TestDeps,
  hook: () => Promise<void>,
) {
  let chain: Promise<void> = Promise.resolve();
  return migrate(environment, deps, {
    wrapActivity: async (name, call) => {
      if (name === "ReconcileLedger") {
        const step = chain.then(hook);
        chain = step.catch(() => undefined);
        await step;
      }
      return call();
    },
  });
}

class SimulatedCrash extends Error {}

const activity = new AsyncLocalStorage<string>();

/** The state store, with the ledger's `insert` or the cursor's update failing like a killed process. */
function crashingState(
  deps: EngineDeps,
  shouldCrash: (what: "ledger-insert" | "cursor", from: string | undefined) => boolean,
): MigrationStateStore {
  return new Proxy(deps.state, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "ledger") {
        return () => {
          const ledger = target.ledger();
          return new Proxy(ledger, {
            get(l, p, r) {
              const method = Reflect.get(l, p, r) as unknown;
              if (p !== "insert" || typeof method !== "function") return method;
              return (...args: unknown[]) => {
                if (shouldCrash("ledger-insert", activity.getStore()))
                  throw new SimulatedCrash("crash before the ledger insert");
                return (method as (...a: unknown[]) => unknown).apply(l, args);
              };
            },
          }) as LedgerStore;
        };
      }
      return (...args: unknown[]) => {
        if (property === "changeCursor" && shouldCrash("cursor", activity.getStore()))
          throw new SimulatedCrash("crash before the cursor update");
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("the ledger", () => {
  it("covers the timeline from the start to the frontier with reconciled entries", async () => {
    await withEnvironment(60, async (environment) => {
      const deps = depsFor(environment, "ledgerplain", LEDGER_SETTINGS);
      const run = await migrate(environment, deps);
      expect(run.output).toMatchObject({ outcome: "caught-up" });
      await expectEveryVersionCopied(deps);
      const entries = await expectFullCoverage(deps);
      const windows = entries.filter((e) => e.kind === "window");
      expect(windows.length).toBeGreaterThan(1);
      expect(windows.every((e) => e.status === "reconciled")).toBe(true);
      expect(entries.some((e) => e.kind === "skipped")).toBe(true);
      expect(entries.filter((e) => e.status === "unreconciled")).toEqual([]);
      // Counted type by type, with the rest and SearchParameter as units of their own: the units
      // add up to what planning counted for the window.
      expect(windows.every((e) => e.counts.some((c) => c.type === OTHER_TYPES))).toBe(true);
      expect(
        windows.filter((e) => e.counts.reduce((n, c) => n + c.source, 0) !== e.expected[ALL_TYPES]),
      ).toEqual([]);
    });
  });

  it("reconciles per type in per-type mode", async () => {
    await withEnvironment(40, async (environment) => {
      const types = ["Patient", "Encounter", "Observation", "Condition", "MedicationRequest"];
      const deps = depsFor(environment, "ledgerpertype", {
        ...LEDGER_SETTINGS,
        AZURE_IsParallel: "false",
        AZURE_ResourceTypes: types.join(","),
        AZURE_ResourceExportChunkTime: "200",
      });
      await migrate(environment, deps);
      const entries = await expectFullCoverage(deps);
      const windows = entries.filter((e) => e.kind === "window");
      expect(windows.length).toBeGreaterThan(0);
      for (const w of windows) {
        expect(w.status).toBe("reconciled");
        expect(w.counts.map((c) => c.type).sort()).toEqual(Object.keys(w.expected).sort());
        expect(w.chunkSeqs).toHaveLength(Object.keys(w.expected).length);
      }
      expect(windows.some((w) => w.chunkSeqs.length > 1)).toBe(true);
    });
  });

  for (const crashAt of [1, 2, 4]) {
    it(`has no gap or overlap after crashes before ledger insert ${crashAt} and before the frontier moves`, async () => {
      await withEnvironment(60, async (environment) => {
        const deps = depsFor(environment, `ledgercrash${crashAt}`, LEDGER_SETTINGS);
        let inserts = 0;
        let cursorWrites = 0;
        let crashed = 0;
        const state = crashingState(deps, (what, from) => {
          if (from !== "PlanNextWindow") return false;
          if (what === "ledger-insert") return ++inserts === crashAt && ++crashed > 0;
          // The next planning after that: its entry is written, the frontier does not move.
          return inserts > crashAt && ++cursorWrites === 1 && ++crashed > 0;
        });
        for (let run = 0; run < 3; run++) {
          const attempt = migrate(
            environment,
            { ...deps, state },
            {
              isCrash: (e) => e instanceof SimulatedCrash,
              wrapActivity: (name, call) => activity.run(name, call),
            },
          );
          const outcome = await attempt.then(
            () => "done",
            (e: unknown) => {
              if (e instanceof SimulatedCrash) return "crashed";
              throw e;
            },
          );
          if (outcome === "done") break;
        }
        expect(crashed).toBeGreaterThan(0);
        const resumed = await migrate(environment, deps);
        expect(resumed.output).toMatchObject({ outcome: "caught-up" });
        await expectEveryVersionCopied(deps);
        const entries = await expectFullCoverage(deps);
        expect(entries.filter((e) => e.status === "unreconciled")).toEqual([]);
      });
    });
  }

  it("catches a skipped stretch that holds a version (written into the past of the frontier)", async () => {
    await withEnvironment(30, async (environment) => {
      const deps = depsFor(environment, "ledgerskip", LEDGER_SETTINGS);
      await migrate(environment, deps);
      const before = await ledgerEntries(deps);
      const last = before.at(-1)!;
      expect(last).toMatchObject({ kind: "skipped", status: "pending" });
      // Planning saw nothing in [since, till) and moved on; now the source holds a version there.
      writeVersionAt(
        environment.source.store,
        "written-into-the-past",
        Math.floor((Date.parse(last.since) + Date.parse(last.till)) / 2),
      );
      // Skipped stretches are counted once they settled (core/ledger.ts, SKIPPED_SETTLE_MS).
      await environment.clock.sleepUntil(environment.clock.now() + 2 * SKIPPED_SETTLE_MS);
      await migrate(environment, deps);
      // A pending skipped stretch does not hold a local run open (it stops once caught up), so the
      // run may end before the entry's checks are done: finish them here, past each recheck delay.
      for (let step = 0; step < 10; step++) {
        const current = await deps.state.ledger().get(last.since);
        if (current === undefined || isFinal(current.status)) break;
        await reconcileLedger(deps, { since: last.since });
        await environment.clock.sleepUntil(environment.clock.now() + 31_000);
      }
      const entry = await deps.state.ledger().get(last.since);
      expect(entry).toMatchObject({ kind: "skipped", status: "unreconciled", checks: 2 });
      expect(entry?.counts).toEqual([
        { type: ALL_TYPES, source: 1, destination: undefined, failed: 0, missing: 1, extra: 0 },
      ]);
      expect(
        ledgerEvents(deps).find((e) => e.properties.Since === last.since)?.properties,
      ).toMatchObject({
        Since: last.since,
        LedgerStatus: "Unreconciled",
        Missing: 1,
      });
      await expectFullCoverage(deps);
    });
  });

  it("counts the runs of skipped stretches between windows in one call, and still catches the one that holds a version", async () => {
    await withEnvironment(31, async (environment) => {
      const deps = depsFor(environment, "ledgerruns", LEDGER_SETTINGS);
      await deps.state.ensure();
      // skipped, window, skipped, window, skipped: three runs no single count can cover (the
      // windows between hold versions), and windows still waiting for their imports.
      const t0 = environment.clock.now() - 10 * 60_000;
      const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
      const kinds = ["skipped", "window", "skipped", "window", "skipped"] as const;
      for (const [i, kind] of kinds.entries()) {
        await deps.state.ledger().insert(
          newLedgerEntry({
            since: at(i),
            till: at(i + 1),
            kind,
            chunkSeqs: kind === "window" ? [1000 + i] : [],
            expected: {},
            plannedAt: at(i),
          }),
        );
      }
      writeVersionAt(environment.source.store, "in-the-middle-stretch", t0 + 2.5 * 60_000);
      await environment.clock.sleepUntil(environment.clock.now() + 2 * SKIPPED_SETTLE_MS);

      const { work } = await ledgerWork(deps, await deps.state.getCursor(), []);
      expect(work).toMatchObject({ ready: [], skippedRuns: [at(0), at(2), at(4)] });
      await reconcileLedger(deps, { since: at(0), moreSkipped: [at(2), at(4)] });

      const entries = await ledgerEntries(deps);
      expect(entries.map((e) => [e.kind, e.status])).toEqual([
        ["skipped", "reconciled"],
        ["window", "pending"],
        ["skipped", "recheck"],
        ["window", "pending"],
        ["skipped", "reconciled"],
      ]);
    });
  });

  it("catches the empty-page case: a planner that reads only the first page skips data, and the skipped stretch does not reconcile", async () => {
    await withEnvironment(30, async (environment) => {
      const proxy = await startEmptyPageProxy(environment.source.baseUrl);
      try {
        const deps = depsFor(environment, "ledgeremptypage", {
          ...LEDGER_SETTINGS,
          AZURE_SourceUri: proxy.origin,
        });
        // The planner as it was before FhirClient.firstEntry followed `next` across empty pages:
        // the first page decides, and behind the proxy it is always empty.
        const firstPageOnly: FhirClient = {
          ...deps.source,
          firstEntry: async (path) => {
            for await (const page of deps.source.searchPages(path)) return page.entry?.[0];
            return undefined;
          },
        };
        const fooled = { ...deps, source: firstPageOnly };
        await migrate(environment, fooled);
        expect(environment.source.stats.requests("export-kickoff")).toBe(0);
        const [skipped] = await ledgerEntries(deps);
        expect(skipped).toMatchObject({ kind: "skipped", status: "pending" });
        await environment.clock.sleepUntil(environment.clock.now() + 2 * SKIPPED_SETTLE_MS);
        await migrate(environment, fooled);
        const entry = await deps.state.ledger().get(skipped!.since);
        const versions = environment.source.store
          .allVersions()
          .filter(
            (v) =>
              v.lastUpdatedMs >= Date.parse(skipped!.since) &&
              v.lastUpdatedMs < Date.parse(skipped!.till),
          ).length;
        expect(versions).toBeGreaterThan(0);
        expect(entry).toMatchObject({ kind: "skipped", status: "unreconciled" });
        expect(entry?.counts).toEqual([
          {
            type: ALL_TYPES,
            source: versions,
            destination: undefined,
            failed: 0,
            missing: versions,
            extra: 0,
          },
        ]);
      } finally {
        await proxy.close();
      }
    });
  });

  /** A resource with a single version on the destination, in a window entry not yet reconciled. */
  async function loseOneOnDestination(
    environment: ResilienceEnvironment,
    deps: EngineDeps,
    chosen: { type: string; id: string; since: string } | undefined,
    type?: string,
  ): Promise<{ type: string; id: string; since: string } | undefined> {
    if (chosen !== undefined) {
      environment.destination.store.hardDelete(chosen.type, chosen.id);
      return chosen;
    }
    for (const entry of await ledgerEntries(deps)) {
      if (entry.kind !== "window" || entry.status !== "pending") continue;
      const [since, till] = [Date.parse(entry.since), Date.parse(entry.till)];
      const victim = environment.destination.store
        .allVersions()
        .find(
          (v) =>
            v.lastUpdatedMs >= since &&
            v.lastUpdatedMs < till &&
            v.resourceType !== "SearchParameter" &&
            (type === undefined || v.resourceType === type) &&
            environment.source.store.history(v.resourceType, v.id).length === 1,
        );
      if (victim === undefined) continue;
      environment.destination.store.hardDelete(victim.resourceType, victim.id);
      return { type: victim.resourceType, id: victim.id, since: entry.since };
    }
    return undefined;
  }

  it("imports a window once more when a version is lost on the destination after import, and reconciles it", async () => {
    await withEnvironment(40, async (environment) => {
      const deps = depsFor(environment, "ledgerrepair", LEDGER_SETTINGS);
      let lost: { type: string; id: string; since: string } | undefined;
      await migrateWithReconcileHook(environment, deps, async () => {
        if (lost === undefined) lost = await loseOneOnDestination(environment, deps, undefined);
      });
      expect(lost).toBeDefined();
      const entry = await deps.state.ledger().get(lost!.since);
      expect(entry).toMatchObject({ status: "reconciled", reimported: true });
      expect(environment.destination.store.read(lost!.type, lost!.id)).toBeDefined();
      await expectEveryVersionCopied(deps);
    });
  });

  it("reports a version that stays lost on the destination as unreconciled, with exact numbers", async () => {
    await withEnvironment(40, async (environment) => {
      const deps = depsFor(environment, "ledgerlost", LEDGER_SETTINGS);
      let lost: { type: string; id: string; since: string } | undefined;
      // Lost again before every count: the second import does not bring it back for long.
      await migrateWithReconcileHook(environment, deps, async () => {
        lost = await loseOneOnDestination(environment, deps, lost);
      });
      expect(lost).toBeDefined();
      const entry = await deps.state.ledger().get(lost!.since);
      expect(entry).toMatchObject({ status: "unreconciled", reimported: true, checks: 3 });
      const counts = entry!.counts.filter((c) => c.missing > 0);
      expect(counts).toHaveLength(1);
      expect(counts[0]!.type).toBe(lost!.type);
      expect(counts[0]!.missing).toBe(1);
      expect(counts[0]!.source - counts[0]!.failed - counts[0]!.destination!).toBe(1);
      const others = (await ledgerEntries(deps)).filter((e) => e.since !== lost!.since);
      expect(others.filter((e) => e.status === "unreconciled")).toEqual([]);
      expect(
        ledgerEvents(deps).filter((e) => e.properties.LedgerStatus === "Unreconciled"),
      ).toHaveLength(1);
    });
  });

  it("reports versions that exist only on the destination as extra, not as loss", async () => {
    await withEnvironment(40, async (environment) => {
      const deps = depsFor(environment, "ledgerextra", LEDGER_SETTINGS);
      let extraIn: string | undefined;
      await migrateWithReconcileHook(environment, deps, async () => {
        if (extraIn !== undefined) return;
        const pending = (await ledgerEntries(deps)).find(
          (e) => e.kind === "window" && e.status === "pending",
        );
        if (pending !== undefined) {
          extraIn = pending.since;
          const at = Date.parse(pending.since);
          writeVersionAt(environment.destination.store, "created-on-destination-1", at);
          writeVersionAt(environment.destination.store, "created-on-destination-2", at);
        }
      });
      expect(extraIn).toBeDefined();
      const entry = await deps.state.ledger().get(extraIn!);
      expect(entry).toMatchObject({ status: "reconciled", checks: 1 });
      expect([totalMissing(entry!.counts), totalExtra(entry!.counts)]).toEqual([0, 2]);
      expect(
        ledgerEvents(deps).find((e) => e.properties.Since === extraIn)?.properties,
      ).toMatchObject({ LedgerStatus: "Reconciled", Missing: 0, Extra: 2 });
    });
  });

  it("does not count the tool's own SearchParameter copies on the destination as extra", async () => {
    await withEnvironment(41, async (environment) => {
      // The seed holds a custom SearchParameter, copied by PUT before the imports: the
      // destination's version carries the copy's instant, in whichever window holds it.
      const deps = depsFor(environment, "ledgerspcopy", LEDGER_SETTINGS);
      const run = await migrate(environment, deps);
      expect(run.output).toMatchObject({ outcome: "caught-up" });
      expect(environment.destination.store.currentVersions("SearchParameter")).toHaveLength(1);
      const entries = await expectFullCoverage(deps);
      const copyAt = Date.parse(
        environment.destination.store.currentVersions("SearchParameter")[0]!.lastUpdated,
      );
      const holder = entries.find(
        (e) => Date.parse(e.since) <= copyAt && copyAt < Date.parse(e.till) && isFinal(e.status),
      );
      expect(holder, "a concluded entry holds the copy's instant").toBeDefined();
      expect(entries.reduce((n, e) => n + e.counts.reduce((m, c) => m + c.extra, 0), 0)).toBe(0);
    });
  });

  /**
   * Counts that cancel: one version lost on the destination (again before every count, so the
   * second import does not bring it back for long) while the destination gains a version of
   * `gainedType` in the same window. The system-level totals agree; the window must not.
   */
  async function lossBesideAGain(
    environment: ResilienceEnvironment,
    deps: TestDeps,
    gainedType: string,
  ): Promise<{ type: string; id: string; since: string }> {
    let lost: { type: string; id: string; since: string } | undefined;
    await migrateWithReconcileHook(environment, deps, async () => {
      const first = lost === undefined;
      lost = await loseOneOnDestination(environment, deps, lost, "Patient");
      if (first && lost !== undefined)
        writeVersionAt(
          environment.destination.store,
          `gained-on-destination-${gainedType}`,
          Date.parse(lost.since),
          gainedType,
        );
    });
    expect(lost).toBeDefined();
    return lost!;
  }

  async function expectUnreconciledEverywhere(
    deps: TestDeps,
    lost: { type: string; since: string },
  ): Promise<void> {
    const entry = await deps.state.ledger().get(lost.since);
    expect(entry).toMatchObject({ status: "unreconciled" });
    expect(entry!.counts.filter((c) => c.missing > 0)).toEqual([
      expect.objectContaining({ type: lost.type, missing: 1 }),
    ]);
    const report = await loadStatusReport(deps);
    expect(report.ledger.unreconciled).toBe(1);
    expect(report.ledger.unreconciledEntries.map((e) => e.since)).toEqual([lost.since]);
    expect(
      ledgerEvents(deps).find(
        (e) => e.properties.Since === lost.since && e.properties.LedgerStatus === "Unreconciled",
      )?.properties,
    ).toMatchObject({ Missing: 1 });
  }

  it("counts a system-level window per type: a loss is not cancelled by a version created on the destination", async () => {
    await withEnvironment(40, async (environment) => {
      const deps = depsFor(environment, "ledgercancel", LEDGER_SETTINGS);
      const lost = await lossBesideAGain(environment, deps, "Observation");
      await expectUnreconciledEverywhere(deps, lost);
      const entry = await deps.state.ledger().get(lost.since);
      expect(totalExtra(entry!.counts)).toBe(1);
    });
  });

  it("accounts for SearchParameter copies on the destination: a loss in their window is not cancelled by them", async () => {
    await withEnvironment(40, async (environment) => {
      const deps = depsFor(environment, "ledgerspcopy", LEDGER_SETTINGS);
      const lost = await lossBesideAGain(environment, deps, "SearchParameter");
      await expectUnreconciledEverywhere(deps, lost);
      const entry = await deps.state.ledger().get(lost.since);
      // The copy is the tool's own kind of write: counted, neither owed nor extra.
      expect(entry!.counts.find((c) => c.type === "SearchParameter")).toMatchObject({
        missing: 0,
        extra: 0,
      });
      expect(entry!.counts.find((c) => c.type === OTHER_TYPES)).toMatchObject({
        missing: 0,
        extra: 0,
      });
    });
  });
});
