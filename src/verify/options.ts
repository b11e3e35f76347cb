/**
 * Parses the options of a verification run from text (E2ETest_Http query parameters, `fhir-migrate
 * verify` flags). Every bad value is reported at once, naming the parameter, the value received and
 * what is accepted.
 */
import { resourceTypeProblem } from "../config/valueChecks";
import { isR4ResourceType } from "../core/resourceTypes";
import { SEED_PATTERN } from "../core/sampling";
import type { CheckName, VerificationOptions } from "./types";
import { CHECK_NAMES } from "./types";

export const OPTION_NAMES = [
  "deepCheckCount",
  "resourceTypes",
  "checks",
  "seed",
  "applyHardDeletes",
  "concurrency",
] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

export interface OptionIssue {
  parameter: string;
  received: string;
  expected: string;
}

export type ParsedOptions =
  { ok: true; options: VerificationOptions } | { ok: false; issues: OptionIssue[] };

const MAX_DEEP_CHECK_COUNT = 1_000_000;
const MAX_CONCURRENCY = 64;
const SHOWN_CHARS = 200;

function shown(value: string): string {
  return JSON.stringify(value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value);
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function wholeNumber(value: string, min: number, max: number): number | undefined {
  const t = value.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= min && n <= max ? n : undefined;
}

/** Values keyed by option name; undefined (or absent) means "use the setting". */
export function parseVerificationOptions(
  raw: Partial<Record<OptionName, string | undefined>>,
): ParsedOptions {
  const options: VerificationOptions = {};
  const issues: OptionIssue[] = [];
  const bad = (parameter: string, value: string, expected: string) =>
    issues.push({ parameter, received: shown(value), expected });

  if (raw.deepCheckCount !== undefined) {
    const n = wholeNumber(raw.deepCheckCount, 0, MAX_DEEP_CHECK_COUNT);
    if (n === undefined) {
      bad(
        "deepCheckCount",
        raw.deepCheckCount,
        `a whole number from 0 to ${MAX_DEEP_CHECK_COUNT} (resources sampled in total across types; 0 skips the deep check)`,
      );
    } else options.deepCheckCount = n;
  }

  if (raw.resourceTypes !== undefined) {
    const types = list(raw.resourceTypes);
    const unknown = types.filter((t) => !isR4ResourceType(t));
    if (types.length === 0) {
      bad(
        "resourceTypes",
        raw.resourceTypes,
        "a comma-separated list of FHIR R4 resource types, e.g. Patient,Observation",
      );
    } else if (unknown.length > 0) {
      bad(
        "resourceTypes",
        raw.resourceTypes,
        resourceTypeProblem(unknown) ?? "FHIR R4 resource type names",
      );
    } else options.resourceTypes = [...new Set(types)];
  }

  if (raw.checks !== undefined) {
    const names = list(raw.checks).map((c) => c.toLowerCase());
    const unknown = names.filter((c) => !(CHECK_NAMES as readonly string[]).includes(c));
    if (names.length === 0 || unknown.length > 0) {
      bad("checks", raw.checks, `a comma-separated subset of ${CHECK_NAMES.join(",")}`);
    } else {
      // Always run in the canonical order, whatever order they were given in.
      options.checks = CHECK_NAMES.filter((c) => names.includes(c)) as CheckName[];
    }
  }

  if (raw.seed !== undefined) {
    const seed = raw.seed.trim();
    if (!SEED_PATTERN.test(seed)) {
      bad(
        "seed",
        raw.seed,
        "1 to 64 letters, digits, '-' or '_' (the seed a previous run reported)",
      );
    } else options.seed = seed;
  }

  if (raw.applyHardDeletes !== undefined) {
    const v = raw.applyHardDeletes.trim().toLowerCase();
    if (v !== "true" && v !== "false")
      bad("applyHardDeletes", raw.applyHardDeletes, "true or false");
    else options.applyHardDeletes = v === "true";
  }

  if (raw.concurrency !== undefined) {
    const n = wholeNumber(raw.concurrency, 1, MAX_CONCURRENCY);
    if (n === undefined) {
      bad(
        "concurrency",
        raw.concurrency,
        `a whole number from 1 to ${MAX_CONCURRENCY} (requests in flight to each server)`,
      );
    } else options.concurrency = n;
  }

  return issues.length > 0 ? { ok: false, issues } : { ok: true, options };
}

export function describeIssues(issues: readonly OptionIssue[]): string {
  return issues
    .map((i) => `${i.parameter}: received ${i.received}; expected ${i.expected}`)
    .join("\n");
}
