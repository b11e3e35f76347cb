/**
 * Benchmark 4: the verification deep check (compareSampledResources) of 10,000 resources against the
 * two emulators on loopback, in real time, at the default AZURE_CheckConcurrency and at concurrency
 * 1. The emulators run in a child process (emulatorHost.ts); the destination holds an exact copy of
 * every source version, so every resource is compared in full (both servers' histories listed,
 * every version matched) and one check row is written per resource, as in a real check.
 *
 * On loopback a request costs only CPU, and the client, the emulators and Azurite share the
 * machine's cores, so concurrency can only overlap the processes. A second measurement adds a fixed
 * service time per request on the emulators (a stand-in for the network and the server's own work),
 * which is what concurrency hides on real servers.
 */
import type { ChildProcess } from "node:child_process";
import { fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSettings } from "../src/config/settings";
import { createEngineDeps } from "../src/engine/createDeps";
import type { EngineDeps } from "../src/engine/deps";
import { InMemoryTelemetry } from "../src/telemetry/telemetry";
import { compareSampledResources } from "../src/verify/deepCompare";
import type { HostReply, HostRequest } from "./emulatorHost";
import type { StorageEndpoints } from "./simulatedEnvironment";

export interface DeepCheckRun {
  concurrency: number;
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  passed: number;
  requests: number;
  /** CPU time per resource checked, by process (ms); Azurite's only where /proc can be read. */
  cpuMsPerResource: { checker: number; emulators: number; azurite: number | undefined };
}

export interface DeepCheckComparison {
  /** Added service time per request on the emulators (0: plain loopback). */
  requestDelayMs: number;
  concurrent: DeepCheckRun;
  sequential: DeepCheckRun;
  /** Throughput at the default concurrency over throughput at concurrency 1. */
  speedup: number;
}

export interface DeepCheckResult {
  versions: number;
  defaultConcurrency: number;
  loopback: DeepCheckComparison;
  withServiceTime: DeepCheckComparison | undefined;
}

export interface DeepCheckOptions {
  resources: number;
  tablePrefix: string;
  /** The service-time measurement: delay per request and how many resources each side checks. */
  serviceTime:
    { delayMs: number; concurrentResources: number; sequentialResources: number } | undefined;
}

/** One request at a time over the IPC channel. */
export class EmulatorHost {
  private constructor(private readonly child: ChildProcess) {}

