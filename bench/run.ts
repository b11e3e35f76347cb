/**
 * `npm run bench`: the performance benchmarks, in one run, printed as one table.
 *
 *   1. Catch-up per scenario (this project vs the original tool's schedule vs the best plan)
 *   2. Freshness in continuous mode (simulated time from a source write to the destination)
 *   3. Import payload building from a 100,000-output manifest (real time, memory)
 *   4. Deep check throughput, default concurrency vs one at a time (real time)
 *   5. Source requests during one idle pass once caught up
 *   6. Full check throughput and memory (bench/fullVerify.ts)
 *   7. Isolation of one refused resource: extra import jobs and time (bench/isolation.ts)
 *   8. The ledger after the catch-up: unreconciled entries, requests per entry (bench/ledger.ts)
 *   9. The status page under 200 concurrent requests on 40,000 state rows (bench/statusLoad.ts)
 *  11. The full check, the cutover's proof and the reconciliation at 10M, 100M and 1B versions
 *      under a cited server model (bench/fullCheckScale.ts)
 *
 * Speed claims are ratios measured here, in one run, on one machine. A missed target is reported in
 * the table; the exit code is non-zero only when the benchmark itself fails.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { startAzurite } from "../src/local/azurite";
import type { ScenarioResult } from "./catchUp";
import type { ScaleRow } from "./scale";
import { SCALE_TABLE_HEADER, catchUpRows, scaleRows, scaleTable } from "./catchUpReport";
import { printTable } from "../demo/table";
import type { CatchUpOptions } from "./catchUpScenarios";
import { addCatchUpOptions, catchUpSummary, runCatchUpScenarios } from "./catchUpScenarios";
import type { DeepCheckResult, DeepCheckRun } from "./deepCheck";
import { benchmarkDeepCheck } from "./deepCheck";
import type { FullVerifyResult } from "./fullVerify";
import { benchmarkFullVerify, fullVerifyRows } from "./fullVerify";
import type { FullCheckScaleResult } from "./fullCheckScale";
import { benchmarkFullCheckScale, fullCheckScaleRows } from "./fullCheckScale";
import type { CutoverBenchResult } from "./cutover";
import { CUTOVER_OPTIONS, benchmarkCutover, cutoverRows } from "./cutover";
import type { FreshnessResult } from "./freshness";
import { FRESHNESS_OPTIONS, benchmarkFreshness } from "./freshness";
import { benchmarkIsolation, isolationRows } from "./isolation";
import { ROLLING_FILE_RESOURCES, shippedScheduleDefaults } from "./model";
import { MAX_WINDOW_VERSIONS } from "../src/core/windowSizing";
import { nameList } from "./nameList";
import type { LedgerBenchResult } from "./ledger";
import { benchmarkLedger, ledgerRows } from "./ledger";
import type { PayloadBuildResult } from "./payloadBuild";
import { benchmarkPayloadBuild } from "./payloadBuild";
import type { Row } from "./report";
import { megabytes, minutes, percentileRows, printRows, times, verdict } from "./report";
import type { SimulatedEnvironment } from "./simulatedEnvironment";
import type { StatusLoadResult } from "./statusLoad";
import { STATUS_LOAD_OPTIONS, benchmarkStatusLoad, statusLoadRows } from "./statusLoad";

const BENCHMARKS = [
  "catch-up",
  "freshness",
  "payload",
  "deep-check",
  "idle",
  "full-check",
  "isolation",
  "ledger",
  "status-load",
  "cutover",
  "full-check-scale",
] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

interface Options extends CatchUpOptions {
  json?: string;
  only?: BenchmarkName[];
  set: Record<string, string>;
  deepResources: number;
  fullResources: number;
  manifestOutputs: number;
  writeInterval: number;
  writingHours: number;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${JSON.stringify(value)}`);
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number > 0, got ${JSON.stringify(value)}`);
  return n;
}

const benchmarkList = nameList<BenchmarkName>("benchmark", BENCHMARKS);

function setting(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1)
    throw new InvalidArgumentError(
      `expected NAME=VALUE (an app setting), got ${JSON.stringify(value)}`,
    );
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function parseArgs(argv: string[]): Options {
  const program = new Command("npm run bench --")
    .description(
      "Measure catch-up speed, freshness, payload building, deep-check throughput and idle cost.",
    )
    .option("--json <file>", "also write the results as JSON to this file")
    .option(
      "--only <names>",
      `run only these (comma-separated): ${BENCHMARKS.join(", ")}`,
      benchmarkList,
    )
    .option(
      "--set <NAME=VALUE>",
      "app setting for the simulated migration (repeatable), e.g. AZURE_MaxExportsInFlight=4",
      setting,
      {},
    )
    .option("--deep-resources <n>", "resources the deep check compares", positiveInt, 10_000)
    .option(
      "--full-resources <n>",
      "resources seeded for the full check (about 1.3 versions each)",
      positiveInt,
      800_000,
    )
    .option(
      "--manifest-outputs <n>",
      "outputs in the payload-building manifest",
      positiveInt,
      100_000,
    )
    .option(
      "--write-interval <minutes>",
      "mean minutes between source writes in the freshness run",
      positiveNumber,
      FRESHNESS_OPTIONS.meanIntervalMs / 60_000,
    )
    .option(
      "--writing-hours <hours>",
      "simulated hours during which writes arrive in the freshness run",
      positiveNumber,
      FRESHNESS_OPTIONS.writingMs / 3_600_000,
    )
    .addHelpText(
      "after",
      "\nExamples:\n  npm run bench\n  npm run bench -- --json bench-results.json\n  npm run bench -- --only freshness --set AZURE_MaxExportsInFlight=4\n",
    );
  addCatchUpOptions(program);
  program.parse(argv, { from: "user" });
  return program.opts<Options>();
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);
}

/** Freshness p95 under the cited model with the shipped 60 s safety lag and 1-minute idle poll. */
const FRESHNESS_TARGET_MS = 3.5 * 60_000;

