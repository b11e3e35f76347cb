/**
 * What `fhir-migrate cleanup` finds and deletes: every blob the migration wrote (the kinds of
 * src/core/stagingLayout.ts) and the export files its stored manifests name, for the chunks a
 * passing proof covers (src/core/cleanupProof.ts). The same walk measures (the dry run) and deletes,
 * so what is deleted is what was listed; memory stays bounded by one chunk's manifest.
 */
import type { CleanupProof } from "../core/cleanupProof";
import { chunkCovered, cleanupProof } from "../core/cleanupProof";
import type { BlobKind, MigrationKeys } from "../core/stagingLayout";
import {
  CHUNK_BLOBS,
  VERIFICATION_CONTAINER,
  chunkOfBlob,
  manifestBlobName,
  verificationRunPrefix,
} from "../core/stagingLayout";
import type { ExportManifest } from "../fhir/types";
import type { BlobStore } from "../storage/blobStore";
import { normalizeServiceUrl, parseBlobUrl } from "../storage/blobUrl";
import { mapWithConcurrency } from "./concurrency";
import type { EngineDeps } from "./deps";

/** Blobs deleted at once. */
const DELETE_CONCURRENCY = 16;

/** One line of the listing: a kind of blob in one container. */
export interface CleanupGroup {
  what: string;
  /** "container (the app's storage)" or "container (staging account)". */
  where: string;
  /** Under the proof: deleted with --delete. */
  blobs: number;
  bytes: number;
  /** Of chunks no proof covers yet (or of a run still holding its samples): kept. */
  keptBlobs: number;
  keptBytes: number;
}

export interface CleanupReport {
  proof: CleanupProof;
  chunks: { covered: number; kept: number };
  groups: CleanupGroup[];
  totals: { blobs: number; bytes: number; keptBlobs: number; keptBytes: number };
  /** Export files a manifest names on an account other than the staging store's: left alone. */
  elsewhere: string[];
  /** Blobs deleted (0 in a dry run). */
  deleted: number;
}

interface Found {
  store: BlobStore;
  container: string;
  name: string;
  bytes: number;
  covered: boolean;
}

type Visit = (group: { what: string; where: string }, found: Found) => Promise<void>;

function where(store: "app" | "staging", container: string): string {
  return `${container} (${store === "app" ? "the app's storage" : "staging account"})`;
}

/** Every blob of a per-chunk kind in one container, with whether its chunk is covered. */
async function walkKind(
  kind: BlobKind,
  keys: MigrationKeys,
  store: BlobStore,
  storeName: "app" | "staging",
  container: string,
  covered: (seq: number) => boolean,
  visit: Visit,
): Promise<void> {
  const group = { what: kind.what, where: where(storeName, container) };
  for await (const blob of store.listSizes(container, kind.before(keys))) {
    const seq = chunkOfBlob(kind, keys, blob.name);
    if (seq === undefined) continue; // another migration's blob with a similar key
    await visit(group, { store, container, ...blob, covered: covered(seq) });
  }
}

async function readManifest(deps: EngineDeps, seq: number): Promise<ExportManifest | undefined> {
  const text = await deps.blobs.getText(
    CHUNK_BLOBS.manifests.home(undefined).container,
    manifestBlobName(deps.settings.storage, seq),
  );
  return text === undefined ? undefined : (JSON.parse(text) as ExportManifest);
}

/** The chunks whose manifest is stored (a missing container holds none). */
async function storedManifests(deps: EngineDeps): Promise<number[]> {
  const kind = CHUNK_BLOBS.manifests;
  const keys = deps.settings.storage;
  const seqs: number[] = [];
  for await (const blob of deps.blobs.listSizes(
    kind.home(undefined).container,
    kind.before(keys),
  )) {
    const seq = chunkOfBlob(kind, keys, blob.name);
    if (seq !== undefined) seqs.push(seq);
  }
  return seqs;
}

/**
 * Walks everything cleanup covers, calling `visit` for each blob: export files first (they are found
 * through the manifests), then every kind of the layout, then the verification samples.
 */
