/**
 * Business-hours pause (AZURE_PauseDm with AZURE_StartTime / AZURE_EndTime, whole UTC hours 0-23).
 *
 * Exact boundaries, all in UTC:
 * - startHour < endHour: paused for `startHour:00:00.000 <= t < endHour:00:00.000` on every day.
 *   With 8 and 17, 07:59:59.999 runs, 08:00:00.000 is paused, 16:59:59.999 is paused, 17:00:00.000 runs.
 * - endHour < startHour: the pause wraps past midnight: paused for `t >= startHour:00:00.000` or
 *   `t < endHour:00:00.000`. With 22 and 6, 22:00 to 05:59:59.999 is paused.
 * - startHour === endHour: never paused (an empty window, not a 24-hour one).
 *
 * The original tool paused from one hour before the start hour to half past the end hour (07:00 to
 * 17:30 with 8 and 17; Azure/apiforfhir-migration-tool,
 * src/ApiForFhirMigrationTool.Function/MigrationOrchestrator.cs). This module pauses exactly at the hours
 * the settings name.
 *
 * Pure functions of an explicit `now`: orchestrators pass `context.df.currentUtcDateTime`, so
 * replays see the same answer.
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

function checkHour(value: number, setting: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 23) {
    throw new RangeError(`${setting}: received ${value}; expected a whole UTC hour from 0 to 23`);
  }
}

function checkHours(startHour: number, endHour: number): void {
  checkHour(startHour, "AZURE_StartTime");
  checkHour(endHour, "AZURE_EndTime");
}

function checkDate(now: Date): void {
  if (Number.isNaN(now.getTime())) throw new RangeError("now: received an invalid Date");
}

/** `hour`:00:00.000 UTC on the UTC day of `now`. */
function atHourOfDay(now: Date, hour: number): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour);
}

/** The first `hour`:00:00.000 UTC strictly after `now`. */
function nextHourMark(now: Date, hour: number): Date {
  const today = atHourOfDay(now, hour);
  return new Date(today > now.getTime() ? today : today + DAY_MS);
}

/** True when no new export may start at `now` (see the module comment for the exact boundaries). */
export function isPaused(now: Date, startHour: number, endHour: number): boolean {
  checkHours(startHour, endHour);
  checkDate(now);
  // The boundaries are whole hours, so comparing the UTC hour is exact to the millisecond.
  const hour = now.getUTCHours();
  if (startHour === endHour) return false;
  if (startHour < endHour) return hour >= startHour && hour < endHour;
  return hour >= startHour || hour < endHour;
}

/**
 * When new exports may start again: the end of the pause `now` is in (endHour:00:00.000 UTC, today
 * or tomorrow), or undefined when `now` is not paused.
 */
export function pauseEndsAt(now: Date, startHour: number, endHour: number): Date | undefined {
  if (!isPaused(now, startHour, endHour)) return undefined;
  return nextHourMark(now, endHour);
}

/**
 * The next instant a pause begins, strictly after `now` (startHour:00:00.000 UTC, today or
 * tomorrow), or undefined when startHour === endHour (never paused). While paused, this is the start
 * of the following pause, not of the current one.
 */
export function nextPauseStart(now: Date, startHour: number, endHour: number): Date | undefined {
  checkHours(startHour, endHour);
  checkDate(now);
  if (startHour === endHour) return undefined;
  return nextHourMark(now, startHour);
}

/** "08:00-17:00 UTC" for logs and the status page; "never (start hour equals end hour)" when empty. */
export function describePauseWindow(startHour: number, endHour: number): string {
  checkHours(startHour, endHour);
  if (startHour === endHour) return "never (start hour equals end hour)";
  const hh = (hour: number): string => `${String(hour).padStart(2, "0")}:00`;
  const wraps = endHour < startHour ? " (wraps past midnight)" : "";
  return `${hh(startHour)}-${hh(endHour)} UTC${wraps}`;
}
