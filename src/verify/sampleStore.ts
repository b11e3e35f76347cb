/**
 * The deep check's per-type sample lives in a blob of the app's storage between activities, so the
 * orchestration's inputs and outputs stay small however large the sample is.
 */
import type { SampleCandidate } from "../core/sampling";
import type { EngineDeps } from "../engine/deps";
import { VERIFICATION_CONTAINER, verificationSampleBlobName } from "../core/stagingLayout";

export { VERIFICATION_CONTAINER } from "../core/stagingLayout";

export interface StoredSample {
  type: string;
  seed: string;
  size: number;
  scanned: number;
  candidates: SampleCandidate[];
}

function blobName(runId: string, type: string): string {
  return verificationSampleBlobName(runId, type);
}

export async function saveSample(
  deps: Pick<EngineDeps, "blobs">,
  runId: string,
  sample: StoredSample,
): Promise<void> {
  await deps.blobs.ensureContainer(VERIFICATION_CONTAINER);
  await deps.blobs.putText(
    VERIFICATION_CONTAINER,
    blobName(runId, sample.type),
    JSON.stringify(sample),
    "application/json",
  );
}

/** Undefined when no hop of this run has stored the type's sample yet. */
export async function loadSample(
  deps: Pick<EngineDeps, "blobs">,
  runId: string,
  type: string,
): Promise<StoredSample | undefined> {
  await deps.blobs.ensureContainer(VERIFICATION_CONTAINER);
  const text = await deps.blobs.getText(VERIFICATION_CONTAINER, blobName(runId, type));
  return text === undefined ? undefined : (JSON.parse(text) as StoredSample);
}
