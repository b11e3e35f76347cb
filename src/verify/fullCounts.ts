/** Counting a range of the full check on one server or both (VerifyFullPlan, VerifyFullSplit). */
import type { EngineDeps } from "../engine/deps";
import type { FhirClient } from "../fhir/types";
import type { FullScope } from "./fullTypes";

async function countRange(
  client: FhirClient,
  scope: FullScope,
  sinceMs: number,
  tillMs: number,
): Promise<number> {
  return client.count({
    history: scope === "history",
    since: new Date(sinceMs).toISOString(),
    till: new Date(tillMs).toISOString(),
  });
}

export async function countBoth(
  deps: EngineDeps,
  scope: FullScope,
  sinceMs: number,
  tillMs: number,
) {
  const [source, destination] = await Promise.all([
    countRange(deps.source, scope, sinceMs, tillMs),
    countRange(deps.destination, scope, sinceMs, tillMs),
  ]);
  return { sinceMs, tillMs, source, destination };
}
