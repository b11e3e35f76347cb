/**
 * Verdicts of the verification checks, and the surface check's rule for telling "the destination
 * is behind the watermark" from "the destination is wrong".
 *
 * The watermark W is the instant before which every change on the source has been imported. While
 * the source still takes writes, counts differ for good reasons; they are explained by changes at
 * or after W when the counts bounded at W agree:
 *
 * History scope (every version, deleted ones included, is migrated): versions never change, so the
 * destination must hold exactly the source's versions older than W: Behind when
 * `destBefore == sourceBefore` and the destination's newer versions are fewer than the source's.
 *
 * Search scope (current, non-deleted resources): a resource updated or deleted after W can still be
 * current on the destination with its version from before W. Each such resource has at least one
 * source version at or after W, so with C = source versions at or after W (a `_history` count),
 * being in sync up to W implies `sourceBefore <= destBefore <= sourceBefore + C` and
 * `destination - destBefore <= C`. A simple `sourceBefore == destination` rule would call the
 * ordinary "one resource created and another updated after W" a failure, so this wider, still
 * sound, rule is used. Counts cannot see individual resources: deep and reconcile checks do.
 */

export type CheckVerdict = "Pass" | "Behind" | "Fail" | "Error";

export type SurfaceScope = "search" | "history";

export interface WatermarkCounts {
  /** Source count bounded at the watermark (`_lastUpdated=lt{W}`, history `_before={W}`). */
  sourceBefore: number;
  destinationBefore: number;
  /** Search scope only: source versions at or after W (`_history?_since={W}`). */
  sourceChangedSince?: number;
}

export interface SurfaceDecision {
  verdict: Exclude<CheckVerdict, "Error">;
  reason: string;
}

const SEVERITY: Record<CheckVerdict, number> = { Pass: 0, Behind: 1, Fail: 2, Error: 3 };

/** The worst of several verdicts; Pass for none. */
export function worstVerdict(verdicts: Iterable<CheckVerdict>): CheckVerdict {
  let worst: CheckVerdict = "Pass";
  for (const v of verdicts) if (SEVERITY[v] > SEVERITY[worst]) worst = v;
  return worst;
}

