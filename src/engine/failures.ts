import { withoutStack } from "../core/errorText";
import type { EngineDeps } from "./deps";

/**
 * Counts one export/import failure. With AZURE_MaxExportRetriesEnabled, reaching the limit halts the
 * migration visibly: the cursor says why, the status shows it, and an ExportRetries event is sent.
 * A success resets the count (recordSuccess).
 */
export async function recordFailure(deps: EngineDeps, given: string): Promise<void> {
  const reason = withoutStack(given);
  const { failure } = deps.settings;
  const counted = await deps.state.changeCursor((c) => {
    const consecutiveFailures = c.consecutiveFailures + 1;
    const halt =
      failure.haltEnabled && consecutiveFailures >= failure.maxConsecutiveFailures && !c.halted;
    return {
      ...c,
      consecutiveFailures,
      halted: c.halted || halt,
      haltReason: halt
        ? `Halted after ${consecutiveFailures} consecutive failures; last: ${reason}`
        : c.haltReason,
    };
  });
  const cursor = counted.after!;
  // This call halted the migration: the cursor it read was running, the one it wrote is halted.
  const haltedNow = counted.before?.halted !== true && cursor.halted;
  deps.log(`failure ${cursor.consecutiveFailures}: ${reason}`);
  if (haltedNow) await emitHalt(deps, cursor.consecutiveFailures, reason);
}

/** Stops the migration at once (a payload that keeps failing must not be skipped silently). */
export async function haltMigration(deps: EngineDeps, given: string): Promise<void> {
  // A halt reason is read by people: never a stack trace (redaction happens in the row mapping).
  const reason = withoutStack(given);
  const halt = await deps.state.changeCursor((c) =>
    c.halted ? undefined : { ...c, halted: true, haltReason: reason },
  );
  if (halt.written && halt.after !== undefined)
    await emitHalt(deps, halt.after.consecutiveFailures, reason);
}

/** How the log line of a halt starts (the CLI's closing message says the halt again, with advice). */
export const HALT_LOG_PREFIX = "MIGRATION HALTED: ";

async function emitHalt(deps: EngineDeps, count: number, reason: string): Promise<void> {
  deps.telemetry.trackEvent("ExportRetries", {
    Status: "MaxRetriesReached",
    MaxExportRetries: count,
    ConfiguredLimit: deps.settings.failure.maxConsecutiveFailures,
    FailureReason: reason,
    ActionRequired:
      "Fix the cause (see FailureReason in the export table), then call ClearMaxExportRetries_Http or run `fhir-migrate reset-retries`.",
  });
  deps.log(`${HALT_LOG_PREFIX}${reason}`);
}

export async function recordSuccess(deps: EngineDeps): Promise<void> {
  await deps.state.changeCursor((c) =>
    c.consecutiveFailures === 0 ? undefined : { ...c, consecutiveFailures: 0 },
  );
}

/** Error text for tables and telemetry: the message only (FHIR errors already carry status and diagnostics). */
export function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}
