/**
 * Child process for the deep-check benchmark: runs the two emulators on loopback in a process of
 * their own, so the checking client does not share an event loop with the servers it checks (as in
 * production, where the servers are remote). Talks to the parent over the IPC channel.
 *
 * parent → child: start {storage, resources}, delay {ms}, requests, stop
 * child → parent: ready {env, idsByType, versions}, ok, requests {count, cpuMicros}, failed {message}
 */
import type { Environment } from "../src/config/settings";
import type { FhirEmulator } from "../emulator/types";
import type { LocalEnvironment } from "../emulator/harness/localEnvironment";
import { startLocalEnvironment } from "../emulator/harness/localEnvironment";
import { generateOperations } from "../emulator/harness/syntheticData";

export type HostRequest =
  | { kind: "start"; connectionString: string; blobEndpoint: string; resources: number }
  | { kind: "delay"; ms: number }
  | { kind: "requests" }
  | { kind: "stop" };

export type HostReply =
  | { kind: "ready"; env: Environment; idsByType: [string, string[]][]; versions: number }
  | { kind: "ok" }
  /** Requests the two emulators received, and this process's CPU time so far (µs). */
  | { kind: "requests"; count: number; cpuMicros: number }
  | { kind: "failed"; message: string };

let environment: LocalEnvironment | undefined;
/** The source's clock during seeding: each version gets its operation's instant (as in the demo). */
let seedingAt: number | undefined;

function reply(message: HostReply): void {
  process.send?.(message);
}

/** Seeds the source and gives the destination the same versions (IncrementalLoad keeps versionId and lastUpdated). */
function seed(source: FhirEmulator, destination: FhirEmulator, resources: number): void {
  const operations = generateOperations({
    resources,
    years: 2,
    seed: 5,
    endMs: Date.now() - 60_000,
  });
  for (const op of operations) {
    seedingAt = op.at;
    if (op.kind === "create") source.store.create(op.resource);
    else if (op.kind === "update") source.store.update(op.resource);
    else source.store.softDelete(op.resourceType, op.id);
  }
  seedingAt = undefined;
  for (const v of source.store.allVersions()) {
    destination.store.insertVersion({
      resourceType: v.resourceType,
      id: v.id,
      version: v.version,
      lastUpdatedMs: v.lastUpdatedMs,
      deleted: v.deleted,
      writeMethod: v.writeMethod,
      text: v.text,
    });
  }
}

/** The first `count` current resources, grouped by type. */
function firstIds(source: FhirEmulator, count: number): [string, string[]][] {
  const byType = new Map<string, string[]>();
  let taken = 0;
  for (const v of source.store.currentVersions()) {
    if (taken >= count) break;
    const ids = byType.get(v.resourceType) ?? [];
    ids.push(v.id);
    byType.set(v.resourceType, ids);
    taken++;
  }
  return [...byType];
}

async function handle(message: HostRequest): Promise<void> {
  if (message.kind === "start") {
    environment = await startLocalEnvironment({
      azurite: { connectionString: message.connectionString, blobEndpoint: message.blobEndpoint },
      sourceClock: { now: () => seedingAt ?? Date.now() },
    });
    // Deletes leave some resources without a current version: seed a few more than needed.
    seed(environment.source, environment.destination, Math.ceil(message.resources * 1.05));
    reply({
      kind: "ready",
      env: environment.env(),
      idsByType: firstIds(environment.source, message.resources),
      versions: environment.source.store.index("all").size,
    });
    return;
  }
  if (environment === undefined) throw new Error(`"${message.kind}" before "start"`);
  const servers = [environment.source, environment.destination];
  if (message.kind === "delay") {
    for (const server of servers) {
      server.faults.clear();
      if (message.ms > 0) server.faults.add({ kind: "delay", ms: message.ms, rate: 1 });
    }
    reply({ kind: "ok" });
  } else if (message.kind === "requests") {
    const cpu = process.cpuUsage();
    reply({
      kind: "requests",
      count: servers.reduce((n, s) => n + s.stats.requests(), 0),
      cpuMicros: cpu.user + cpu.system,
    });
  } else {
    await environment.stop();
    reply({ kind: "ok" });
    process.disconnect();
  }
}

process.on("message", (message: HostRequest) => {
  handle(message).catch((error: unknown) =>
    reply({
      kind: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