function freshnessRows(r: FreshnessResult): Row[] {
  const b = "2 Freshness";
  const phase = (p: { p95Ms?: number }) => minutes(p.p95Ms ?? Number.NaN);
  return [
    ...percentileRows(
      b,
      "write to destination",
      r,
      {
        ms: FRESHNESS_TARGET_MS,
        text: `≤ ${minutes(FRESHNESS_TARGET_MS)} (lag ${minutes(r.safetyLagMs)}, idle poll ${minutes(r.idlePollMs)}; longest import job ${minutes(r.importJobMs)})`,
      },
      `p95 by phase: until the window's export starts ${phase(r.phases.untilExport)}, export as observed ${phase(r.phases.export)}, import as observed ${phase(r.phases.import)}; ${r.selfStaged} of ${r.windows} windows self-staged (${r.selfStagePagesMean?.toFixed(1) ?? "-"} _history pages each on average, at most ${r.selfStagePagesMax ?? "-"}; ${r.selfStageFallBacks} fell back to $export); ${r.windows} windows over ${r.simulatedHours.toFixed(1)} simulated hours, ${r.realSeconds.toFixed(0)} s real time`,
    ),
    {
      benchmark: b,
      figure: "writes that reached the destination",
      value: r.arrived,
      unit: "count",
      shown: `${r.arrived} of ${r.writes}`,
      target: { kind: "min", value: r.writes, text: "all" },
    },
  ];
}