/** True when the rule needs the counts bounded at the watermark (one more round of counts). */
export function needsWatermarkCounts(
  source: number,
  destination: number,
  watermark: string | undefined,
): boolean {
  return source !== destination && watermark !== undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function differenceText(source: number, destination: number, unit: string): string {
  const d = destination - source;
  return d < 0
    ? `the destination has ${plural(-d, unit)} fewer than the source`
    : `the destination has ${plural(d, unit)} more than the source`;
}

export function decideSurfaceVerdict(
  scope: SurfaceScope,
  source: number,
  destination: number,
  watermark: string | undefined,
  bounded: WatermarkCounts | undefined,
): SurfaceDecision {
  const unit = scope === "history" ? "version" : "resource";
  if (source === destination) return { verdict: "Pass", reason: "counts are equal" };
  const diff = differenceText(source, destination, unit);
  if (watermark === undefined) {
    return {
      verdict: "Fail",
      reason: `${diff}; no watermark yet (nothing is recorded as migrated), so the difference cannot be attributed to newer changes`,
    };
  }
  if (bounded === undefined) {
    return { verdict: "Fail", reason: `${diff}; the counts bounded at the watermark are missing` };
  }
  const { sourceBefore, destinationBefore } = bounded;
  if (scope === "history") {
    const sourceAfter = source - sourceBefore;
    const destinationAfter = destination - destinationBefore;
    if (sourceBefore === destinationBefore && destinationAfter < sourceAfter) {
      return {
        verdict: "Behind",
        reason: `${diff}; both hold ${plural(sourceBefore, unit)} older than the watermark ${watermark}, the rest are newer source changes not migrated yet`,
      };
    }
    return {
      verdict: "Fail",
      reason: `${diff}; older than the watermark ${watermark} the source has ${sourceBefore} and the destination ${destinationBefore}`,
    };
  }
  const changed = bounded.sourceChangedSince ?? 0;
  const explained =
    changed > 0 &&
    destinationBefore >= sourceBefore &&
    destinationBefore <= sourceBefore + changed &&
    destination - destinationBefore <= changed;
  if (explained) {
    return {
      verdict: "Behind",
      reason: `${diff}; ${plural(changed, "source change")} at or after the watermark ${watermark} explain it (before it: source ${sourceBefore}, destination ${destinationBefore})`,
    };
  }
  return {
    verdict: "Fail",
    reason: `${diff}; ${plural(changed, "source change")} at or after the watermark ${watermark} cannot explain it (before it: source ${sourceBefore}, destination ${destinationBefore})`,
  };
}

/** The per-type search-scope rows of one run, summed for the system-level total. */
export interface PerTypeTotals {
  /** Sum of the per-type source counts (types whose counts were taken). */
  source: number;
  destination: number;
  /** Types whose counts could not be taken (their rows are Error). */
  uncounted: readonly string[];
  /** Some per-type row is Behind: the source still takes writes. */
  anyBehind: boolean;
  /**
   * Every per-type row passed although its counts differ: each row explained its difference
   * (resources recorded as refused by the destination, known and not migrated).
   */
  explainedByTypes?: boolean;
  /** "requested": only some types were checked per type; "discovered": every type present. */
  typeSelection: "discovered" | "requested";
}

/**
 * The system-level total (`GET /?_summary=count` on both servers, the original lift-and-shift
 * guide's check) judged against the per-type rows of the same run. Equal totals that match the
 * per-type sums pass. A difference of the totals is attributed to the per-type rows when it is
 * exactly theirs (their verdicts then say whether it is Behind or Fail); otherwise something
 * outside them differs: a type the per-type check did not cover (with requested types, or a type
 * discovery did not list), or writes between the counts while the source is live (Behind: count
 * again after the source stops taking writes). Counts alone cannot say which resources differ.
 */
export function decideTotalVerdict(
  source: number,
  destination: number,
  perType: PerTypeTotals,
): { verdict: CheckVerdict; reason: string } {
  if (perType.uncounted.length > 0) {
    return {
      verdict: "Error",
      reason: `the totals cannot be compared with the per-type counts: ${perType.uncounted.join(", ")} could not be counted`,
    };
  }
  const totalDiff = destination - source;
  const typesDiff = perType.destination - perType.source;
  const outsideSource = source - perType.source;
  const outsideDestination = destination - perType.destination;
  const outsideNote =
    outsideSource === 0 && outsideDestination === 0
      ? ""
      : `; types outside the per-type rows hold ${outsideSource} on the source and ${outsideDestination} on the destination`;
  if (totalDiff === typesDiff) {
    return totalDiff === 0
      ? { verdict: "Pass", reason: `the totals are equal${outsideNote}` }
      : perType.explainedByTypes === true
        ? {
            verdict: "Pass",
            reason: `${differenceText(source, destination, "resource")}, exactly the per-type rows' difference, which they explain (known failures, not migrated)${outsideNote}`,
          }
        : {
            verdict: perType.anyBehind ? "Behind" : "Fail",
            reason: `${differenceText(source, destination, "resource")}, exactly the per-type rows' difference (see them)${outsideNote}`,
          };
  }
  const where =
    perType.typeSelection === "requested"
      ? "in types the per-type check did not cover (only the requested types were checked)"
      : "outside the per-type rows (a type discovery did not list, or writes between the counts)";
  if (perType.anyBehind) {
    return {
      verdict: "Behind",
      reason: `the totals differ by ${totalDiff}, the per-type rows by ${typesDiff}: the source is still taking writes, so the counts moved between requests; count again once it stops (cutover) for an exact total`,
    };
  }
  return {
    verdict: "Fail",
    reason: `the totals differ by ${totalDiff} but the per-type rows by ${typesDiff}: ${totalDiff - typesDiff} ${where}`,
  };
}
