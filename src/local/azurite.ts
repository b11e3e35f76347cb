import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteInstance {
  pid: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  blobEndpoint: string;
  tableEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("could not read a free port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Azurite did not open port ${port} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function azuriteEntry(): string {
  return require.resolve("azurite/dist/src/azurite.js");
}

/**
 * Starts Azurite (blob, queue, table) on 127.0.0.1 with free ports and in-memory persistence.
 * It is stopped by PID; telemetry is off because this machine has no route to its endpoint.
 */
export async function startAzurite(options: { location?: string } = {}): Promise<AzuriteInstance> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const workDir = options.location ?? mkdtempSync(join(tmpdir(), "azurite-"));
  mkdirSync(workDir, { recursive: true });
  // In memory for tests and the demo; on disk (so a run can resume) when a location is given.
  const persistence =
    options.location === undefined ? ["--inMemoryPersistence"] : ["--location", workDir];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      azuriteEntry(),
      ...persistence,
      "--disableTelemetry",
      "--silent",
      "--skipApiVersionCheck",
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(blobPort),
      "--queueHost",
      "127.0.0.1",
      "--queuePort",
      String(queuePort),
      "--tableHost",
      "127.0.0.1",
      "--tablePort",
      String(tablePort),
    ],
    { stdio: ["ignore", "ignore", "pipe"], cwd: workDir },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  try {
    await Promise.race([
      Promise.all([waitForPort(blobPort, deadline), waitForPort(tablePort, deadline)]),
      exited.then(() => {
        throw new Error(`Azurite exited during start: ${stderr.trim()}`);
      }),
    ]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error("Azurite has no PID");
  const blobEndpoint = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`;
  const tableEndpoint = `http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`;
  return {
    pid,
    blobPort,
    queuePort,
    tablePort,
    blobEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobEndpoint};TableEndpoint=${tableEndpoint};` +
      `QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`,
    async stop() {
      if (child.exitCode !== null) return;
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (child.exitCode === null) process.kill(pid, "SIGKILL");
      }, 2000);
      await exited;
      clearTimeout(timer);
      if (options.location === undefined) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
