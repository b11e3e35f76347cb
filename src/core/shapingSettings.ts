/**
 * The settings that decide which versions each window exports and imports. Two runners on the same
 * tables must agree on them: a runner planning per type for Patient only on the frontier another
 * runner shares skips every other type of those windows. The tables record them (a fingerprint and
 * the values); a runner whose values differ refuses to plan or import until the change is accepted
 * (`fhir-migrate accept-settings`, docs/operations.md).
 */
import { createHash } from "node:crypto";
import type { Settings } from "../config/settings";

/** Setting name → normalized value, in a fixed order. */
export type ShapingValues = Readonly<Record<string, string>>;

export interface ShapingDifference {
  name: string;
  recorded: string;
  current: string;
}

function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, "").toLowerCase();
  } catch {
    return url;
  }
}

/** The values of the settings that shape planning and payloads, normalized for comparison. */
export function shapingValues(settings: Settings): ShapingValues {
  const ex = settings.export;
  const perType = !ex.isParallel;
  return {
    AZURE_SourceUri: origin(settings.source.baseUrl),
    AZURE_DestinationUri: origin(settings.destination.baseUrl),
    AZURE_IsParallel: String(ex.isParallel),
    // Only per-type mode reads the list (system-level exports every type).
    AZURE_ResourceTypes: perType ? [...ex.resourceTypes].sort().join(",") || "(all)" : "(all)",
    AZURE_ExportWithHistory: String(ex.withHistory),
    AZURE_ExportWithDelete: String(ex.withDelete),
    AZURE_ConfigFile: ex.anonymizationConfig ?? "(none)",
  };
}

export function shapingFingerprint(values: ShapingValues): string {
  const canonical = JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** The settings whose values differ (a setting missing on one side counts as "(not recorded)"). */
export function shapingDifferences(
  recorded: ShapingValues,
  current: ShapingValues,
): ShapingDifference[] {
  const names = [...new Set([...Object.keys(current), ...Object.keys(recorded)])];
  return names
    .filter((name) => recorded[name] !== current[name])
    .map((name) => ({
      name,
      recorded: recorded[name] ?? "(not recorded)",
      current: current[name] ?? "(not recorded)",
    }));
}

/** How a refusal for other shaping settings begins (the CLI words its advice by it). */
export const SHAPING_REFUSAL_PREFIX = "Refused to plan or import: this runner's settings differ";

export function describeShapingConflict(differences: readonly ShapingDifference[]): string {
  const list = differences
    .map((d) => `${d.name}: the tables record ${d.recorded}, this runner has ${d.current}`)
    .join("; ");
  return (
    `${SHAPING_REFUSAL_PREFIX} from the ones the migration tables record (${list}). ` +
    "Another runner may be using these tables with the recorded settings. To change them, stop the other runner and " +
    "run `fhir-migrate accept-settings` with the new settings (docs/operations.md, Changing a setting during a migration)."
  );
}