function payloadRows(r: PayloadBuildResult): Row[] {
  const b = "3 Payload build";
  return [
    {
      benchmark: b,
      figure: `${r.outputs.toLocaleString("en-US")} outputs → ${r.payloads} bodies, wall time`,
      value: r.wallMs,
      unit: "ms",
      shown: `${(r.wallMs / 1000).toFixed(2)} s`,
      target: { kind: "max", value: 2000, text: "< 2 s" },
    },
    {
      benchmark: b,
      figure: "peak memory (RSS growth)",
      value: r.peakRssDeltaBytes,
      unit: "bytes",
      shown: megabytes(r.peakRssDeltaBytes),
      target: { kind: "max", value: 256 * 1024 * 1024, text: "< 256 MB" },
      note: `peak heap growth ${megabytes(r.peakHeapDeltaBytes)}; process peak RSS ${megabytes(r.peakRssBytes)} (baseline ${megabytes(r.rssBeforeBytes)} with the ${megabytes(r.manifestBytes)} manifest text loaded)`,
    },
    {
      benchmark: b,
      figure: "versions one BuildImportPayloads splits and checks in 10 minutes (one thread)",
      value: r.scanLinesPerSecond * 600,
      unit: "versions",
      shown: `${((r.scanLinesPerSecond * 600) / 1e6).toFixed(0)} million`,
      target: {
        kind: "min",
        value: MAX_WINDOW_VERSIONS,
        text: `≥ ${MAX_WINDOW_VERSIONS / 1e6} million (largest window)`,
      },
      note: `${Math.round(r.scanLinesPerSecond).toLocaleString("en-US")} export lines/s of ${Math.round(r.scanLineBytes)} bytes (${(r.scanBytesPerSecond / 1e6).toFixed(0)} MB/s) split and checked against their window, the download left out`,
    },
  ];
}

function cpuText(run: DeepCheckRun): string {
  const { checker, emulators, azurite } = run.cpuMsPerResource;
  const parts = [`checker ${checker.toFixed(2)} ms`, `emulators ${emulators.toFixed(2)} ms`];
  if (azurite !== undefined) parts.push(`Azurite ${azurite.toFixed(2)} ms`);
  return parts.join(", ");
}

function deepCheckRows(r: DeepCheckResult): Row[] {
  const b = "4 Deep check";
  const { loopback, withServiceTime } = r;
  const rows: Row[] = [
    {
      benchmark: b,
      figure: `loopback, concurrency ${r.defaultConcurrency} (default)`,
      value: loopback.concurrent.resourcesPerSecond,
      unit: "resources/s",
      shown: `${loopback.concurrent.resourcesPerSecond.toFixed(0)} /s`,
    },
    {
      benchmark: b,
      figure: "loopback, concurrency 1",
      value: loopback.sequential.resourcesPerSecond,
      unit: "resources/s",
      shown: `${loopback.sequential.resourcesPerSecond.toFixed(0)} /s`,
    },
    {
      benchmark: b,
      figure: "loopback speed-up",
      value: loopback.speedup,
      unit: "ratio",
      shown: times(loopback.speedup),
      target: { kind: "min", value: 5, text: "≥ 5×" },
      note: `${loopback.concurrent.resources} resources (${r.versions} versions seeded) each way, ${loopback.concurrent.requests / loopback.concurrent.resources} server requests and one check row per resource; ${cpus().length} CPU cores shared by the checker, the emulators and Azurite; CPU per resource at concurrency 1: ${cpuText(loopback.sequential)}, at ${r.defaultConcurrency}: ${cpuText(loopback.concurrent)}`,
    },
  ];
  if (withServiceTime !== undefined) {
    rows.push({
      benchmark: b,
      figure: `speed-up with ${withServiceTime.requestDelayMs} ms service time per request`,
      value: withServiceTime.speedup,
      unit: "ratio",
      shown: times(withServiceTime.speedup),
      note: `${withServiceTime.concurrent.resourcesPerSecond.toFixed(0)} /s at concurrency ${r.defaultConcurrency} (${withServiceTime.concurrent.resources} resources) vs ${withServiceTime.sequential.resourcesPerSecond.toFixed(0)} /s at 1 (${withServiceTime.sequential.resources} resources)`,
    });
  }
  return rows;
}