async function walk(deps: EngineDeps, proof: CleanupProof, visit: Visit, report: CleanupReport) {
  const keys = deps.settings.storage;
  const coveredSeqs = new Set<number>();
  const knownSeqs = new Set<number>();
  for await (const chunk of deps.state.listAllChunks()) {
    knownSeqs.add(chunk.seq);
    if (chunkCovered(proof, chunk)) coveredSeqs.add(chunk.seq);
  }
  report.chunks = { covered: coveredSeqs.size, kept: knownSeqs.size - coveredSeqs.size };
  // A blob of a chunk no row of these tables names is kept: it may be another migration's.
  const covered = (seq: number) => coveredSeqs.has(seq);
  const selfStage = CHUNK_BLOBS.selfStaged.home(deps.settings.export.container).container;
  const exportContainers = new Set<string>([selfStage]);
  const staging = normalizeServiceUrl(deps.staging.serviceUrl);
  const exportFiles = { what: "export files the manifests name", where: "" };
  for (const seq of await storedManifests(deps)) {
    const manifest = await readManifest(deps, seq);
    if (manifest === undefined) continue;
    // By container and folder: one listing gives the sizes of all of a folder's files.
    const folders = new Map<string, Set<string>>();
    for (const file of [...manifest.output, ...manifest.error]) {
      const parts = parseBlobUrl(file.url);
      if (normalizeServiceUrl(parts.serviceUrl) !== staging) {
        if (report.elsewhere.length < 10) report.elsewhere.push(parts.serviceUrl);
        continue;
      }
      exportContainers.add(parts.containerName);
      // Self-staged files are the selfStaged kind's: counted there.
      if (
        parts.containerName === selfStage &&
        chunkOfBlob(CHUNK_BLOBS.selfStaged, keys, parts.blobName) !== undefined
      )
        continue;
      const folder = parts.blobName.slice(0, parts.blobName.lastIndexOf("/") + 1);
      const key = `${parts.containerName}/${folder}`;
      folders.set(key, (folders.get(key) ?? new Set()).add(parts.blobName));
    }
    for (const [key, names] of folders) {
      const container = key.slice(0, key.indexOf("/"));
      const folder = key.slice(container.length + 1);
      for await (const blob of deps.staging.listSizes(container, folder)) {
        if (!names.has(blob.name)) continue;
        await visit(
          { ...exportFiles, where: where("staging", container) },
          { store: deps.staging, container, ...blob, covered: covered(seq) },
        );
      }
    }
  }
  // Every kind of the layout, wherever it lives (the export files were read through the manifests
  // above, so the manifests may go with the rest).
  for (const kind of Object.values(CHUNK_BLOBS)) {
    const home = kind.home(deps.settings.export.container);
    const store = home.store === "app" ? deps.blobs : deps.staging;
    const containers =
      home.container === "of each export file" ? [...exportContainers].sort() : [home.container];
    for (const container of containers)
      await walkKind(kind, keys, store, home.store, container, covered, visit);
  }
  // Samples of this migration's verification runs: kept between a run's activities only.
  const runs = new Set<string>();
  for await (const row of deps.state.listAllCheckResults()) runs.add(row.runId);
  for (const runId of [...runs].sort()) {
    for await (const blob of deps.blobs.listSizes(
      VERIFICATION_CONTAINER,
      verificationRunPrefix(runId),
    ))
      await visit(
        { what: "verification samples", where: where("app", VERIFICATION_CONTAINER) },
        { store: deps.blobs, container: VERIFICATION_CONTAINER, ...blob, covered: proof.ok },
      );
  }
}

function emptyReport(proof: CleanupProof): CleanupReport {
  return {
    proof,
    chunks: { covered: 0, kept: 0 },
    groups: [],
    totals: { blobs: 0, bytes: 0, keptBlobs: 0, keptBytes: 0 },
    elsewhere: [],
    deleted: 0,
  };
}

/**
 * Lists what cleanup covers (a dry run), or with `remove` also deletes it. Deleting needs a passing
 * proof: without one the listing says why, and nothing is deleted.
 */
export async function cleanUpStaging(
  deps: EngineDeps,
  options: { remove: boolean },
): Promise<CleanupReport> {
  const proof = cleanupProof(await deps.state.cutover.get(), await deps.state.fullProof.get());
  const report = emptyReport(proof);
  const groups = new Map<string, CleanupGroup>();
  const pending: Found[] = [];
  const flush = async () => {
    const batch = pending.splice(0);
    await mapWithConcurrency(batch, DELETE_CONCURRENCY, async (f) => {
      if (await f.store.deleteBlob(f.container, f.name)) report.deleted++;
    });
  };
  await walk(
    deps,
    proof,
    async (group, found) => {
      const key = `${group.what}\u0000${group.where}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = { ...group, blobs: 0, bytes: 0, keptBlobs: 0, keptBytes: 0 };
        groups.set(key, g);
      }
      if (found.covered) {
        g.blobs++;
        g.bytes += found.bytes;
      } else {
        g.keptBlobs++;
        g.keptBytes += found.bytes;
      }
      if (options.remove && proof.ok && found.covered) {
        pending.push(found);
        if (pending.length >= 500) await flush();
      }
    },
    report,
  );
  await flush();
  report.groups = [...groups.values()];
  for (const g of report.groups) {
    report.totals.blobs += g.blobs;
    report.totals.bytes += g.bytes;
    report.totals.keptBlobs += g.keptBlobs;
    report.totals.keptBytes += g.keptBytes;
  }
  return report;
}