  static start(): EmulatorHost {
    const child = fork(join(__dirname, "emulatorHost.ts"), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new EmulatorHost(child);
  }

  ask(message: HostRequest): Promise<HostReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the emulator process exited (code ${String(code)}) before answering`));
      this.child.once("exit", onExit);
      this.child.once("message", (reply: HostReply) => {
        this.child.off("exit", onExit);
        if (reply.kind === "failed") reject(new Error(`emulator process: ${reply.message}`));
        else resolve(reply);
      });
      this.child.send(message);
    });
  }

  async requests(): Promise<{ count: number; cpuMicros: number }> {
    const reply = await this.ask({ kind: "requests" });
    if (reply.kind !== "requests") throw new Error(`unexpected reply ${reply.kind}`);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    await this.ask({ kind: "stop" });
    await exited;
  }
}

function take(idsByType: readonly [string, string[]][], count: number): [string, string[]][] {
  const taken: [string, string[]][] = [];
  let left = count;
  for (const [type, ids] of idsByType) {
    if (left <= 0) break;
    taken.push([type, ids.slice(0, left)]);
    left -= Math.min(left, ids.length);
  }
  return taken;
}

/** CPU time (ms) a process has used, from /proc (Linux); undefined where there is no /proc. */
function processCpuMs(pid: number): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const stat = readFileSync(path, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Clock ticks; USER_HZ is 100 on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function runOnce(
  deps: EngineDeps,
  host: EmulatorHost,
  idsByType: readonly [string, string[]][],
  concurrency: number,
  runId: string,
  azuritePid: number,
): Promise<DeepCheckRun> {
  const hostBefore = await host.requests();
  const azuriteBefore = processCpuMs(azuritePid);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let resources = 0;
  let passed = 0;
  for (const [type, ids] of idsByType) {
    const result = await compareSampledResources(deps, type, ids, {
      runId,
      concurrency,
      history: deps.settings.export.withHistory || deps.settings.export.withDelete,
      migratesDeletes: deps.settings.export.withDelete,
      watermark: null,
    });
    resources += result.processed;
    passed += result.passed;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const azuriteAfter = processCpuMs(azuritePid);
  const hostAfter = await host.requests();
  const per = (ms: number) => ms / Math.max(1, resources);
  return {
    concurrency,
    resources,
    seconds,
    resourcesPerSecond: resources / seconds,
    passed,
    requests: hostAfter.count - hostBefore.count,
    cpuMsPerResource: {
      checker: per((cpu.user + cpu.system) / 1000),
      emulators: per((hostAfter.cpuMicros - hostBefore.cpuMicros) / 1000),
      azurite:
        azuriteBefore === undefined || azuriteAfter === undefined
          ? undefined
          : per(azuriteAfter - azuriteBefore),
    },
  };
}

function combine(a: DeepCheckRun, b: DeepCheckRun): DeepCheckRun {
  const resources = a.resources + b.resources;
  const seconds = a.seconds + b.seconds;
  const mean = (x: number, y: number) => (x * a.resources + y * b.resources) / resources;
  const { azurite: za } = a.cpuMsPerResource;
  const { azurite: zb } = b.cpuMsPerResource;
  return {
    concurrency: a.concurrency,
    resources,
    seconds,
    resourcesPerSecond: resources / seconds,
    passed: a.passed + b.passed,
    requests: a.requests + b.requests,
    cpuMsPerResource: {
      checker: mean(a.cpuMsPerResource.checker, b.cpuMsPerResource.checker),
      emulators: mean(a.cpuMsPerResource.emulators, b.cpuMsPerResource.emulators),
      azurite: za === undefined || zb === undefined ? undefined : mean(za, zb),
    },
  };
}

function halves(
  idsByType: readonly [string, string[]][],
): [[string, string[]][], [string, string[]][]] {
  const first: [string, string[]][] = [];
  const second: [string, string[]][] = [];
  for (const [type, ids] of idsByType) {
    const cut = Math.ceil(ids.length / 2);
    if (cut > 0) first.push([type, ids.slice(0, cut)]);
    if (ids.length > cut) second.push([type, ids.slice(cut)]);
  }
  return [first, second];
}

/**
 * Each side checks its resources in two halves, in the order concurrent, one-at-a-time,
 * one-at-a-time, concurrent, so a drift during the measurement (the check table growing, the
 * processes warming up) weighs on both sides alike.
 */
async function compare(
  deps: EngineDeps,
  host: EmulatorHost,
  concurrentIds: readonly [string, string[]][],
  sequentialIds: readonly [string, string[]][],
  requestDelayMs: number,
  azuritePid: number,
): Promise<DeepCheckComparison> {
  await host.ask({ kind: "delay", ms: requestDelayMs });
  const label = `d${requestDelayMs}`;
  const concurrency = deps.settings.verification.concurrency;
  const [c1, c2] = halves(concurrentIds);
  const [s1, s2] = halves(sequentialIds);
  const a = await runOnce(deps, host, c1, concurrency, `benchc${label}a`, azuritePid);
  const b = await runOnce(deps, host, s1, 1, `benchs${label}a`, azuritePid);
  const c = await runOnce(deps, host, s2, 1, `benchs${label}b`, azuritePid);
  const d = await runOnce(deps, host, c2, concurrency, `benchc${label}b`, azuritePid);
  const concurrent = combine(a, d);
  const sequential = combine(b, c);
  return {
    requestDelayMs,
    concurrent,
    sequential,
    speedup: concurrent.resourcesPerSecond / sequential.resourcesPerSecond,
  };
}

export async function benchmarkDeepCheck(
  storage: StorageEndpoints & { pid: number },
  options: DeepCheckOptions,
): Promise<DeepCheckResult> {
  const host = EmulatorHost.start();
  try {
    const ready = await host.ask({
      kind: "start",
      connectionString: storage.connectionString,
      blobEndpoint: storage.blobEndpoint,
      resources: options.resources,
    });
    if (ready.kind !== "ready") throw new Error(`unexpected reply ${ready.kind}`);
    const available = ready.idsByType.reduce((n, [, ids]) => n + ids.length, 0);
    if (available < options.resources) {
      throw new Error(
        `seeded only ${available} current resources, the benchmark needs ${options.resources}`,
      );
    }
    const settings = parseSettings({
      ...ready.env,
      AZURE_ChunkTableName: `${options.tablePrefix}chunk`,
      AZURE_ExportTableName: `${options.tablePrefix}export`,
    });
    const deps = createEngineDeps(settings, { telemetry: new InMemoryTelemetry() });
    await deps.state.ensure();
    // Warm-up, not measured: connections, JIT, the check table.
    const warmUp = take(ready.idsByType, 1000);
    await runOnce(deps, host, warmUp, settings.verification.concurrency, "benchwarm", storage.pid);
    await runOnce(deps, host, warmUp, 1, "benchwarm", storage.pid);

    const all = take(ready.idsByType, options.resources);
    const loopback = await compare(deps, host, all, all, 0, storage.pid);
    const service = options.serviceTime;
    const withServiceTime =
      service === undefined
        ? undefined
        : await compare(
            deps,
            host,
            take(ready.idsByType, service.concurrentResources),
            take(ready.idsByType, service.sequentialResources),
            service.delayMs,
            storage.pid,
          );
    return {
      versions: ready.versions,
      defaultConcurrency: settings.verification.concurrency,
      loopback,
      withServiceTime,
    };
  } finally {
    await host.stop();
  }
}
