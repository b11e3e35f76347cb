/**
 * `fhir-migrate copy-staging`: the seed's azcopy step, for when the source exports to one storage
 * account and the destination imports from another (for example across subscriptions). Each export
 * file is copied server-side (the data does not pass through this machine) into the import account,
 * keeping its path; then `$import` payloads are written with the copied urls, as `import-payload` does.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { StorageTarget } from "../../config/settings";
import { SEARCH_PARAMETER_TYPE } from "../../core/resourceTypes";
import { mapWithConcurrency } from "../../engine/concurrency";
import type { ExportOutputFile } from "../../fhir/types";
import { createBlobStore } from "../../storage/blobStore";
import { assertAllowedBlobUrl, normalizeServiceUrl, parseBlobUrl } from "../../storage/blobUrl";
import { parseStorageConnectionString } from "../../storage/connectionString";
import { UsageError } from "../errors";
import type { ImportPayloadIo } from "./importPayload";
import { fetchOutputs, importPayload, readManifestFile } from "./importPayload";

export interface CopyStagingOptions {
  exportStatusUrl?: string;
  manifest?: string;
  /** Blob service URL of the import account (managed identity / Azure CLI login), e.g. https://acct.blob.core.windows.net */
  to?: string;
  /** Or a connection string of the import account (local runs). */
  toConnectionString?: string;
  /** Connection string of the export account when the identity cannot read it (local runs). */
  fromConnectionString?: string;
  /** Blob service URL of the export account; every output file must be on it. */
  from?: string;
  /** Container in the import account; default: the same container name as the export's. */
  container?: string;
  out?: string;
  fileCount?: string;
  concurrency?: string;
}

function targetOf(options: CopyStagingOptions): StorageTarget {
  if ((options.to === undefined) === (options.toConnectionString === undefined)) {
    throw new UsageError(
      "Give exactly one of --to URL (the import account's blob endpoint) and --to-connection-string",
    );
  }
  if (options.to !== undefined) {
    const url = new URL(options.to);
    if (url.protocol !== "https:")
      throw new UsageError(`--to: expected an https blob endpoint, got ${url.origin}`);
    return { kind: "identity", endpoint: url.origin };
  }
  return { kind: "connectionString", connectionString: options.toConnectionString! };
}

/**
 * The export account: --from, or the account of --from-connection-string, or else the account of
 * the first output file (then every file must be on that one account).
 */
function exportAccounts(
  options: CopyStagingOptions,
  outputs: readonly ExportOutputFile[],
): string[] {
  const named = [
    options.from,
    options.fromConnectionString === undefined
      ? undefined
      : parseStorageConnectionString(options.fromConnectionString).blobEndpoint,
  ].filter((e): e is string => e !== undefined && e !== "");
  if (named.length > 0) return named.map(normalizeServiceUrl);
  const first = outputs[0];
  return first === undefined ? [] : [normalizeServiceUrl(parseBlobUrl(first.url).serviceUrl)];
}

export async function copyStaging(
  options: CopyStagingOptions,
  io: ImportPayloadIo,
): Promise<{ copied: number; outDir: string }> {
  if (options.out === undefined)
    throw new UsageError(
      "--out DIR is required: the folder the rewritten manifest and payloads are written to",
    );
  if ((options.exportStatusUrl === undefined) === (options.manifest === undefined)) {
    throw new UsageError("Give exactly one of --export-status-url URL and --manifest FILE");
  }
  const concurrency = Number(options.concurrency ?? "8");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(
      `--concurrency: expected a whole number from 1 to 64, got ${JSON.stringify(options.concurrency)}`,
    );
  }
  const target = targetOf(options);
  const outputs =
    options.manifest !== undefined
      ? await readManifestFile(resolve(io.cwd, options.manifest))
      : await fetchOutputs(options.exportStatusUrl!, io);
  const importable = outputs.filter((o) => o.type !== SEARCH_PARAMETER_TYPE);
  // The app's credential reads (and signs for) these files: only from the export account, checked
  // for every file before the first copy.
  const allowedUrlAccounts = exportAccounts(options, importable);
  for (const output of importable) assertAllowedBlobUrl(output.url, allowedUrlAccounts);
  const store = createBlobStore(target, {
    urlConnectionStrings:
      options.fromConnectionString === undefined ? [] : [options.fromConnectionString],
    allowedUrlAccounts,
  });
  const containers = new Set<string>();
  const copiedOutputs = await mapWithConcurrency(
    importable,
    concurrency,
    async (output): Promise<ExportOutputFile> => {
      const parts = parseBlobUrl(output.url);
      const container = options.container ?? parts.containerName;
      if (!containers.has(container)) {
        containers.add(container);
        await store.ensureContainer(container);
      }
      const { url } = await store.copyFromUrl(output.url, container, parts.blobName);
      return { ...output, url };
    },
  );
  const outDir = resolve(io.cwd, options.out);
  await mkdir(outDir, { recursive: true });
  const manifestPath = join(outDir, "manifest.copied.json");
  await writeFile(manifestPath, `${JSON.stringify({ output: copiedOutputs }, null, 2)}\n`, {
    flag: "wx",
  });
  io.stderr(
    `Copied ${copiedOutputs.length} file(s) server-side; rewritten manifest: ${manifestPath}\n`,
  );
  await importPayload(
    { manifest: manifestPath, out: join(outDir, "payloads"), fileCount: options.fileCount },
    io,
  );
  return { copied: copiedOutputs.length, outDir };
}
