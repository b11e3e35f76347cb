/**
 * Type discovery's two decisions (src/verify/plan.ts does the counting). The servers have no "which
 * types do you hold" query, but the system-level count (`/?_summary=count`, or
 * `/_history?_summary=count` when versions count) is the sum of the per-type counts: both stores run
 * the same count with and without one resource-type predicate (docs/verification.md, "Which types
 * are checked"). So when the counts of a list of candidate types add up to the system-level count on
 * both servers, no other type holds anything; when they do not, every R4 type is counted.
 */
import { isR4ResourceType } from "./resourceTypes";

/**
 * One server's counts (null: could not be counted): the system-level one before the candidates'
 * and after them, and the candidates'. A count that changed between the two system-level counts
 * (a write or a delete meanwhile) proves nothing: a delete of a candidate's resource could cancel
 * exactly what an unlisted type holds.
 */
export interface ServerTally {
  totalBefore: number | null;
  total: number | null;
  byType: readonly (number | null)[];
}

export type DiscoveryDecision =
  | { complete: true }
  /** Every R4 type must be counted; `reason` says why the candidates did not account for all. */
  | { complete: false; reason: string };

function unaccounted(server: string, tally: ServerTally, candidates: number): string | undefined {
  if (tally.total === null || tally.totalBefore === null)
    return `the ${server}'s system-level count failed`;
  if (tally.totalBefore !== tally.total)
    return `the ${server}'s system-level count changed from ${tally.totalBefore} to ${tally.total} while the candidates were counted`;
  const failed = tally.byType.filter((n) => n === null).length;
  if (failed > 0) return `${failed} candidate type(s) could not be counted on the ${server}`;
  const sum = tally.byType.reduce<number>((a, n) => a + (n ?? 0), 0);
  if (sum === tally.total) return undefined;
  return `on the ${server} the ${candidates} candidate type(s) count ${sum}, the system-level count is ${tally.total}`;
}

/**
 * Whether the candidates' counts prove that no other type holds anything: on both servers every
 * count answered, the system-level count was the same before and after the candidates', and the
 * candidates' counts add up exactly to it.
 */
export function decideDiscovery(
  candidates: readonly string[],
  source: ServerTally,
  destination: ServerTally,
): DiscoveryDecision {
  for (const tally of [source, destination]) {
    if (tally.byType.length !== candidates.length)
      throw new RangeError(
        `expected ${candidates.length} candidate count(s), got ${tally.byType.length}`,
      );
  }
  const reasons = [
    unaccounted("source", source, candidates.length),
    unaccounted("destination", destination, candidates.length),
  ].filter((r): r is string => r !== undefined);
  return reasons.length === 0
    ? { complete: true }
    : { complete: false, reason: reasons.join("; ") };
}

/** The R4 type names among `types`, once each, sorted (a stored list is only a hint). */
export function candidateTypes(types: Iterable<string>): string[] {
  return [...new Set([...types].filter(isR4ResourceType))].sort();
}

/**
 * The types seen holding resources, grown by `seen`: the new sorted list, or undefined when `seen`
 * adds no R4 type (nothing to write). The list only grows: a type emptied later costs one count.
 */
export function growSeenTypes(
  stored: readonly string[] | undefined,
  seen: Iterable<string>,
): string[] | undefined {
  const known = new Set(stored ?? []);
  const added = candidateTypes(seen).filter((t) => !known.has(t));
  return added.length === 0 ? undefined : candidateTypes([...known, ...added]);
}
