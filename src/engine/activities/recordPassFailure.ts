import type { ActivityResult, EngineDeps } from "../deps";
import { recordFailure } from "../failures";

/** The orchestrator caught an activity failure (storage or server unreachable past its retries). */
export async function recordPassFailure(
  deps: EngineDeps,
  input: { message: string; details?: string },
): Promise<ActivityResult> {
  // The full text (with any stack) goes to telemetry, redacted there; the reason recorded is the message.
  deps.telemetry.trackException(new Error(input.details ?? input.message));
  await recordFailure(deps, `A migration step failed: ${input.message}`);
  return { changed: false };
}
