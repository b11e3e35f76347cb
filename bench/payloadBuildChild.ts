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
import { checkExportLine } from "../src/core/windowMembership";
import type { ExportManifest } from "../src/fhir/types";
import { splitLines } from "../src/storage/lines";
import { seededRandom, syntheticResource } from "../emulator/harness/syntheticData";

/** Lines of one scanned export file: synthetic resources padded to `bytes` each. */
function exportFile(lines: number, bytes: number): { text: string; type: string } {
  const random = seededRandom(5);
  const at = Date.parse("2024-01-01T00:00:00Z");
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const r = syntheticResource("Observation", `obs-${i}`, "pat-1", random, at + i);
    const line = JSON.stringify({
      ...r,
      meta: { versionId: "1", lastUpdated: new Date(at + i).toISOString() },
    });
    const pad = Math.max(0, bytes - line.length - 40);
    parts.push(
      pad === 0
        ? line
        : JSON.stringify({
            ...JSON.parse(line),
            text: { status: "generated", div: "x".repeat(pad) },
          }),
    );
  }
  return { text: `${parts.join("\n")}\n`, type: "Observation" };
}

/**
 * What BuildImportPayloads does with every line of every export file (payloadInputs.ts,
 * scanPayloadInputs): split the downloaded text into lines and check each against the window.
 * Chunks of 4 MB stand for the download; the download itself is left out (network, not the app).
 */
async function scanRate(
  lines: number,
  bytes: number,
): Promise<{ linesPerSecond: number; bytesPerSecond: number; lineBytes: number }> {
  const file = exportFile(lines, bytes);
  const window = {
    since: "2023-01-01T00:00:00.000Z",
    till: "2026-01-01T00:00:00.000Z",
    tillInclusive: false,
    checkLastUpdated: true,
  };
  async function* chunks(): AsyncIterable<string> {
    for (let i = 0; i < file.text.length; i += 4 * 1024 * 1024)
      yield file.text.slice(i, i + 4 * 1024 * 1024);
  }
  const started = process.hrtime.bigint();
  let seen = 0;
  for await (const line of splitLines(chunks())) {
    if (line.length === 0) continue;
    if (!checkExportLine(line, file.type, window).belongs) throw new Error(`line ${seen} refused`);
    seen++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    linesPerSecond: seen / seconds,
    bytesPerSecond: file.text.length / seconds,
    lineBytes: file.text.length / seen,
  };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined)
    throw new Error("run with --expose-gc: memory is measured after a full collection");
  collect();
}

async function main(): Promise<void> {
  const [path, fileCountText, scanLinesText] = process.argv.slice(2);
  if (path === undefined)
    throw new Error("usage: payloadBuildChild <manifest.json> [fileCount] [scanLines]");
  const fileCount = Number(fileCountText ?? "10000");
  const scanLines = Number(scanLinesText ?? "200000");
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
  // After the memory figures: the scan's strings would count in them.
  const scan = await scanRate(scanLines, 2000);
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
      scanLinesPerSecond: scan.linesPerSecond,
      scanBytesPerSecond: scan.bytesPerSecond,
      scanLineBytes: scan.lineBytes,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
