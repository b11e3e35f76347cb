import { chunkKey } from "../core/migrationState";
import type { ExportManifest } from "../fhir/types";
import type { EngineDeps } from "./deps";
import { MANIFEST_CONTAINER } from "./deps";

/** The manifest stored when the export completed. */
export async function loadManifest(deps: EngineDeps, seq: number): Promise<ExportManifest> {
  const text = await deps.blobs.getText(
    MANIFEST_CONTAINER,
    `${deps.settings.storage.rowKey}-${chunkKey(seq)}.json`,
  );
  if (text === undefined)
    throw new Error(
      `The stored manifest of chunk ${chunkKey(seq)} is missing from container ${MANIFEST_CONTAINER}`,
    );
  return JSON.parse(text) as ExportManifest;
}
