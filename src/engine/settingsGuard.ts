/**
 * One set of shaping settings per migration (src/core/shapingSettings.ts). The first runner records
 * its values in the tables; a runner whose values differ refuses to plan or import, says which
 * settings differ with both values, and leaves that on the settings row (the status shows it). The
 * supported way to change such a setting is acceptShapingSettings (`fhir-migrate accept-settings`).
 */
import type { ShapingDifference } from "../core/shapingSettings";
import {
  describeShapingConflict,
  shapingDifferences,
  shapingFingerprint,
  shapingValues,
} from "../core/shapingSettings";
import type { SettingsRecord } from "../storage/settingsStore";
import type { EngineDeps } from "./deps";
import { nowIso } from "./deps";

/** Why this runner must not plan or import, or undefined when its settings are the recorded ones. */
export async function shapingConflict(
  deps: Pick<EngineDeps, "settings" | "state" | "clock" | "log">,
): Promise<string | undefined> {
  const values = shapingValues(deps.settings);
  const fingerprint = shapingFingerprint(values);
  let recorded = await deps.state.getSettingsRecord();
  if (recorded === undefined) {
    ({ record: recorded } = await deps.state.insertSettingsRecord({
      fingerprint,
      values,
      recordedAt: nowIso(deps),
    }));
  }
  if (recorded.fingerprint === fingerprint) return undefined;
  const reason = describeShapingConflict(shapingDifferences(recorded.values, values));
  // Noted on the settings row for the status page; the recorded values stay as they are.
  // ETag-guarded: settings accepted meanwhile are never overwritten with the old ones.
  await deps.state.noteSettingsRefusal(recorded.fingerprint, nowIso(deps), reason);
  deps.log(reason);
  return reason;
}

export interface AcceptSettingsResult {
  changed: ShapingDifference[];
  /** New windows are planned with the accepted settings from here (the current frontier). */
  fromFrontier: string | undefined;
  record: SettingsRecord;
}

/**
 * Records this runner's shaping settings as the migration's. Chunks already planned keep the type and
 * window in their own rows and finish as planned; windows planned from the current frontier on use
 * the new settings, so the change takes effect at a window boundary and nothing is planned twice or
 * skipped. Any runner still running with the old settings is refused from then on.
 */
export async function acceptShapingSettings(
  deps: Pick<EngineDeps, "settings" | "state" | "clock">,
): Promise<AcceptSettingsResult> {
  const values = shapingValues(deps.settings);
  const previous = await deps.state.getSettingsRecord();
  const cursor = await deps.state.getCursor();
  const record: SettingsRecord = {
    fingerprint: shapingFingerprint(values),
    values,
    recordedAt: nowIso(deps),
    acceptedFromFrontier: cursor.frontier,
    previousValues: previous?.values,
  };
  await deps.state.putSettingsRecord(record);
  return {
    changed: previous === undefined ? [] : shapingDifferences(previous.values, values),
    fromFrontier: cursor.frontier,
    record,
  };
}
