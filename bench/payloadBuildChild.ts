/**
 * Runs in its own process (started by payloadBuild.ts with --expose-gc) so its memory figures are
 * not mixed with the rest of the benchmark. Builds the `$import` bodies of one stored export
 * manifest the way the BuildImportPayloads activity does: parse the manifest text, validate every
 * output, build the bodies (AZURE_FileCount inputs each) and serialize each one for upload. The
 * upload itself is left out (network, not building). Prints one JSON line.
 *
 * Arguments: the manifest file (as downloaded from the manifest blob) and the file count per body.
 */
import { readFileSync } from "node:fs";
import { storeImportPayloads } from "../src/core/importPayload";
import type { ExportManifest } from "../src/fhir/types";

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined)
    throw new Error("run with --expose-gc: memory is measured after a full collection");
  collect();
}

async function main(): Promise<void> {
  const [path, fileCountText] = process.argv.slice(2);
  if (path === undefined) throw new Error("usage: payloadBuildChild <manifest.json> [fileCount]");
  const fileCount = Number(fileCountText ?? "10000");
  const text = readFileSync(path, "utf8");
  gc();
  const before = process.memoryUsage();
  // The kernel's lifetime peak so far (KiB): the build's peak only counts if it rises above this.
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  let bodyBytes = 0;
  const started = process.hrtime.bigint();
  const manifest = JSON.parse(text) as ExportManifest;
  sample();
  const summary = await storeImportPayloads(manifest.output, { fileCount }, async (payload) => {
    bodyBytes += JSON.stringify(payload.body).length;
    sample();
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  sample();
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  // maxRSS catches a spike between two samples, when it rose above what the process had reached before.
  const peakRssBytes = Math.max(peakRss, maxRssAfter > maxRssBefore ? maxRssAfter : 0);
  process.stdout.write(
    `${JSON.stringify({
      outputs: manifest.output.length,
      fileCount,
      payloads: summary.payloads,
      files: summary.files,
      manifestBytes: text.length,
      bodyBytes,
      wallMs,
      heapBeforeBytes: before.heapUsed,
      rssBeforeBytes: before.rss,
      peakHeapDeltaBytes: peakHeap - before.heapUsed,
      peakRssDeltaBytes: peakRssBytes - before.rss,
      peakRssBytes,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
