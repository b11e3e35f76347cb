/**
 * VerifyDeepCompare activity: compares one batch of a type's stored sample at bounded concurrency
 * (at most `concurrency` resources in flight, each sending one request at a time), and records a
 * check row and a DeepCheck event per resource. Also usable directly: compareSampledResources.
 */
import { describeDifference } from "../core/resourceDiff";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import type { CompareContext } from "./compareResource";
import { compareSampledResource } from "./compareResource";
import { describeDeepResult } from "./describe";
import { excuseKnownFailures, knownFailureKeys } from "./knownFailures";
import { loadSample } from "./sampleStore";
import type { DeepCompareResult, DeepResourceResult } from "./types";
import { REPORTED_FAILURES } from "./types";

export interface DeepCompareInput extends CompareContext {
  runId: string;
  type: string;
  offset: number;
  limit: number;
  concurrency: number;
}

/** Paths in the DeepCheck event; the table row keeps them all. */
const EVENT_PATHS_CHARS = 1000;

export function differingPaths(result: DeepResourceResult): string[] {
  return result.findings.flatMap((f) =>
    f.problem === "content"
      ? f.paths.map((p) => `v${f.versionId}:${describeDifference(p)}`)
      : [`v${f.versionId}:${f.problem}`],
  );
}

async function record(deps: EngineDeps, runId: string, result: DeepResourceResult): Promise<void> {
  await deps.state.recordCheckResult({
    runId,
    kind: "deep",
    resourceType: result.type,
    key: result.id,
    result: result.result,
    details: JSON.stringify({ reason: describeDeepResult(result), ...result }),
  });
  deps.telemetry.trackEvent("DeepCheck", {
    RunId: runId,
    Resource: result.type,
    id: result.id,
    VersionId: result.findings.map((f) => f.versionId).join(","),
    Result: result.result,
    DifferingPaths: differingPaths(result).join("; ").slice(0, EVENT_PATHS_CHARS),
  });
}

export interface CompareManyOptions extends CompareContext {
  runId: string;
  concurrency: number;
}

/**
 * Compares `ids` of one type with at most `concurrency` in flight (1 = one at a time), recording
 * each result; returns the counts and the first failures.
 */
export async function compareSampledResources(
  deps: EngineDeps,
  type: string,
  ids: readonly string[],
  options: CompareManyOptions,
): Promise<DeepCompareResult> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  }
  const known = await knownFailureKeys(deps, type);
  const results = await mapWithConcurrency(ids, options.concurrency, async (id) => {
    const result = excuseKnownFailures(
      await compareSampledResource(deps, type, id, options),
      known,
    );
    await record(deps, options.runId, result);
    return result;
  });
  const count = (r: DeepResourceResult["result"]) => results.filter((x) => x.result === r).length;
  return {
    type,
    processed: results.length,
    passed: count("Pass"),
    failed: count("Fail"),
    behind: count("Behind"),
    errors: count("Error"),
    failures: results
      .filter((r) => r.result === "Fail" || r.result === "Error")
      .slice(0, REPORTED_FAILURES),
  };
}

export async function compareSampleBatch(
  deps: EngineDeps,
  input: DeepCompareInput,
): Promise<DeepCompareResult> {
  const sample = await loadSample(deps, input.runId, input.type);
  if (sample === undefined) {
    throw new Error(
      `The deep check sample of ${input.type} for run ${input.runId} is missing from storage`,
    );
  }
  const ids = sample.candidates.slice(input.offset, input.offset + input.limit).map((c) => c.id);
  return compareSampledResources(deps, input.type, ids, input);
}