function idleRows(r: FreshnessResult): Row[] {
  const b = "5 Idle pass";
  const ops = Object.entries(r.idlePassRequestsByOperation)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  return [
    {
      benchmark: b,
      figure: "source requests per idle pass (most)",
      value: r.idlePassMaxRequests ?? Number.POSITIVE_INFINITY,
      unit: "requests",
      shown: r.idlePassMaxRequests === undefined ? "no idle pass" : String(r.idlePassMaxRequests),
      target: { kind: "max", value: 2, text: "≤ 2" },
      note: `${r.idlePasses} idle passes, mean ${(r.idlePassMeanRequests ?? Number.NaN).toFixed(2)}; by operation: ${ops || "none"}`,
    },
  ];
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const selected = new Set<BenchmarkName>(options.only ?? BENCHMARKS);
  const continuous = selected.has("freshness") || selected.has("idle") || selected.has("cutover");
  const started = Date.now();
  const results: {
    catchUp?: ScenarioResult[];
    scale?: ScaleRow[];
    freshness?: FreshnessResult;
    payload?: PayloadBuildResult;
    deepCheck?: DeepCheckResult;
    fullCheck?: FullVerifyResult;
    fullCheckScale?: FullCheckScaleResult;
    ledger?: LedgerBenchResult;
    statusLoad?: StatusLoadResult;
    cutover?: CutoverBenchResult;
  } = {};
  const rows: Row[] = [];

  log("starting Azurite");
  const azurite = await startAzurite();
  try {
    // Real-time measurements first, while this process is small and nothing else of the run competes.
    if (selected.has("payload")) {
      log(`3 payload build: ${options.manifestOutputs} outputs in a child process`);
      results.payload = await benchmarkPayloadBuild(options.manifestOutputs, 10_000);
      rows.push(...payloadRows(results.payload));
    }
    if (selected.has("status-load")) {
      log("9 status page: concurrent requests on 40,000 state rows");
      results.statusLoad = await benchmarkStatusLoad(
        azurite,
        { ...STATUS_LOAD_OPTIONS, tablePrefix: "benchstatus" },
        log,
      );
      rows.push(...statusLoadRows(results.statusLoad));
    }
    if (selected.has("deep-check")) {
      log(`4 deep check: ${options.deepResources} resources, emulators in a child process`);
      results.deepCheck = await benchmarkDeepCheck(azurite, {
        resources: options.deepResources,
        tablePrefix: "benchdeep",
        serviceTime: { delayMs: 10, concurrentResources: 1000, sequentialResources: 250 },
      });
      rows.push(...deepCheckRows(results.deepCheck));
    }
    if (selected.has("full-check")) {
      log(`6 full check: ${options.fullResources} resources, emulators in a child process`);
      results.fullCheck = await benchmarkFullVerify(
        azurite,
        {
          resources: options.fullResources,
          unitVersions: 20_000,
          tablePrefix: "benchfull",
          delayMs: 10,
          delayedShare: 0.1,
          oneAtATimeResources: 200,
        },
        log,
      );
      rows.push(...fullVerifyRows(results.fullCheck));
    }
    if (selected.has("full-check-scale")) {
      log("11 full check at 10M, 100M and 1B versions under the cited model");
      results.fullCheckScale = await benchmarkFullCheckScale(log);
      rows.push(...fullCheckScaleRows(results.fullCheckScale));
    }
    if (selected.has("catch-up") || continuous || selected.has("ledger")) {
      let sim: SimulatedEnvironment | undefined;
      try {
        // The first scenario's engine run stays up for the freshness and idle benchmarks.
        const catchUp = await runCatchUpScenarios(
          azurite,
          options,
          {
            keepFirst: continuous || selected.has("ledger"),
            onlyFirstEngine: !selected.has("catch-up"),
          },
          log,
        );
        sim = catchUp.sim;
        if (selected.has("catch-up")) {
          results.catchUp = catchUp.scenarios;
          for (const scenario of catchUp.scenarios) rows.push(...catchUpRows(scenario));
          if (catchUp.scale !== undefined) {
            results.scale = catchUp.scale;
            rows.push(...scaleRows(catchUp.scale));
          }
        }
        if (continuous && sim !== undefined) {
          log("2/5 freshness and idle passes: the migration keeps running while writes arrive");
          results.freshness = await benchmarkFreshness(
            sim,
            {
              ...FRESHNESS_OPTIONS,
              meanIntervalMs: options.writeInterval * 60_000,
              writingMs: options.writingHours * 3_600_000,
            },
            log,
          );
          if (selected.has("freshness")) rows.push(...freshnessRows(results.freshness));
          if (selected.has("cutover")) {
            log("10 cutover: freezes at random instants of the continuous run");
            results.cutover = await benchmarkCutover(sim, CUTOVER_OPTIONS, log);
            rows.push(...cutoverRows(results.cutover));
          }
        }
        if (selected.has("ledger") && sim !== undefined) {
          log("8 ledger: entries of the run, requests per entry");
          results.ledger = await benchmarkLedger(sim.deps);
          rows.push(...ledgerRows(results.ledger));
        }
      } finally {
        await sim?.stop();
      }
    }
    if (selected.has("idle") && results.freshness !== undefined)
      rows.push(...idleRows(results.freshness));
    if (selected.has("isolation")) {
      log(
        `7 isolation: one refused resource in a file of ${ROLLING_FILE_RESOURCES}, and 1,000 over a year, on a virtual clock`,
      );
      rows.push(...isolationRows(await benchmarkIsolation(azurite, ROLLING_FILE_RESOURCES)));
    }
  } finally {
    await azurite.stop();
  }

  const seconds = (Date.now() - started) / 1000;
  // Measured in the order that disturbs the real-time figures least; shown in benchmark order.
  rows.sort((a, b) => a.benchmark.localeCompare(b.benchmark));
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write("");
  printRows(rows, write);
  if (results.scale !== undefined && results.scale.length > 0) {
    write("");
    write("Catch-up at scale (pass model, cited servers):");
    printTable(SCALE_TABLE_HEADER, scaleTable(results.scale), write);
  }
  const missed = rows.filter((r) => verdict(r) === "MISSED");
  write("");
  write(
    missed.length === 0
      ? `All ${rows.filter((r) => r.target !== undefined).length} targets met (${seconds.toFixed(0)} s).`
      : `${missed.length} target(s) missed: ${missed.map((r) => `${r.benchmark} / ${r.figure}`).join("; ")} (${seconds.toFixed(0)} s). docs/performance.md explains what limits them.`,
  );
  if (options.json !== undefined) {
    writeFileSync(
      options.json,
      `${JSON.stringify(
        {
          finishedAt: new Date().toISOString(),
          seconds,
          machine: { cpus: cpus().length, node: process.version, platform: process.platform },
          catchUp: catchUpSummary(results.catchUp, results.scale),
          rollingFileResources: ROLLING_FILE_RESOURCES,
          settings: { ...shippedScheduleDefaults(), ...options.set },
          rows: rows.map((r) => ({ ...r, result: verdict(r) || undefined })),
          cutover:
            results.cutover === undefined
              ? undefined
              : {
                  windowP50Minutes: (results.cutover.p50Ms ?? Number.NaN) / 60_000,
                  windowP95Minutes: (results.cutover.p95Ms ?? Number.NaN) / 60_000,
                  ...(results.cutover.rehearsal === undefined
                    ? {}
                    : { rehearsalMinutes: results.cutover.rehearsal.windowMs / 60_000 }),
                },
          fullCheck:
            results.fullCheckScale === undefined
              ? undefined
              : { scale: results.fullCheckScale.scale },
          freshness:
            results.freshness === undefined
              ? undefined
              : {
                  p50Minutes: (results.freshness.p50Ms ?? Number.NaN) / 60_000,
                  p95Minutes: (results.freshness.p95Ms ?? Number.NaN) / 60_000,
                },
          results,
        },
        null,
        2,
      )}\n`,
    );
    write(`Results written to ${options.json}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
