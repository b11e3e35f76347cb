/**
 * VerifyPlan activity: resolves the run's options against the settings, reads the watermark, and
 * finds the types to check. Discovery asks both servers for a count of every R4 type (a
 * `_summary=count` per type, at bounded concurrency) and keeps the types either holds: the servers
 * have no cheap "which types do you hold" query, and a fixed list (the original checked only
 * Patient) misses data. With history migrated the counts are `_history` counts, so a type whose
 * resources are all deleted is still found.
 */
import type { Settings } from "../config/settings";
import { R4_RESOURCE_TYPES, isR4ResourceType } from "../core/resourceTypes";
import { allocateSample } from "../core/sampling";
import { mapWithConcurrency } from "../engine/concurrency";
import type { EngineDeps } from "../engine/deps";
import { nowIso } from "../engine/deps";
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

async function countOrError(
  client: FhirClient,
  type: string,
  history: boolean,
): Promise<{ count: number | null; error: string | null }> {
  try {
    return { count: await client.count({ type, history }), error: null };
  } catch (thrown) {
    // Recorded, not skipped: the type stays in the run and its surface row says it could not be counted.
    return { count: null, error: ensureError(thrown).message };
  }
}

export async function countTypes(
  deps: EngineDeps,
  types: readonly string[],
  history: boolean,
  concurrency: number,
): Promise<TypeCounts[]> {
  const [source, destination] = await Promise.all([
    mapWithConcurrency(types, concurrency, (t) => countOrError(deps.source, t, history)),
    mapWithConcurrency(types, concurrency, (t) => countOrError(deps.destination, t, history)),
  ]);
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

  const counted = await countTypes(
    deps,
    requested ?? R4_RESOURCE_TYPES,
    migratesHistory,
    concurrency,
  );
  const types =
    requested !== undefined
      ? counted
      : counted.filter((t) => t.error !== null || (t.source ?? 0) > 0 || (t.destination ?? 0) > 0);
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
