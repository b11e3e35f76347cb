/**
 * Which catch-up scenarios a run measures, from the command line: the three standard ones, or one
 * scenario of the user's (`--resources`, `--years`, `--seed`, `--recent-share` and the latency
 * figures), so anyone can rerun the comparison on data shaped like theirs.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { Scenario, ScenarioResult } from "./catchUp";
import { engineScenario, headline, modelScenario } from "./catchUp";
import type { BenchLatency } from "./model";
import { CATCH_UP_DATASET, LATENCY, ageExponentFor } from "./model";
import type { SimulatedEnvironment, StorageEndpoints } from "./simulatedEnvironment";
import { SCENARIOS } from "./scenarios";

export interface CatchUpOptions {
  set: Record<string, string>;
  resources?: number;
  years?: number;
  seed?: number;
  recentShare?: number;
  exportFixedSeconds?: number;
  exportMsPerVersion?: number;
  exportThroughput?: number;
  importFixedSeconds?: number;
  importMsPerResource?: number;
  importThroughput?: number;
  engineResources: number;
}

/** Largest dataset the engine runs at full size in a custom scenario; above it, a scaled replica. */
const ENGINE_RESOURCES = 20_000;

function number(min: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`expected ${what} ≥ ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

function share(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw new InvalidArgumentError(
      `expected a share between 0 and 1 (exclusive), got ${JSON.stringify(value)}`,
    );
  return n;
}

export function addCatchUpOptions(program: Command): void {
  const whole = number(1, "a whole number");
  const int = (value: string) => {
    const n = whole(value);
    if (!Number.isInteger(n))
      throw new InvalidArgumentError(`expected a whole number, got ${value}`);
    return n;
  };
  program
    .option("--resources <n>", "catch-up: resources of a custom scenario (replaces the three)", int)
    .option("--years <n>", "catch-up: years the custom scenario's data spans", int)
    .option("--seed <n>", "catch-up: random seed of the custom scenario's data", int)
    .option(
      "--recent-share <share>",
      "catch-up: share of the resources created in the last two years (default: about 0.6 over 10 years)",
      share,
    )
    .option(
      "--export-fixed-seconds <s>",
      "latency: fixed time of an export job",
      number(0, "seconds"),
    )
    .option("--export-ms-per-version <ms>", "latency: export time per version", number(0, "ms"))
    .option(
      "--export-throughput <n>",
      "latency: versions/s the source exports in all, shared by concurrent exports",
      number(1, "versions/s"),
    )
    .option(
      "--import-fixed-seconds <s>",
      "latency: fixed time of an import job",
      number(0, "seconds"),
    )
    .option("--import-ms-per-resource <ms>", "latency: import time per resource", number(0, "ms"))
    .option(
      "--import-throughput <n>",
      "latency: resources/s the destination imports in all, shared by concurrent imports",
      number(1, "resources/s"),
    )
    .option(
      "--engine-resources <n>",
      "catch-up: largest custom dataset the engine runs at full size; above, it runs a scaled replica",
      int,
      ENGINE_RESOURCES,
    );
}

/** One scenario from the command line, or undefined when none of its options was given. */
export function customScenario(o: CatchUpOptions): Scenario | undefined {
  const given = [
    o.resources,
    o.years,
    o.seed,
    o.recentShare,
    o.exportFixedSeconds,
    o.exportMsPerVersion,
    o.exportThroughput,
    o.importFixedSeconds,
    o.importMsPerResource,
    o.importThroughput,
  ].some((v) => v !== undefined);
  if (!given) return undefined;
  const years = o.years ?? CATCH_UP_DATASET.years;
  const resources = o.resources ?? CATCH_UP_DATASET.resources;
  const latency: BenchLatency = {
    exportFixedMs: (o.exportFixedSeconds ?? LATENCY.exportFixedMs / 1000) * 1000,
    exportPerResourceMs: o.exportMsPerVersion ?? LATENCY.exportPerResourceMs,
    exportThroughputPerSecond: o.exportThroughput ?? LATENCY.exportThroughputPerSecond,
    importFixedMs: (o.importFixedSeconds ?? LATENCY.importFixedMs / 1000) * 1000,
    importPerResourceMs: o.importMsPerResource ?? LATENCY.importPerResourceMs,
    importThroughputPerSecond: o.importThroughput ?? LATENCY.importThroughputPerSecond,
  };
  return {
    name: "custom",
    description: `${resources} resources over ${years} years`,
    dataset: {
      resources,
      years,
      seed: o.seed ?? CATCH_UP_DATASET.seed,
      ...(o.recentShare !== undefined ? { ageExponent: ageExponentFor(years, o.recentShare) } : {}),
    },
    latency,
    engineResources: Math.min(resources, o.engineResources),
    tenYears: years >= 10,
  };
}

export async function runCatchUpScenarios(
  storage: StorageEndpoints,
  options: CatchUpOptions,
  how: { keepFirst: boolean; onlyFirstEngine: boolean },
  log: (line: string) => void,
): Promise<{ scenarios: ScenarioResult[]; sim?: SimulatedEnvironment }> {
  const custom = customScenario(options);
  const scenarios = custom === undefined ? SCENARIOS : [custom];
  const results: ScenarioResult[] = [];
  let sim: SimulatedEnvironment | undefined;
  for (const [i, scenario] of scenarios.entries()) {
    if (how.onlyFirstEngine && i > 0) break;
    const first = i === 0;
    log(
      `1 catch-up, ${scenario.name}: engine on ${scenario.engineResources} resources (virtual clock)`,
    );
    const engine = await engineScenario(
      storage,
      scenario,
      options.set,
      `bench${scenario.name}`,
      log,
      first && how.keepFirst,
    );
    if (engine.sim !== undefined) sim = engine.sim;
    if (how.onlyFirstEngine) break;
    let model;
    if (engine.figures.scale !== 1 || scenario.engineResources !== scenario.dataset.resources) {
      log(
        `1 catch-up, ${scenario.name}: planner and schedule model on ${scenario.dataset.resources} resources`,
      );
      model = await modelScenario(scenario, options.set);
    }
    results.push({
      name: scenario.name,
      description: scenario.description,
      dataset: scenario.dataset,
      latency: scenario.latency,
      tenYears: scenario.tenYears,
      engine: engine.figures,
      ...(model !== undefined ? { model } : {}),
      catchUp: headline(engine.figures, model),
    });
  }
  return { scenarios: results, ...(sim !== undefined ? { sim } : {}) };
}

/** The JSON summary: per scenario, the headline ratios under `catchUp.<scenario>`. */
export function catchUpSummary(
  scenarios: readonly ScenarioResult[] | undefined,
): Record<string, ScenarioResult["catchUp"]> | undefined {
  if (scenarios === undefined) return undefined;
  return Object.fromEntries(scenarios.map((s) => [s.name, s.catchUp]));
}
