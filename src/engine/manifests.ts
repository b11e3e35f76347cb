import { chunkKey } from "../core/migrationState";
import { manifestBlobName } from "../core/stagingLayout";
import type { ExportManifest } from "../fhir/types";
import type { EngineDeps } from "./deps";
import { MANIFEST_CONTAINER } from "./deps";

/** The blob that holds a chunk's manifest (of its export, or of its self-staged files). */
function manifestName(deps: EngineDeps, seq: number): string {
  return manifestBlobName(deps.settings.storage, seq);
}

/** Stores the chunk's manifest, read later by BuildImportPayloads (loadManifest). */
export async function storeManifest(
  deps: EngineDeps,
  seq: number,
  manifest: ExportManifest,
): Promise<void> {
  await deps.blobs.ensureContainer(MANIFEST_CONTAINER);
  await deps.blobs.putText(
    MANIFEST_CONTAINER,
    manifestName(deps, seq),
    JSON.stringify(manifest),
    "application/json",
  );
}

/** The manifest stored when the export completed. */
export async function loadManifest(deps: EngineDeps, seq: number): Promise<ExportManifest> {
  const text = await deps.blobs.getText(MANIFEST_CONTAINER, manifestName(deps, seq));
  if (text === undefined)
    throw new Error(
      `The stored manifest of chunk ${chunkKey(seq)} is missing from container ${MANIFEST_CONTAINER}`,
    );
  return JSON.parse(text) as ExportManifest;
}
