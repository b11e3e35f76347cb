import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuritePorts {
  blobPort: number;
  queuePort: number;
  tablePort: number;
}

export interface AzuriteInstance extends AzuritePorts {
  pid: number;
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

function portAnswers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Whether something listens on all three ports on 127.0.0.1. */
export async function portsAnswer(ports: AzuritePorts): Promise<boolean> {
  const open = await Promise.all(
    [ports.blobPort, ports.queuePort, ports.tablePort].map(portAnswers),
  );
  return open.every(Boolean);
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    if (await portAnswers(port)) return;
    if (Date.now() > deadline) throw new Error(`Azurite did not open port ${port} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function azuriteEntry(): string {
  return require.resolve("azurite/dist/src/azurite.js");
}

/** Azurite could not bind a port: another process took it between choosing and binding. */
class PortTakenError extends Error {
  override readonly name = "PortTakenError";
}

/** Start attempts when a chosen port is taken before Azurite binds it. */
export const AZURITE_START_ATTEMPTS = 5;
/** After the ports answer, how long Azurite must stay up (a port may answer for another process). */
const SETTLE_MS = 300;

/**
 * Starts Azurite (blob, queue, table) on 127.0.0.1 with free ports and in-memory persistence.
 * It is stopped by PID; telemetry is off because this machine has no route to its endpoint.
 * A free port can be taken by another process between choosing it and Azurite binding it; then
 * Azurite exits with EADDRINUSE and the start is tried again with new ports.
 */
export async function startAzurite(
  options: { location?: string; choosePort?: () => Promise<number> } = {},
): Promise<AzuriteInstance> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAzuriteOnce(options, options.choosePort ?? freePort);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= AZURITE_START_ATTEMPTS) throw error;
    }
  }
}

async function startAzuriteOnce(
  options: { location?: string },
  choosePort: () => Promise<number>,
): Promise<AzuriteInstance> {
  const [blobPort, queuePort, tablePort] = [
    await choosePort(),
    await choosePort(),
    await choosePort(),
  ];
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
    { stdio: ["ignore", "pipe", "pipe"], cwd: workDir },
  );
  let output = "";
  // Kept for the start's error message only, and bounded: Azurite runs as long as the run does.
  const keep = (d: Buffer) => {
    if (output.length < 10_000) output += d.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const failed = exited.then(() => {
    const text = output.trim();
    throw /EADDRINUSE/.test(text)
      ? new PortTakenError(
          `Azurite could not bind its ports (${blobPort}, ${queuePort}, ${tablePort}): ${text}`,
        )
      : new Error(`Azurite exited during start: ${text}`);
  });
  const deadline = Date.now() + 30_000;
  try {
    await Promise.race([
      Promise.all([
        waitForPort(blobPort, deadline),
        waitForPort(queuePort, deadline),
        waitForPort(tablePort, deadline),
      ]).then(() => new Promise((r) => setTimeout(r, SETTLE_MS))),
      failed,
    ]);
    if (child.exitCode !== null || child.signalCode !== null) await failed;
  } catch (error) {
    child.kill("SIGKILL");
    if (options.location === undefined) rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  failed.catch(() => {}); // a later exit is stop()'s business
  const pid = child.pid;
  if (pid === undefined) throw new Error("Azurite has no PID");
  return azuriteAt(pid, { blobPort, queuePort, tablePort }, async () => {
    if (child.exitCode !== null) return;
    process.kill(pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (child.exitCode === null) process.kill(pid, "SIGKILL");
    }, 2000);
    await exited;
    clearTimeout(timer);
    if (options.location === undefined) rmSync(workDir, { recursive: true, force: true });
  });
}

/** The endpoints and connection string of an Azurite on 127.0.0.1 at these ports. */
export function azuriteAt(
  pid: number,
  ports: AzuritePorts,
  stop: () => Promise<void>,
): AzuriteInstance {
  const blobEndpoint = `http://127.0.0.1:${ports.blobPort}/${AZURITE_ACCOUNT}`;
  const tableEndpoint = `http://127.0.0.1:${ports.tablePort}/${AZURITE_ACCOUNT}`;
  return {
    pid,
    blobPort: ports.blobPort,
    queuePort: ports.queuePort,
    tablePort: ports.tablePort,
    blobEndpoint,
    tableEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
      `BlobEndpoint=${blobEndpoint};TableEndpoint=${tableEndpoint};` +
      `QueueEndpoint=http://127.0.0.1:${ports.queuePort}/${AZURITE_ACCOUNT};`,
    stop,
  };
}
