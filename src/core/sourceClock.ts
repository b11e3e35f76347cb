/**
 * Windows end at "now minus AZURE_SafetyLagSeconds", and "now" must hold for the source as well as
 * for this app: a window that ends after the source's own now would let the source stamp later
 * versions inside a window already exported (and the source refuses such a `_before`/`_till`:
 * "Parameter _before cannot a be a value in the future"). So the cap uses the earlier of the two
 * clocks, and a difference between them is reported by name.
 */
import { iso, windowCap } from "./windows";

/** Below this the difference is the Date header's whole-second truncation plus network time. */
export const SKEW_TOLERANCE_MS = 2000;

export interface ClockView {
  appNowMs: number;
  /** Source clock minus app clock (from the source's Date header); undefined when unknown. */
  sourceOffsetMs: number | undefined;
  safetyLagMs: number;
  /** AZURE_EndDate under AZURE_SpecificRun. */
  endDate: string | undefined;
}

export interface WindowClock {
  /** Windows never end after this. */
  capMs: number;
  /** A sentence naming the skew, or undefined when the clocks agree (or the source's is unknown). */
  skewWarning: string | undefined;
  /** The skew is larger than the safety lag (the source is behind by more than it). */
  skewExceedsLag: boolean;
}

function seconds(msValue: number): string {
  return `${Math.round(Math.abs(msValue) / 1000)} s`;
}

export function windowClock(view: ClockView): WindowClock {
  const { appNowMs, sourceOffsetMs, safetyLagMs, endDate } = view;
  const sourceNowMs = sourceOffsetMs === undefined ? appNowMs : appNowMs + sourceOffsetMs;
  const capMs = windowCap(Math.min(appNowMs, sourceNowMs), safetyLagMs, endDate);
  if (sourceOffsetMs === undefined || Math.abs(sourceOffsetMs) <= SKEW_TOLERANCE_MS) {
    return { capMs, skewWarning: undefined, skewExceedsLag: false };
  }
  const lag = `AZURE_SafetyLagSeconds (${seconds(safetyLagMs)})`;
  if (sourceOffsetMs > 0) {
    return {
      capMs,
      skewWarning:
        `Clock skew: the source's clock is ${seconds(sourceOffsetMs)} ahead of this app's (source ${iso(sourceNowMs)}, app ${iso(appNowMs)}). ` +
        `Windows end at this app's clock minus ${lag}, so versions the source stamps after ${iso(capMs)} are copied by later windows; correct the clocks (NTP).`,
      skewExceedsLag: false,
    };
  }
  const exceeds = -sourceOffsetMs > safetyLagMs;
  return {
    capMs,
    skewWarning:
      `Clock skew: the source's clock is ${seconds(sourceOffsetMs)} behind this app's (source ${iso(sourceNowMs)}, app ${iso(appNowMs)}); ` +
      `windows end at the source's clock minus ${lag}` +
      (exceeds
        ? `. The skew is larger than ${lag}: correct the clocks (NTP) or raise AZURE_SafetyLagSeconds above the skew.`
        : "; correct the clocks (NTP)."),
    skewExceedsLag: exceeds,
  };
}

/**
 * AZURE_StartDate after the later of both clocks: nothing can be copied yet, and a status of
 * "caught up" would claim an empty destination is complete. Returns why, or undefined.
 */
export function futureStartProblem(
  startDate: string | undefined,
  appNowMs: number,
  sourceOffsetMs: number | undefined,
): string | undefined {
  if (startDate === undefined) return undefined;
  const latestNowMs = Math.max(appNowMs, appNowMs + (sourceOffsetMs ?? 0));
  if (Date.parse(startDate) <= latestNowMs) return undefined;
  return (
    `AZURE_StartDate (${startDate}) is in the future (now: ${iso(latestNowMs)}): nothing from before it is copied and nothing after it exists yet. ` +
    "Set AZURE_StartDate to an instant in the past (or remove it to start at the oldest version), then resume (fhir-migrate reset-retries or ClearMaxExportRetries_Http)."
  );
}

/** The source refused a query bound as in its future: its clock is behind this app's. */
export function isFutureBoundRefusal(message: string): boolean {
  return /cannot a? ?be a value in the future/i.test(message);
}

export function describeFutureBoundRefusal(safetyLagMs: number, serverMessage: string): string {
  return (
    `Clock skew: the source refused a window end as in its future ("${serverMessage.slice(0, 200)}"), so its clock is behind this app's by more than ` +
    `AZURE_SafetyLagSeconds (${seconds(safetyLagMs)}). Correct the clocks (NTP) or raise AZURE_SafetyLagSeconds above the skew.`
  );
}
