/**
 * Every blob the migration writes, declared once: in which storage, which container, and under
 * which prefix per chunk (or per verification run). Writers build their blob names only here, and
 * `fhir-migrate cleanup` deletes what these prefixes hold, so a new kind of blob cannot be written
 * without cleanup knowing it (test/unit/architecture/blobNames.test.ts fails on a name built
 * elsewhere). docs/operations.md, "Delete staging data", lists the same.
 *
 * Export output is not here: the source names its files, and the stored manifest of each chunk
 * (the `manifests` kind) lists them for cleanup.
 */
import { chunkKey, payloadKey } from "./migrationState";

/** The keys that tell one migration's blobs from another's sharing the same accounts. */
export interface MigrationKeys {
  /** AZURE_RowKey: the app's own blobs. */
  rowKey: string;
  /** AZURE_PartitionKey: the isolation parts in the staging account. */
  partitionKey: string;
}

export const PAYLOAD_CONTAINER = "import-payloads";
export const MANIFEST_CONTAINER = "export-manifests";
export const VERIFICATION_CONTAINER = "verification-samples";
/** Container of self-staged files when AZURE_ExportContainer does not name one. */
export const SELF_STAGE_CONTAINER = "fhir-migrate-staged";
/** Folder of isolation parts, in the staging container of the export file they were cut from. */
export const ISOLATION_FOLDER = "fhir-migrate-isolation";

/** Where a kind of blob lives. */
export type BlobHome =
  /** A container of the app's own storage (EngineDeps.blobs). */
  | { store: "app"; container: string }
  /** A container of the staging account (EngineDeps.staging). */
  | { store: "staging"; container: string }
  /** Next to each export file of the chunk: its container, on the staging account. */
  | { store: "staging"; container: "of each export file" };

/**
 * A kind of blob the migration writes. One chunk's blobs of it are the names that start with
 * `before(keys) + chunkKey(seq) + after`; `before(keys)` alone holds the whole migration's.
 */
export interface BlobKind {
  /** What it is, for cleanup's listing. */
  what: string;
  home: (exportContainer: string | undefined) => BlobHome;
  before: (keys: MigrationKeys) => string;
  after: string;
}

/** The kinds of blob written per chunk. */
export type ChunkBlobKind = "payloads" | "manifests" | "selfStaged" | "isolationParts";

/** Every kind of blob written per chunk. */
export const CHUNK_BLOBS: Readonly<Record<ChunkBlobKind, BlobKind>> = {
  payloads: {
    what: "$import request bodies and their input lists",
    home: () => ({ store: "app", container: PAYLOAD_CONTAINER }),
    before: (keys) => `${keys.rowKey}-`,
    after: "/",
  },
  manifests: {
    what: "stored export manifests",
    home: () => ({ store: "app", container: MANIFEST_CONTAINER }),
    // One blob per chunk: the prefix is its whole name.
    before: (keys) => `${keys.rowKey}-`,
    after: ".json",
  },
  selfStaged: {
    what: "self-staged windows (NDJSON read from the source's _history)",
    home: (exportContainer) => ({
      store: "staging",
      container: exportContainer ?? SELF_STAGE_CONTAINER,
    }),
    before: (keys) => `selfstaged-${keys.rowKey}-`,
    after: "-a",
  },
  isolationParts: {
    what: "isolation parts (line ranges of export files, imported one by one)",
    home: () => ({ store: "staging", container: "of each export file" }),
    before: (keys) => `${ISOLATION_FOLDER}/${keys.partitionKey}/`,
    after: "-p",
  },
};

/** The prefix of one chunk's blobs of a kind. */
export function chunkPrefix(kind: BlobKind, keys: MigrationKeys, seq: number): string {
  return `${kind.before(keys)}${chunkKey(seq)}${kind.after}`;
}

/** The chunk a blob of this kind belongs to, or undefined when it is not one of this migration's. */
export function chunkOfBlob(kind: BlobKind, keys: MigrationKeys, name: string): number | undefined {
  const before = kind.before(keys);
  if (!name.startsWith(before)) return undefined;
  const rest = name.slice(before.length);
  const key = /^\d{8}/.exec(rest)?.[0];
  if (key === undefined || !rest.slice(key.length).startsWith(kind.after)) return undefined;
  return Number(key);
}

/** The blob of one `$import` body of a chunk. */
export function payloadBlobName(keys: MigrationKeys, seq: number, index: number): string {
  return `${chunkPrefix(CHUNK_BLOBS.payloads, keys, seq)}import_payload_${String(index).padStart(4, "0")}.json`;
}

/** The blob that lists a payload's inputs with their line counts, next to its body. */
export function payloadInputsBlobName(payloadBlobName: string): string {
  return payloadBlobName.replace(/\.json$/, "") + ".inputs.json";
}

/** The blob that holds a chunk's manifest (of its export, or of its self-staged files). */
export function manifestBlobName(keys: MigrationKeys, seq: number): string {
  return chunkPrefix(CHUNK_BLOBS.manifests, keys, seq);
}

/** One type's self-staged NDJSON file of a chunk's attempt. */
export function selfStagedBlobName(
  keys: MigrationKeys,
  seq: number,
  attempt: number,
  type: string,
): string {
  return `${chunkPrefix(CHUNK_BLOBS.selfStaged, keys, seq)}${attempt}/${type}-1.ndjson`;
}

/** One isolation part of a payload (its name in the export file's container). */
export function isolationPartBlobName(
  keys: MigrationKeys,
  seq: number,
  payloadIndex: number,
  partId: string,
): string {
  // The chunk's prefix ends in the payload key's "-p": the part's folder is the whole payload key.
  const folder = `${CHUNK_BLOBS.isolationParts.before(keys)}${payloadKey(seq, payloadIndex)}`;
  return `${folder}/${partId}.ndjson`;
}

/** The prefix of one verification run's stored samples (deleted when the run ends). */
export function verificationRunPrefix(runId: string): string {
  return `${runId}/`;
}

/** One type's stored deep-check sample of a run. */
export function verificationSampleBlobName(runId: string, type: string): string {
  return `${verificationRunPrefix(runId)}${type}.json`;
}
