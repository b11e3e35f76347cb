/** VerifyCleanup activity. */
import type { EngineDeps } from "../engine/deps";
import { VERIFICATION_CONTAINER, verificationRunPrefix } from "../core/stagingLayout";

/** Removes the run's stored samples once compared (their results are in the check rows). */
export async function cleanupVerification(
  deps: EngineDeps,
  input: { runId: string },
): Promise<{ deleted: number }> {
  await deps.blobs.ensureContainer(VERIFICATION_CONTAINER);
  return {
    deleted: await deps.blobs.deletePrefix(
      VERIFICATION_CONTAINER,
      verificationRunPrefix(input.runId),
    ),
  };
}
