/**
 * What isolating one refused resource costs (docs/operations.md, "Resources the destination
 * refuses"): one window of Observations, one export file of the latency model's size, migrated on
 * a virtual clock twice with the shipped settings: once clean, once with one resource whose
 * quantity is 1e18 or more in the middle of the file. The difference is the extra import jobs and
 * the simulated time the bisection takes.
 */
import { SPLIT_PARTS } from "../src/core/importIsolation";
import { runMigrationLocally } from "../src/local/localMigration";
import { VirtualClock } from "../src/local/virtualClock";
import { createEngineDeps } from "../src/engine/createDeps";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import { settingsFor, startLocalEnvironment } from "../emulator/harness/localEnvironment";
import {
  LATENCY,
  MIGRATION_START_MS,
  ROLLING_FILE_RESOURCES,
  importJobMs,
  shippedScheduleDefaults,
} from "./model";
import type { Row } from "./report";
import { minutes, times } from "./report";
import type { StorageEndpoints } from "./simulatedEnvironment";

export interface IsolationRun {
  simulatedMs: number;
  importJobs: number;
  refused: number;
  outcome: string;
}

export interface IsolationBenchResult {
  resources: number;
  clean: IsolationRun;
  poisoned: IsolationRun;
  realSeconds: number;
}

const observation = (id: string, value: string): string =>
  `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"lab"},"valueQuantity":{"value":${value},"unit":"mg"}}`;

async function runOnce(
  storage: StorageEndpoints,
  resources: number,
  poison: boolean,
  tablePrefix: string,
): Promise<IsolationRun> {
  const startMs = MIGRATION_START_MS;
  // One write every 100 ms, ending two minutes before the start: one window, one file.
  const firstMs = startMs - 2 * 60_000 - resources * 100;
  const clock = new VirtualClock(firstMs);
  const environment = await startLocalEnvironment({
    azurite: storage,
    clock,
    latency: LATENCY,
    rollingFileResources: ROLLING_FILE_RESOURCES,
  });
  try {
    const store = environment.source.store;
    const middle = Math.floor(resources / 2);
    for (let i = 0; i < resources; i++) {
      clock.advanceTo(firstMs + i * 100);
      const big = poison && i === middle;
      store.create(observation(`bench-iso-${i}`, big ? "1000000000000000000" : `${i}.5`));
    }
    clock.advanceTo(startMs);
    const settings = settingsFor(
      environment.env({
        ...shippedScheduleDefaults(),
        AZURE_ChunkTableName: `${tablePrefix}chunk`,
        AZURE_ExportTableName: `${tablePrefix}export`,
      }),
    );
    const deps = createEngineDeps(settings, {
      clock,
      telemetry: new InMemoryTelemetry(),
      log: () => {},
    });
    const run = await runMigrationLocally(deps, { clock, input: { stopWhenCaughtUp: true } });
    let importJobs = 0;
    for await (const chunk of deps.state.listAllChunks()) {
      for (const p of await deps.state.listPayloads(chunk.seq)) importJobs += p.attempts;
      for (const part of await deps.state.isolation().listWindow(chunk.seq))
        importJobs += part.attempts;
    }
    return {
      simulatedMs: clock.now() - startMs,
      importJobs,
      refused: (await deps.state.getCursor()).resourcesFailed,
      outcome: (run.output as { outcome?: string } | undefined)?.outcome ?? "unknown",
    };
  } finally {
    await environment.stop();
  }
}

export async function benchmarkIsolation(
  storage: StorageEndpoints,
  resources: number,
): Promise<IsolationBenchResult> {
  const realStart = Date.now();
  const clean = await runOnce(storage, resources, false, "benchisoclean");
  const poisoned = await runOnce(storage, resources, true, "benchisopoison");
  return { resources, clean, poisoned, realSeconds: (Date.now() - realStart) / 1000 };
}

export function isolationRows(r: IsolationBenchResult): Row[] {
  const b = "6 Isolation";
  const extraJobs = r.poisoned.importJobs - r.clean.importJobs;
  const extraMs = r.poisoned.simulatedMs - r.clean.simulatedMs;
  // A failing range is split in SPLIT_PARTS; each round costs at most that many jobs.
  const levels = Math.ceil(Math.log(r.resources) / Math.log(SPLIT_PARTS));
  const bound = SPLIT_PARTS * levels + 1;
  return [
    {
      benchmark: b,
      figure: "extra import jobs for one refused resource",
      value: extraJobs,
      unit: "jobs",
      shown: String(extraJobs),
      target: {
        kind: "max",
        value: bound,
        text: `≤ ${bound} (${SPLIT_PARTS}·⌈log${SPLIT_PARTS} n⌉ + 1)`,
      },
      note: `${r.resources} resources in one file; ${r.clean.importJobs} import job(s) clean, ${r.poisoned.importJobs} with the refused one; outcomes ${r.clean.outcome} / ${r.poisoned.outcome}, ${r.poisoned.refused} recorded as failed`,
    },
    {
      benchmark: b,
      figure: "extra time for one refused resource (simulated)",
      value: extraMs,
      unit: "ms",
      shown: minutes(extraMs),
      note: `catch-up ${minutes(r.clean.simulatedMs)} clean, ${minutes(r.poisoned.simulatedMs)} with the refused one (${times(r.poisoned.simulatedMs / r.clean.simulatedMs)}); about one import job of ${minutes(importJobMs(r.resources / 2))} or less per round, ${levels} rounds of ${SPLIT_PARTS} parts; ${r.realSeconds.toFixed(0)} s real time`,
    },
    {
      benchmark: b,
      figure: "the refused resource recorded, no halt",
      value: r.poisoned.refused === 1 && r.poisoned.outcome === "caught-up" ? 1 : 0,
      unit: "boolean",
      shown: r.poisoned.refused === 1 && r.poisoned.outcome === "caught-up" ? "yes" : "no",
      target: { kind: "min", value: 1, text: "yes" },
    },
  ];
}
