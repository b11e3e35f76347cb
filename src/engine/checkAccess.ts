import { ensureError } from "../errors";
import { createBlobStore } from "../storage/blobStore";
import type { BlobStore } from "../storage/blobStore";
import type { EngineDeps } from "./deps";
import { PAYLOAD_CONTAINER } from "./deps";

export interface AccessCheck {
  status: "ok" | "failed" | "skipped";
  message: string;
}

export interface AccessReport {
  ok: boolean;
  tables: AccessCheck;
  payloadStorage: AccessCheck;
  stagingStorage: AccessCheck;
  source: AccessCheck;
  destination: AccessCheck;
}

async function check(run: () => Promise<string>, hint: string): Promise<AccessCheck> {
  try {
    return { status: "ok", message: await run() };
  } catch (thrown) {
    return { status: "failed", message: `${ensureError(thrown).message} (${hint})` };
  }
}

/**
 * What CheckAccess_Http reports: whether the app's identity reaches its tables, its payload blobs,
 * the staging account and both FHIR servers (with the roles each needs, so a failure says what to grant).
 * Export and import configuration cannot be read without starting a job; a count proves search access.
 */
export async function checkAccess(deps: EngineDeps, staging?: BlobStore): Promise<AccessReport> {
  const { storage } = deps.settings;
  const tables = await check(async () => {
    await deps.state.ensure();
    const cursor = await deps.state.getCursor();
    return `tables ${storage.cursorTable} and ${storage.exportTable} reachable; watermark ${cursor.watermark ?? "not set yet"}`;
  }, "grant Storage Table Data Contributor on the app's storage account");
  const payloadStorage = await check(async () => {
    await deps.blobs.ensureContainer(PAYLOAD_CONTAINER);
    for await (const _ of deps.blobs.list(PAYLOAD_CONTAINER)) break;
    return `container ${PAYLOAD_CONTAINER} reachable`;
  }, "grant Storage Blob Data Contributor (or Owner) on the app's storage account");
  const stagingStore =
    staging ??
    (storage.stagingAccountName === undefined
      ? undefined
      : createBlobStore({
          kind: "identity",
          endpoint: `https://${storage.stagingAccountName}.blob.core.windows.net`,
        }));
  const stagingStorage: AccessCheck =
    stagingStore === undefined
      ? { status: "skipped", message: "AZURE_stagingStorageAccountName is not set" }
      : await check(async () => {
          let files = 0;
          for await (const _ of stagingStore.list("fhirlogs")) if (++files >= 1) break;
          return files > 0
            ? "import error files readable (container fhirlogs)"
            : "reachable; no import error files yet";
        }, "grant Storage Blob Data Contributor on the staging account (self-staged windows and isolated import parts are written there); the FHIR services' identities need it too");
  const source = await check(
    async () => `search works (${await deps.source.count({ type: "Patient" })} Patients)`,
    "grant FHIR Data Reader and FHIR Data Exporter on the source",
  );
  const destination = await check(
    async () => `search works (${await deps.destination.count({ type: "Patient" })} Patients)`,
    "grant FHIR Data Importer and FHIR Data Writer on the destination",
  );
  const checks = [tables, payloadStorage, stagingStorage, source, destination];
  return {
    ok: checks.every((c) => c.status !== "failed"),
    tables,
    payloadStorage,
    stagingStorage,
    source,
    destination,
  };
}
