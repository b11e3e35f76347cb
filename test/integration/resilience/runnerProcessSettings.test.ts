/**
 * Two `fhir-migrate run` processes on the same tables and servers at once, with settings that shape
 * windows and payloads differently (a deployment slot beside a CLI run): one with 120-day windows
 * and AZURE_FileCount 2, the other with 10-day windows, AZURE_FileCount 1, AZURE_PayloadCount 1 and
 * AZURE_ChunkLimit 40. Planning adopts the window the other runner wrote, and a chunk's payloads
 * are built with the file count its first build recorded, so both exit caught up with every version
 * copied, and every chunk is processed only with all its payloads completed and its imported count
 * their sum. The emulators and Azurite live in this process.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../../../emulator/harness/localEnvironment";
import {
  FAST_SETTINGS,
  chunkRows,
  depsFromSettings,
  expectEveryVersionCopied,
  payloadRows,
  startResilienceEnvironment,
  uniqueTables,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();
const ROOT = resolve(__dirname, "../../..");
const BIN = resolve(ROOT, "bin/fhir-migrate.js");

/** Real time in the runners: short polls. */
const QUICK = {
  ...FAST_SETTINGS,
  AZURE_ScheduleInterval: "0.005",
  AZURE_IdlePollMinutes: "0.01",
};

function runCli(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, "run", "--until-caught-up"], {
      cwd: ROOT,
      env: { ...env, FHIR_MIGRATE_FROM_SOURCE: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stderr }));
  });
}

describe("two run processes with different window and payload settings", () => {
  it("both end caught up, every version copied, every chunk's payloads consistent", async () => {
    const environment = await startResilienceEnvironment({
      azurite: azurite(),
      latency: { exportFixedMs: 300, importFixedMs: 300 },
      rollingFileResources: 8,
    });
    try {
      environment.seed(300);
      const tables = uniqueTables("twoprocs");
      const wide = environment.env({
        ...QUICK,
        ...tables,
        AZURE_ExportChunkTime: "120",
        AZURE_FileCount: "2",
      });
      const narrow = environment.env({
        ...QUICK,
        ...tables,
        AZURE_ExportChunkTime: "10",
        AZURE_FileCount: "1",
        AZURE_PayloadCount: "1",
        AZURE_ChunkLimit: "40",
      });
      const [a, b] = await Promise.all([
        runCli({ ...process.env, ...wide }),
        runCli({ ...process.env, ...narrow }),
      ]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);

      const deps = depsFromSettings(environment, settingsFor(wide));
      await expectEveryVersionCopied(deps);
      const chunks = await chunkRows(deps);
      const payloads = await payloadRows(deps);
      expect(payloads.length).toBeGreaterThan(chunks.length);
      // Windows are chained and each exported once.
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.since).toBe(chunks[i - 1]!.till);
      const inconsistent = chunks
        .map((c) => {
          const own = payloads.filter((p) => p.chunkSeq === c.seq);
          return {
            seq: c.seq,
            processed: c.processed,
            payloadCount: c.payloadCount,
            rows: own.length,
            notCompleted: own.filter((p) => p.status !== "Completed").length,
            imported: c.totalImportResourceCount,
            payloadsImported: own.reduce((n, p) => n + (p.importedCount ?? 0), 0),
          };
        })
        .filter(
          (c) =>
            !c.processed ||
            c.rows !== c.payloadCount ||
            c.notCompleted > 0 ||
            c.imported !== c.payloadsImported,
        );
      expect(inconsistent).toEqual([]);
      const cursor = await deps.state.getCursor();
      expect(cursor.watermark).toBe(cursor.frontier);
      expect(cursor.resourcesImported).toBe(
        payloads.reduce((n, p) => n + (p.importedCount ?? 0), 0),
      );
    } finally {
      await environment.stop();
    }
  }, 600_000);
});
