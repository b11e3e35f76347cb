/**
 * Which catch-up scenarios a run measures, from the command line: the standard ones or one of the
 * user's (`--resources`, `--years`, `--seed`, `--recent-share`), at one point of the swept server
 * ranges, and the hospital-scale rows (`--scale`) at every point of them.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { CatchUpConditions, Scenario, ScenarioResult } from "./catchUp";
import { engineScenario, headline, modelScenario } from "./catchUp";
import type { BenchLatency } from "./model";
import { CATCH_UP_DATASET, LATENCY, ageExponentFor } from "./model";
import { LATENCY_PROFILES, ZERO_LATENCY, latencyProfile } from "./requestLatency";
import type { ScaleRow, ShapeName } from "./scale";
import { SCALE_DEFAULTS, runScale } from "./scale";
import type { SimulatedEnvironment, StorageEndpoints } from "./simulatedEnvironment";
import { SCENARIOS } from "./scenarios";
import type { ProposedChange } from "./passModel";
import { PROPOSED_CHANGES } from "./passModel";
import { nameList } from "./nameList";

export interface CatchUpOptions {
  set: Record<string, string>;
  resources?: number;
  years?: number;
  seed?: number;
  recentShare?: number;
  scale?: number[];
  importRates: number[];
  exportRates: number[];
  requestLatency: string[];
  shapes: ShapeName[];
  resourceBytes: number;
  proposed: ProposedChange[];
  serverModel: "cited" | "legacy";
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

/** A comma-separated list of whole numbers ≥ 1 (1e7 and 10000000 both accepted). */
function wholeList(what: string) {
  return (value: string): number[] => {
    const items = value.split(",").map((s) => s.trim());
    return items.map((item) => {
      const n = Number(item);
      if (item === "" || !Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(
          `expected a comma-separated list of whole numbers ≥ 1 (${what}, e.g. 1e7,1e8), got ${JSON.stringify(item)}`,
        );
      return n;
    });
  };
}

const profileList = nameList("request latency profile", Object.keys(LATENCY_PROFILES));
const shapeList = nameList<ShapeName>("data shape", ["dense", "recent-heavy"]);
const proposedList = nameList<ProposedChange>("change", PROPOSED_CHANGES);

function serverModel(value: string): "cited" | "legacy" {
  if (value !== "cited" && value !== "legacy")
    throw new InvalidArgumentError(`expected cited or legacy, got ${JSON.stringify(value)}`);
  return value;
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
    .option(
      "--resources <n>",
      "catch-up: resources of a custom scenario (replaces the standard ones)",
      int,
    )
    .option(
      "--years <n>",
      "catch-up: years the custom scenario's (and the scale rows') data spans",
      int,
    )
    .option(
      "--seed <n>",
      "catch-up: random seed of the custom scenario's (and the scale rows') data",
      int,
    )
    .option(
      "--recent-share <share>",
      "catch-up: share of the resources created in the last two years (custom scenario; recent-heavy scale rows, default 0.8)",
      share,
    )
    .option(
      "--scale <versions>",
      "catch-up: hospital-scale rows at these numbers of versions, e.g. 1e7,1e8,1e9 (pass model only)",
      wholeList("versions"),
    )
    .option(
      "--import-rates <list>",
      "servers: destination import rates swept, resources/s (the first one for the scenarios)",
      wholeList("resources/s"),
      SCALE_DEFAULTS.importRates,
    )
    .option(
      "--export-rates <list>",
      "servers: source export rates swept, versions/s (the first one for the scenarios)",
      wholeList("versions/s"),
      SCALE_DEFAULTS.exportRates,
    )
    .option(
      "--request-latency <profiles>",
      `requests: latency profiles swept (${Object.keys(LATENCY_PROFILES).join(", ")}; the last one for the scenarios)`,
      profileList,
      SCALE_DEFAULTS.latencies,
    )
    .option(
      "--proposed <changes>",
      `scale rows: activity changes the pass model assumes, to predict them (${PROPOSED_CHANGES.join(", ")})`,
      proposedList,
      [],
    )
    .option(
      "--shapes <list>",
      "scale rows: data shapes (dense, recent-heavy)",
      shapeList,
      SCALE_DEFAULTS.shapes,
    )
    .option(
      "--resource-bytes <n>",
      "data: bytes per version (Cosmos partitions, export files, import units, streams)",
      int,
      SCALE_DEFAULTS.bytesPerVersion,
    )
    .option(
      "--server-model <name>",
      "servers: cited (the default) or legacy (the fixed job latency this benchmark used before, requests free)",
      serverModel,
      "cited",
    )
    .option(
      "--export-fixed-seconds <s>",
      "legacy latency: fixed time of an export job",
      number(0, "seconds"),
    )
    .option(
      "--export-ms-per-version <ms>",
      "legacy latency: export time per version",
      number(0, "ms"),
    )
    .option(
      "--export-throughput <n>",
      "legacy latency: versions/s the source exports in all, shared by concurrent exports",
      number(1, "versions/s"),
    )
    .option(
      "--import-fixed-seconds <s>",
      "legacy latency: fixed time of an import job",
      number(0, "seconds"),
    )
    .option(
      "--import-ms-per-resource <ms>",
      "legacy latency: import time per resource",
      number(0, "ms"),
    )
    .option(
      "--import-throughput <n>",
      "legacy latency: resources/s the destination imports in all, shared by concurrent imports",
      number(1, "resources/s"),
    )
    .option(
      "--engine-resources <n>",
      "catch-up: largest custom dataset the engine runs at full size; above, it runs a scaled replica",
      int,
      ENGINE_RESOURCES,
    );
}

/** The legacy job latency when asked for (`--server-model legacy` or any of its figures). */
function legacyLatency(o: CatchUpOptions): BenchLatency | undefined {
  const given = [
    o.exportFixedSeconds,
    o.exportMsPerVersion,
    o.exportThroughput,
    o.importFixedSeconds,
    o.importMsPerResource,
    o.importThroughput,
  ].some((v) => v !== undefined);
  if (!given && o.serverModel !== "legacy") return undefined;
  return {
    exportFixedMs: (o.exportFixedSeconds ?? LATENCY.exportFixedMs / 1000) * 1000,
    exportPerResourceMs: o.exportMsPerVersion ?? LATENCY.exportPerResourceMs,
    exportThroughputPerSecond: o.exportThroughput ?? LATENCY.exportThroughputPerSecond,
    importFixedMs: (o.importFixedSeconds ?? LATENCY.importFixedMs / 1000) * 1000,
    importPerResourceMs: o.importMsPerResource ?? LATENCY.importPerResourceMs,
    importThroughputPerSecond: o.importThroughput ?? LATENCY.importThroughputPerSecond,
  };
}

/** The conditions the scenarios run under: the first rates swept and the last latency profile. */
export function scenarioConditions(o: CatchUpOptions): CatchUpConditions {
  const legacy = legacyLatency(o);
  return {
    importRate: o.importRates[0]!,
    exportRate: o.exportRates[0]!,
    latency: legacy === undefined ? latencyProfile(o.requestLatency.at(-1)!) : ZERO_LATENCY,
    bytesPerVersion: o.resourceBytes,
    ...(legacy === undefined ? {} : { legacy }),
  };
}

/** One scenario from the command line, or undefined when none of its options was given. */
export function customScenario(o: CatchUpOptions): Scenario | undefined {
  const given = [o.resources, o.years, o.seed, o.recentShare].some((v) => v !== undefined);
  if (!given || (o.scale !== undefined && o.resources === undefined)) return undefined;
  const years = o.years ?? CATCH_UP_DATASET.years;
  const resources = o.resources ?? CATCH_UP_DATASET.resources;
  return {
    name: "custom",
    description: `${resources} resources over ${years} years`,
    dataset: {
      resources,
      years,
      seed: o.seed ?? CATCH_UP_DATASET.seed,
      ...(o.recentShare !== undefined ? { ageExponent: ageExponentFor(years, o.recentShare) } : {}),
    },
    engineResources: Math.min(resources, o.engineResources),
    tenYears: years >= 10,
  };
}

export async function runCatchUpScenarios(
  storage: StorageEndpoints,
  options: CatchUpOptions,
  how: { keepFirst: boolean; onlyFirstEngine: boolean },
  log: (line: string) => void,
): Promise<{ scenarios: ScenarioResult[]; scale?: ScaleRow[]; sim?: SimulatedEnvironment }> {
  const custom = customScenario(options);
  const scenarios = custom === undefined ? SCENARIOS : [custom];
  const conditions = scenarioConditions(options);
  const seed = options.seed ?? CATCH_UP_DATASET.seed;
  const results: ScenarioResult[] = [];
  let sim: SimulatedEnvironment | undefined;
  for (const [i, scenario] of scenarios.entries()) {
    if (how.onlyFirstEngine && i > 0) break;
    const first = i === 0;
    log(
      `1 catch-up, ${scenario.name}: engine on ${scenario.engineResources} resources (virtual clock, requests priced "${conditions.latency.name}")`,
    );
    const engine = await engineScenario(
      storage,
      scenario,
      conditions,
      options.set,
      `bench${scenario.name.toLowerCase().replace(/[^a-z0-9]/g, "")}`,
      log,
      first && how.keepFirst,
    );
    if (engine.sim !== undefined) sim = engine.sim;
    if (how.onlyFirstEngine) break;
    log(`1 catch-up, ${scenario.name}: pass model at full size`);
    const model = await modelScenario(scenario, conditions, options.set, seed);
    results.push({
      name: scenario.name,
      description: scenario.description,
      dataset: scenario.dataset,
      tenYears: scenario.tenYears,
      conditions: {
        importRate: conditions.importRate,
        exportRate: conditions.exportRate,
        requestLatency: conditions.latency.name,
        servers: conditions.legacy === undefined ? "cited" : "legacy",
      },
      engine: engine.figures,
      model,
      catchUp: headline(model),
    });
  }
  let scale: ScaleRow[] | undefined;
  if (options.scale !== undefined && !how.onlyFirstEngine) {
    scale = await runScale(
      {
        sizes: options.scale,
        importRates: options.importRates,
        exportRates: options.exportRates,
        latencies: options.requestLatency,
        shapes: options.shapes,
        years: options.years ?? SCALE_DEFAULTS.years,
        recentShare: options.recentShare ?? SCALE_DEFAULTS.recentShare,
        seed,
        bytesPerVersion: options.resourceBytes,
        overrides: options.set,
        proposed: options.proposed,
      },
      log,
    );
  }
  return {
    scenarios: results,
    ...(scale !== undefined ? { scale } : {}),
    ...(sim !== undefined ? { sim } : {}),
  };
}

/** The JSON summary: per scenario, the headline ratios under `catchUp.<scenario>`; `scale` rows. */
export function catchUpSummary(
  scenarios: readonly ScenarioResult[] | undefined,
  scale: readonly ScaleRow[] | undefined,
): Record<string, unknown> | undefined {
  if (scenarios === undefined && scale === undefined) return undefined;
  return {
    ...Object.fromEntries(
      (scenarios ?? []).map((s) => [s.name, { ...s.catchUp, conditions: s.conditions }]),
    ),
    ...(scale === undefined ? {} : { scale }),
  };
}
