/**
 * VerifyPlan activity: resolves the run's options against the settings, reads the watermark, and
 * finds the types to check. The servers have no cheap "which types do you hold" query, and a fixed
 * list (the original checked only Patient) misses data, so discovery counts: first the types seen
 * holding resources before (the seen-types row: earlier discoveries and the types the migration
 * moved), then the system-level count; when the candidates' counts add up to it on both servers no
 * other type holds anything (src/core/typeDiscovery.ts), otherwise every other R4 type is counted
 * too. With history migrated the counts are `_history` counts, so a type whose resources are all
 * deleted is still found. docs/verification.md, "Which types are checked".
 */
import type { Settings } from "../config/settings";
import { R4_RESOURCE_TYPES, isR4ResourceType } from "../core/resourceTypes";
import { allocateSample } from "../core/sampling";
import type { ServerTally } from "../core/typeDiscovery";
import { candidateTypes, decideDiscovery } from "../core/typeDiscovery";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import { nowIso } from "../engine/deps";
import { recordSeenTypes } from "../engine/seenTypes";
import { ConfigurationError, ensureError } from "../errors";
import type { FhirClient } from "../fhir/types";
import { loadKnownFailures } from "./knownFailures";
import type { CheckName, TypeCounts, VerificationInput, VerificationPlan } from "./types";
import { DEFAULT_CHECKS, DEFAULT_HOP_LIMITS } from "./types";

/**
 * AZURE_SurfaceCheckResources is only checked for its shape when settings are parsed; the checks
 * need real R4 names. Throws ConfigurationError naming the unknown ones.
 */
export function configuredCheckTypes(settings: Settings): string[] | undefined {
  const types = settings.verification.resourceTypes;
  if (types.length === 0) return undefined;
  const unknown = types.filter((t) => !isR4ResourceType(t));
  if (unknown.length > 0) {
    throw new ConfigurationError([
      {
        setting: "AZURE_SurfaceCheckResources",
        received: JSON.stringify(types.join(",")),
        expected: `FHIR R4 resource type names, spelled exactly; not R4 types: ${unknown.join(", ")}`,
      },
    ]);
  }
  return [...types];
}

interface Counted {
  count: number | null;
  error: string | null;
}

/** One count; `type` undefined is the system-level count (every type). */
async function countOrError(
  client: FhirClient,
  type: string | undefined,
  history: boolean,
): Promise<Counted> {
  try {
    return {
      count: await client.count({ ...(type === undefined ? {} : { type }), history }),
      error: null,
    };
  } catch (thrown) {
    // Recorded, not skipped: the type stays in the run and its surface row says it could not be counted.
    return { count: null, error: ensureError(thrown).message };
  }
}

function typeCounts(
  types: readonly string[],
  source: readonly Counted[],
  destination: readonly Counted[],
): TypeCounts[] {
  return types.map((type, i) => {
    const s = source[i]!;
    const d = destination[i]!;
    const errors = [
      s.error === null ? undefined : `source: ${s.error}`,
      d.error === null ? undefined : `destination: ${d.error}`,
    ].filter((e): e is string => e !== undefined);
    return {
      type,
      source: s.count,
      destination: d.count,
      error: errors.length > 0 ? errors.join("; ") : null,
    };
  });
}

/** `work` on the source and on the destination at once. */
function onBothServers<T>(
  deps: EngineDeps,
  work: (client: FhirClient) => Promise<T>,
): Promise<[T, T]> {
  return Promise.all([work(deps.source), work(deps.destination)]);
}

export async function countTypes(
  deps: EngineDeps,
  types: readonly string[],
  history: boolean,
  concurrency: number,
): Promise<TypeCounts[]> {
  const [source, destination] = await onBothServers(deps, (client) =>
    mapWithConcurrency(types, concurrency, (t) => countOrError(client, t, history)),
  );
  return typeCounts(types, source, destination);
}

const holdsResources = (t: TypeCounts): boolean => (t.source ?? 0) > 0 || (t.destination ?? 0) > 0;

/**
 * One server's system-level count, the candidates' counts, and the system-level count again: a
 * count that changed in between (a write or a delete meanwhile) is a fallback, so a delete of a
 * candidate's resource cannot cancel what an unlisted type holds.
 */
