/**
 * A process can die inside an activity, between two of its table writes (the child-process crash
 * test kills at activity boundaries, where other activities of the same pass may be mid-way). These
 * cases stop a run at exactly such points, then run again: the migration must finish with every
 * version copied and no second export.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import type { EngineDeps } from "../../../src/engine/deps";
import type { LocalMigrationOptions } from "../../../src/local/localMigration";
import type { MigrationStateStore } from "../../../src/storage/migrationStateStore";
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

class SimulatedCrash extends Error {}

/** The activity a store call is made from. */
const activity = new AsyncLocalStorage<string>();

type StoreMethod = keyof MigrationStateStore;

/**
 * The store, with `method` failing like a killed process when `shouldCrash` says so (checked
 * before the call, so the write does not happen).
 */
function crashingStore(
  deps: EngineDeps,
  method: StoreMethod,
  shouldCrash: (from: string | undefined, args: unknown[]) => boolean,
): MigrationStateStore {
  return new Proxy(deps.state, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === method && shouldCrash(activity.getStore(), args))
          throw new SimulatedCrash(`crash before ${String(method)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function crashThenResume(
  environment: ResilienceEnvironment,
  deps: TestDeps,
  state: MigrationStateStore,
  resume: Pick<LocalMigrationOptions, "wrapActivity"> = {},
): Promise<void> {
  const crashed = migrate(
    environment,
    { ...deps, state },
    {
      isCrash: (e) => e instanceof SimulatedCrash,
      wrapActivity: (name, call) => activity.run(name, call),
    },
  );
  await expect(crashed).rejects.toThrow(SimulatedCrash);
  // A bound: a migration that can no longer finish stops here instead of hanging the suite.
  let episodes = 0;
  const resumed = await migrate(environment, deps, {
    ...resume,
    shouldStop: () => ++episodes > 400,
  });
  expect(resumed.stopped, "the resumed migration did not finish").toBe(false);
  expect(resumed.output).toMatchObject({ outcome: "caught-up" });
}

describe("a crash between two table writes of one activity", () => {
  it("after an import's payload row is completed but before its chunk row counts it", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(40);
      const deps = depsFor(environment, "midpoll");
      let crashes = 0;
      const state = crashingStore(
        deps,
        "changeChunk",
        (from) => from === "PollImport" && crashes++ === 0,
      );
      await crashThenResume(environment, deps, state);
      expect(crashes).toBeGreaterThan(0);
      await expectEveryVersionCopied(deps);
      const chunks = await chunkRows(deps);
      expect(chunks.every((c) => c.processed)).toBe(true);
      const payloads = await payloadRows(deps);
      const cursor = await deps.state.getCursor();
      expect(cursor.watermark).toBe(cursor.frontier);
      expect(chunks.reduce((n, c) => n + c.totalImportResourceCount, 0)).toBe(
        payloads.reduce((n, p) => n + (p.importedCount ?? 0), 0),
      );
      expect(environment.source.stats.requests("export-kickoff")).toBe(chunks.length);
    } finally {
      await environment.stop();
    }
  });

  it("after a payload build wrote its payload rows, when they are imported before the build is redone", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(40);
      const deps = depsFor(environment, "midbuild", { AZURE_FileCount: "1" });
      let crashedSeq: number | undefined;
      const chunkWrites = new Map<number, number>();
      const state = crashingStore(deps, "changeChunk", (from, args) => {
        if (from !== "BuildImportPayloads" || crashedSeq !== undefined) return false;
        // A build's first chunk write records its file count, before any payload row is written.
        const seq = args[0] as number;
        chunkWrites.set(seq, (chunkWrites.get(seq) ?? 0) + 1);
        if (chunkWrites.get(seq) === 1) return false;
        crashedSeq = seq;
        return true;
      });
      // The rebuild is slow: it runs only once the payloads written before the crash are imported.
      await crashThenResume(environment, deps, state, {
        wrapActivity: async (name, call) => {
          if (name !== "BuildImportPayloads") return call();
          const payloads = await deps.state.listPayloads(crashedSeq!);
          return payloads.every((p) => p.status === "Completed") ? call() : { changed: false };
        },
      });
      expect(crashedSeq).toBeDefined();
      await expectEveryVersionCopied(deps);
      const chunk = await deps.state.getChunk(crashedSeq!);
      expect(chunk).toMatchObject({ processed: true, importStatus: "Completed" });
      expect(chunk?.completedCount).toBe(chunk?.payloadCount);
    } finally {
      await environment.stop();
    }
  });

  it("while planning a per-type window, after some of its chunk rows are written", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(60);
      const deps = depsFor(environment, "midplan", {
        AZURE_IsParallel: "false",
        AZURE_ResourceTypes: "Patient,Encounter,Observation,Condition,MedicationRequest",
        AZURE_ResourceExportChunkTime: "200",
      });
      // The second planned window's second chunk row is never written (the process died first).
      let inserts = 0;
      let windows = 0;
      let lastSince: string | undefined;
      const state = crashingStore(deps, "insertChunk", (from, args) => {
        if (from !== "PlanNextWindow") return false;
        const since = (args[0] as { since: string }).since;
        if (since !== lastSince) {
          windows++;
          inserts = 0;
          lastSince = since;
        }
        inserts++;
        return windows === 2 && inserts === 2;
      });
      await crashThenResume(environment, deps, state);
      await expectEveryVersionCopied(deps);
      const chunks = await chunkRows(deps);
      for (let i = 1; i < chunks.length; i++) {
        const [previous, chunk] = [chunks[i - 1]!, chunks[i]!];
        if (chunk.since !== previous.since) expect(chunk.since).toBe(previous.till);
        else expect(chunk.till).toBe(previous.till);
      }
      expect(environment.source.stats.requests("export-kickoff")).toBe(chunks.length);
    } finally {
      await environment.stop();
    }
  });
});
