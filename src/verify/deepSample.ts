/**
 * VerifyDeepSample activity: one hop of sampling a type on the source. It pages the type's ids
 * (`{Type}?_count=1000&_elements=id`, or `{Type}/_history?_count=1000` when history is migrated, so
 * resources that exist only as deleted versions can be sampled too), offers each id to the
 * bottom-k sample (src/core/sampling.ts) and stores the sample in a blob. A hop ends at the last
 * page or at its page/time limit and returns a cursor for the next hop.
 */
import { BottomKSample, sampleKey } from "../core/sampling";
import type { EngineDeps } from "../engine/deps";
import { ensureError } from "../errors";
import { entryId, readPages, resourceEntries } from "./paging";
import { loadSample, saveSample } from "./sampleStore";
import type { DeepSampleResult, HopLimits } from "./types";

export interface DeepSampleInput {
  runId: string;
  seed: string;
  type: string;
  size: number;
  /** Sample from `_history` (every resource that has any version) instead of current resources. */
  history: boolean;
  /** Null on the first hop. */
  cursor: string | null;
  limits: HopLimits;
}

export function samplingQuery(type: string, history: boolean, pageSize: number): string {
  return history
    ? `${type}/_history?_count=${pageSize}`
    : `${type}?_count=${pageSize}&_elements=id`;
}

export async function sampleTypeHop(
  deps: EngineDeps,
  input: DeepSampleInput,
): Promise<DeepSampleResult> {
  const { runId, seed, type, size } = input;
  const stored = input.cursor === null ? undefined : await loadSample(deps, runId, type);
  if (input.cursor !== null && stored === undefined) {
    throw new Error(
      `The deep check sample of ${type} for run ${runId} is missing from storage; the run cannot resume`,
    );
  }
  const sample = BottomKSample.restore(size, stored?.candidates ?? []);
  let scanned = stored?.scanned ?? 0;
  try {
    const { cursor } = await readPages(
      deps.source,
      input.cursor ?? samplingQuery(type, input.history, input.limits.pageSize),
      { ...input.limits, now: () => deps.clock.now() },
      (bundle) => {
        for (const entry of resourceEntries(bundle)) {
          const id = entryId(entry, type);
          if (id === undefined) continue;
          scanned++;
          sample.offer({ id, key: sampleKey(seed, type, id) });
        }
      },
    );
    await saveSample(deps, runId, { type, seed, size, scanned, candidates: sample.candidates() });
    return { type, done: cursor === null, cursor, scanned, sampled: sample.size, error: null };
  } catch (thrown) {
    // The type's deep check cannot be done; reported as an error for the type, never as passed.
    const message = ensureError(thrown).message;
    deps.log(`deep check sampling of ${type} failed: ${message}`);
    return { type, done: true, cursor: null, scanned, sampled: 0, error: message };
  }
}
