/** Activity answers the full check's orchestration tests share. */
import type { FullTypeTotals, FullUnitInput, FullUnitResult } from "../../src/verify/fullTypes";
import type { DeepCompareResult } from "../../src/verify/types";
import { emptyDeepCompare } from "../../src/verify/types";

/** VerifyFullSearchParameters with no SearchParameter on the source. */
export function noSearchParameters(): DeepCompareResult {
  return emptyDeepCompare("SearchParameter");
}

/** VerifyFullUnit's answer for a unit that compared `perType` and found nothing else. */
export function unitResult(u: FullUnitInput, perType: FullTypeTotals[] = []): FullUnitResult {
  return {
    key: `${u.sinceMs}-${u.tillMs}`,
    sinceMs: u.sinceMs,
    tillMs: u.tillMs,
    resumed: false,
    held: 0,
    perType,
    examples: [],
    error: null,
  };
}