async function tallyCandidates(
  client: FhirClient,
  candidates: readonly string[],
  history: boolean,
  concurrency: number,
): Promise<{ counted: Counted[]; tally: ServerTally }> {
  const before = await countOrError(client, undefined, history);
  const counted = await mapWithConcurrency(candidates, concurrency, (t) =>
    countOrError(client, t, history),
  );
  const after = await countOrError(client, undefined, history);
  return {
    counted,
    tally: { totalBefore: before.count, total: after.count, byType: counted.map((c) => c.count) },
  };
}

/**
 * Every type that holds something (or could not be counted) on either server, with its counts:
 * the candidates' counts when they add up to the system-level count on both servers, else every
 * R4 type counted. The types found are added to the seen-types row for the next discovery.
 */
export async function discoverTypes(
  deps: EngineDeps,
  history: boolean,
  concurrency: number,
): Promise<TypeCounts[]> {
  const candidates = candidateTypes((await deps.state.seenTypes.get())?.types ?? []);
  const [source, destination] = await onBothServers(deps, (client) =>
    tallyCandidates(client, candidates, history, concurrency),
  );
  const decision = decideDiscovery(candidates, source.tally, destination.tally);
  let counted = typeCounts(candidates, source.counted, destination.counted);
  if (!decision.complete) {
    const others = R4_RESOURCE_TYPES.filter((t) => !candidates.includes(t));
    deps.log(
      `type discovery: ${decision.reason}; counting the other ${others.length} R4 type(s) too`,
    );
    counted = [...counted, ...(await countTypes(deps, others, history, concurrency))];
  }
  // Only a fallback can find types the candidates lack: the row is not read again otherwise.
  const unseen = counted.filter((t) => holdsResources(t) && !candidates.includes(t.type));
  if (unseen.length > 0) await recordSeenTypes(deps, unseen);
  return counted.filter((t) => t.error !== null || holdsResources(t));
}

export async function planVerification(
  deps: EngineDeps,
  input: VerificationInput,
): Promise<VerificationPlan> {
  const { settings } = deps;
  const requested = input.resourceTypes ?? configuredCheckTypes(settings);
  const concurrency = input.concurrency ?? settings.verification.concurrency;
  const migratesHistory = settings.export.withHistory;
  const migratesDeletes = settings.export.withDelete;
  const deepCheckCount = input.deepCheckCount ?? settings.verification.deepCheckCount;
  // A deep check of 0 resources is "not run", and the report says so by leaving it out.
  const checks: CheckName[] = (input.checks ?? [...DEFAULT_CHECKS]).filter(
    (c) => c !== "deep" || deepCheckCount > 0,
  );
  const cursor = await deps.state.getCursor();
  // The status shows the latest run from its summary rows (docs/status.md).
  await deps.state.registerVerificationRun(input.runId);

  const types =
    requested !== undefined
      ? await countTypes(deps, requested, migratesHistory, concurrency)
      : await discoverTypes(deps, migratesHistory, concurrency);
  types.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));

  const allocation = checks.includes("deep")
    ? allocateSample(
        types.map((t) => ({ type: t.type, count: t.source ?? 0 })),
        deepCheckCount,
      )
        .filter((a) => a.size > 0)
        .map((a) => ({ type: a.type, size: a.size }))
    : [];

  const plan: VerificationPlan = {
    runId: input.runId,
    seed: input.seed,
    startedAt: nowIso(deps),
    checks,
    watermark: cursor.watermark ?? null,
    migratesHistory,
    migratesDeletes,
    historyScope: migratesHistory && migratesDeletes,
    concurrency,
    deepCheckCount,
    applyHardDeletes: input.applyHardDeletes ?? settings.verification.applyHardDeletes,
    typeSelection: requested === undefined ? "discovered" : "requested",
    types,
    allocation,
    limits: { ...DEFAULT_HOP_LIMITS, ...input.limits },
    knownFailures: await loadKnownFailures(deps),
  };
  deps.log(
    `verification ${plan.runId}: ${types.length} type(s) (${plan.typeSelection}), checks ${checks.join(",")}, seed ${plan.seed}, watermark ${plan.watermark ?? "none"}`,
  );
  return plan;
}
