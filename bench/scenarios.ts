/**
 * The catch-up scenarios (docs/performance.md, "Scenarios"). Each runs through the schedule model
 * at full size; the engine runs the first at full size and the large ones as scaled replicas.
 */
import type { Scenario } from "./catchUp";
import { CATCH_UP_DATASET, LATENCY, STANDARD_LATENCY, ageExponentFor } from "./model";

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "current",
    description: "10 years, about 60 % in the last two (the benchmark's dataset so far)",
    dataset: CATCH_UP_DATASET,
    latency: LATENCY,
    engineResources: CATCH_UP_DATASET.resources,
    tenYears: true,
  },
  {
    name: "dense",
    description: "about a million versions over two years, evenly spread",
    dataset: { resources: 750_000, years: 2, seed: 7, ageExponent: 1 },
    latency: LATENCY,
    engineResources: 15_000,
    tenYears: false,
  },
  {
    name: "standard",
    description:
      "1,000,000 resources over 10 years, 80 % in the last two; export 30 s + 0.5 ms/version, import 60 s + 1 ms/resource",
    dataset: { resources: 1_000_000, years: 10, seed: 7, ageExponent: ageExponentFor(10, 0.8) },
    latency: STANDARD_LATENCY,
    engineResources: 20_000,
    tenYears: true,
  },
];
