/**
 * Benchmark 3: building the `$import` bodies of an export manifest with 100,000 outputs, in a child
 * process (real time; memory as heap and RSS growth over a collected baseline).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExportOutputFile } from "../src/fhir/types";

const TYPES = [
  "Patient",
  "Observation",
  "Encounter",
  "Condition",
  "MedicationRequest",
  "Procedure",
];

export interface PayloadBuildResult {
  outputs: number;
  fileCount: number;
  payloads: number;
  files: number;
  manifestBytes: number;
  bodyBytes: number;
  wallMs: number;
  heapBeforeBytes: number;
  rssBeforeBytes: number;
  peakHeapDeltaBytes: number;
  peakRssDeltaBytes: number;
  peakRssBytes: number;
  /** Export lines split and checked per second on one thread (BuildImportPayloads' scan). */
  scanLinesPerSecond: number;
  scanBytesPerSecond: number;
  scanLineBytes: number;
}

/** A manifest shaped like a large parallel export's: six types, long blob URLs, counts per file. */
export function manifestText(outputs: number): string {
  const output: ExportOutputFile[] = [];
  for (let i = 0; i < outputs; i++) {
    const type = TYPES[i % TYPES.length]!;
    output.push({
      type,
      url: `https://stagingaccount.blob.core.windows.net/export-3f2a9c/2025-06-02T00-00-00-1042/${type}-${String(Math.floor(i / TYPES.length)).padStart(6, "0")}-${String(i % 7).padStart(2, "0")}.ndjson`,
      count: 5000 - (i % 997),
    });
  }
  return JSON.stringify({
    transactionTime: "2025-06-02T00:00:00.000Z",
    request: "https://source.azurehealthcareapis.com/$export?_isParallel=true",
    requiresAccessToken: true,
    output,
    error: [],
  });
}

export async function benchmarkPayloadBuild(
  outputs: number,
  fileCount: number,
): Promise<PayloadBuildResult> {
  const dir = mkdtempSync(join(tmpdir(), "fhir-migrate-bench-"));
  const file = join(dir, "manifest.json");
  try {
    writeFileSync(file, manifestText(outputs));
    const child = join(__dirname, "payloadBuildChild.ts");
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--expose-gc", "--import", "tsx", child, file, String(fileCount), "200000"],
        { maxBuffer: 1024 * 1024 },
        (error, out, err) => {
          if (error !== null)
            reject(new Error(`payload build child failed: ${err || error.message}`));
          else resolve(out);
        },
      );
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "") as PayloadBuildResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
