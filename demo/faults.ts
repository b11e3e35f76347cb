/**
 * `npm run demo -- --faults RATE`: both emulators answer a share of all requests (every operation)
 * with a fault the real services produce: 429 with Retry-After (throttling), 503, a connection
 * reset, or 401 (a token the server rejected). The migration must still copy every version.
 */
import type { FaultKind, FhirEmulator, HttpFault } from "../emulator/types";
import { seededRandom } from "../emulator/harness/syntheticData";

const KINDS: readonly { label: string; fault: HttpFault }[] = [
  { label: "429", fault: { kind: "status", status: 429, retryAfterSeconds: 1 } },
  { label: "503", fault: { kind: "status", status: 503 } },
  { label: "reset", fault: { kind: "reset" } },
  { label: "401", fault: { kind: "unauthorized" } },
];

/**
 * Adds rate-based faults of every kind to both emulators, for every operation: about `rate` of all
 * requests get one. `seed` picks the mix (each kind's share of `rate`); which requests are hit is
 * drawn from each emulator's own seeded generator, so a run is reproducible.
 */
export function injectRandomFaults(
  source: FhirEmulator,
  destination: FhirEmulator,
  rate: number,
  seed: number,
): void {
  if (!(rate > 0 && rate <= 1)) {
    throw new RangeError(`the fault rate must be above 0 and at most 1, got ${rate}`);
  }
  const random = seededRandom(seed);
  const weights = KINDS.map(() => 0.5 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  // Kinds are tried in turn, each with its own chance: this keeps the overall share near `rate`.
  let left = 1;
  for (const [i, { fault }] of KINDS.entries()) {
    const share = (rate * weights[i]!) / total;
    const chance = Math.min(1, share / left);
    left -= share;
    for (const emulator of [source, destination]) emulator.faults.add({ ...fault, rate: chance });
  }
}

function injected(emulator: FhirEmulator): Partial<Record<FaultKind, number>> {
  return emulator.faults.survived();
}

/** "survived N faults: ..." with the count of each kind, per server. */
export function faultSummary(source: FhirEmulator, destination: FhirEmulator): string {
  const describe = (counts: Partial<Record<FaultKind, number>>) =>
    `429/503 ${counts.status ?? 0}, connection resets ${counts.reset ?? 0}, 401 ${counts.unauthorized ?? 0}`;
  const [s, d] = [injected(source), injected(destination)];
  // Only the HTTP faults above; the source's empty and partial pages are summed by cosmosPageSummary.
  const total = [s, d].reduce(
    (n, counts) => n + (counts.status ?? 0) + (counts.reset ?? 0) + (counts.unauthorized ?? 0),
    0,
  );
  return `survived ${total} faults (source: ${describe(s)}; destination: ${describe(d)})`;
}

/** Ends the faults (before the comparison, which must see the servers as they are); returns faultSummary. */
export function stopFaults(source: FhirEmulator, destination: FhirEmulator): string {
  source.faults.clear();
  destination.faults.clear();
  return faultSummary(source, destination);
}

/**
 * The source answers a share of its search and history pages empty, or with fewer entries than
 * asked, while still carrying `next`: what Azure API for FHIR's Cosmos store does when its fill loop
 * runs out of time or is throttled (CosmosFhirDataStore.ExecuteDocumentQueryAsync in
 * microsoft/fhir-server). Following `next` still leads to every entry; a client that reads an empty
 * page as "nothing there" skips data.
 */
export function injectCosmosPages(source: FhirEmulator, rate: number): void {
  if (!(rate >= 0 && rate <= 1)) {
    throw new RangeError(`the empty-page rate must be within 0 and 1, got ${rate}`);
  }
  if (rate === 0) return;
  source.faults.add({ kind: "empty-page", rate });
  source.faults.add({ kind: "partial-page", rate });
}

/** "N empty and M partial pages" the source answered so far. */
export function cosmosPageSummary(source: FhirEmulator): string {
  const counts = source.faults.survived();
  return `the source answered ${counts["empty-page"] ?? 0} empty and ${counts["partial-page"] ?? 0} partial search pages`;
}
