/**
 * The catch-up scenarios (docs/performance.md, "1. Catch-up, per scenario"). Each runs through the
 * pass model at full size; the engine runs the first at full size and the others as scaled replicas.
 */
import type { Scenario } from "./catchUp";
import { CATCH_UP_DATASET, ageExponentFor } from "./model";

/** Versions per resource of the synthetic law (updates and deletes): 1,325,427 per million. */
const VERSIONS_PER_RESOURCE = 1.325427;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "current",
    description: "4,000 resources over 10 years, about 60 % in the last two",
    dataset: CATCH_UP_DATASET,
    engineResources: CATCH_UP_DATASET.resources,
    tenYears: true,
  },
  {
    name: "dense",
    description: "about a million versions over two years, evenly spread",
    dataset: { resources: 750_000, years: 2, seed: 7, ageExponent: 1 },
    engineResources: 15_000,
    tenYears: false,
  },
  {
    name: "standard",
    description: "1,000,000 resources over 10 years, 80 % in the last two",
    dataset: { resources: 1_000_000, years: 10, seed: 7, ageExponent: ageExponentFor(10, 0.8) },
    engineResources: 20_000,
    tenYears: true,
  },
  {
    name: "scale-10M",
    description:
      "10 million versions over 10 years, 80 % of the resources in the last two (histogram); the engine on a 1/377 replica with the windows and jobs of the full size",
    dataset: {
      resources: Math.round(10_000_000 / VERSIONS_PER_RESOURCE),
      years: 10,
      seed: 7,
      ageExponent: ageExponentFor(10, 0.8),
    },
    histogramVersions: 10_000_000,
    engineResources: 20_000,
    tenYears: true,
  },
];
