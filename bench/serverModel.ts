/**
 * The servers' bulk-job machinery, as the benchmark models it. Every number is either read from
 * microsoft/fhir-server (at commit 14f52857; file:line below) or Microsoft's published limits, or it
 * is one of the ranges the benchmark sweeps (the import and export rates, request latencies):
 * docs/performance.md, "The server model", has the same table.
 *
 * Two implementations of one interface, `JobServers`:
 *
 * - `CitedServers`: the job queue as JobHosting runs it. Each queue has a few workers; an idle
 *   worker looks for a job every 30 s × U(0.9, 1.1) and, after a job ends, at once. An `$export` of
 *   Azure API for FHIR is an orchestrator job that enqueues one processing job per resource type ×
 *   physical partition; its status stays 202 until 15 s after the last processing job ended. An
 *   `$import` is an orchestrator job that reads every input's properties (16 at a time) and
 *   enqueues one processing job per 10 MB of input. Processing jobs running on one server share its
 *   rate (the swept import or export rate).
 * - `FixedServers`: the emulators' model (emulator/sharedThroughput.ts): a fixed time per job, then
 *   its versions at the server's rate, shared by the jobs moving at that instant; the export status
 *   202 for the same 15 s. The engine runs against this one; the pass model runs against both.
 */
import { SharedThroughput } from "../emulator/sharedThroughput";
import { seededRandom } from "../emulator/harness/syntheticData";

/** The cited figures (docs/performance.md, "The server model"). */
export const SERVER_LIMITS = {
  /** microsoft/fhir-server src/Microsoft.Health.TaskManagement/Constants.cs:10 (DefaultPollingFrequencyInSeconds). */
  queuePollMs: 30_000,
  /**
   * The idle poll's factor, 0.90 to 1.09 in steps of 0.01: JobHosting.cs:70
   * (`RandomNumberGenerator.GetInt32(20) / 100.0 + 0.9`); after a job ends the next dequeue is
   * immediate (JobHosting.cs:112).
   */
  queuePollFactor: { min: 0.9, steps: 20, step: 0.01 },
  /**
   * Jobs one machine runs at once per queue: Constants.cs:12 (DefaultMaxRunningJobCount). The open-source
   * appsettings.json sets TaskHosting:MaxRunningTaskCount to 1; the managed services' setting and
   * machine count are not published, so the model runs one machine with the code's default.
   */
  workersPerQueue: 2,
  /** FhirOperationDataStoreBase.cs:95: 202 while a processing job ended less than 15 s ago. */
  exportStatusGraceMs: 15_000,
  /** Azure API for FHIR export files: "currently set to 5,000" resources (azure-docs azure-api-for-fhir/export-data.md). */
  apiForFhirExportFileResources: 5_000,
  /** AHDS export files roll over at 64 MB (ExportJobConfiguration.cs:75; azure-docs fhir/export-data.md). */
  ahdsExportFileBytes: 64 * 1024 * 1024,
  /** One Cosmos physical partition per 50 GB stored or 10,000 RU/s (learn, Azure API for FHIR "Configure database settings"). */
  cosmosPartitionBytes: 50e9,
  cosmosPartitionRuPerSecond: 10_000,
  /** Import processing unit: ImportOrchestratorJob.cs:51 (BytesToReadDefault = 1000 * 10000). */
  importUnitBytes: 10_000_000,
  /** The import orchestrator reads input properties 16 at a time: ImportOrchestratorJob.cs:175,242. */
  importOrchestratorParallelism: 16,
  /** Resources per SQL transaction of an import processing job: ImportJobConfiguration.cs:12. */
  sqlTransactionResources: 1_000,
  /** `_count` maximum: CoreFeatureConfiguration.cs:46 (MaxItemCountPerSearch). */
  maxCount: 1_000,
  /** Files per `$import` body: ≤ 10,000 (azure-docs fhir/import-data.md, Prerequisites). */
  maxImportFiles: 10_000,
  /** Imports at once: "up to five parallel import jobs", sharing one rate (import-data.md; learn "FHIR service best practices"). */
  maxParallelImports: 5,
} as const;

/** One NDJSON file an export wrote. */
export interface ExportFile {
  type: string;
  resources: number;
  bytes: number;
}

/** The two servers' bulk jobs, as the product's requests see them. */
export interface JobServers {
  /** `$export` of a window holding `byType` versions, kicked off at `atMs`. Returns its id. */
  startExport(atMs: number, byType: ReadonlyMap<string, number>): number;
  /** The export's files when its status answers 200 at `atMs`; undefined while 202. */
  exportResult(id: number, atMs: number): ExportFile[] | undefined;
  /** `$import` of `files`, kicked off at `atMs`. Returns its id. */
  startImport(atMs: number, files: readonly ExportFile[]): number;
  /** Whether the import's status answers 200 at `atMs`. */
  importDone(id: number, atMs: number): boolean;
  /** ms during which the destination imported (some processing job ran) in [start, untilMs). */
  destinationBusyMs(untilMs: number): number;
  /** Processing jobs both servers ran (export and import). */
  processingJobs(): { export: number; import: number };
}

/** The swept rates and the data's physical size. */
export interface ServerRates {
  /** Versions per second the source exports in all (shared by its running processing jobs). */
  exportPerSecond: number;
  /** Resources per second the destination imports in all. */
  importPerSecond: number;
  /** Bytes per version of the data (export files and import units by size). */
  bytesPerVersion: number;
}

/** Files a processing job writes for `n` versions of one type: 5,000 resources each. */
export function filesOf(
  type: string,
  n: number,
  bytesPerVersion: number,
  perFile: number,
): ExportFile[] {
  const files: ExportFile[] = [];
  for (let left = n; left > 0; left -= perFile) {
    const resources = Math.min(perFile, left);
    files.push({ type, resources, bytes: resources * bytesPerVersion });
  }
  return files;
}

/** A job of one operation (an `$export` or `$import`): its orchestrator or one processing job. */
export interface QueueJob {
  operation: Operation;
  /** Fixed time (orchestrators) or 0. */
  fixedMs: number;
  /** Units moved at the server's shared rate (processing jobs) or 0. */
  units: number;
  processing: boolean;
  /** A processing job's resource type (export files are written per type). */
  type: string;
}

interface Worker {
  job: QueueJob | undefined;
  /** Idle: the next poll. Busy on a fixed job: its end. */
  atMs: number;
  /** Busy on a processing job: units left. */
  remaining: number;
}

/**
 * One server's job queue (JobHosting.ExecuteAsync): `workers` workers, each polling while idle
 * every 30 s × U(0.9, 1.1), dequeuing at once after a job ends; jobs in the order enqueued.
 * Processing jobs running at one instant share `unitsPerMs`.
 */
export class JobQueue {
  private readonly queue: QueueJob[] = [];
  private head = 0;
  private readonly workers: Worker[];
  private nowMs: number;
  private busyMs = 0;
  jobsRun = 0;

  constructor(
    workers: number,
    private readonly unitsPerMs: number,
    private readonly random: () => number,
    startMs: number,
    /** Called when a job ends, at that instant (it may enqueue more with `enqueueNow`). */
    private readonly onDone: (job: QueueJob, atMs: number) => void = () => {},
  ) {
    this.nowMs = startMs;
    // The host has been polling for a while: each worker's next poll is anywhere in its interval.
    this.workers = Array.from({ length: workers }, () => ({
      job: undefined,
      atMs: startMs + this.random() * this.pollMs(),
      remaining: 0,
    }));
  }

  private pollMs(): number {
    const f = SERVER_LIMITS.queuePollFactor;
    return SERVER_LIMITS.queuePollMs * (f.min + Math.floor(this.random() * f.steps) * f.step);
  }

  /** A job enqueued by a request at `atMs` (the queue first runs up to that instant). */
  submit(atMs: number, job: QueueJob): void {
    this.advanceTo(atMs);
    this.queue.push(job);
  }

  /** A job enqueued by a job ending now (from its onDone, while the queue runs). */
  enqueueNow(job: QueueJob): void {
    this.queue.push(job);
  }

  private running(): number {
    let n = 0;
    for (const w of this.workers) if (w.job?.processing === true) n++;
    return n;
  }

  private eventMs(w: Worker, share: number): number {
    if (w.job === undefined || !w.job.processing) return w.atMs;
    return this.nowMs + w.remaining / share;
  }

  private start(w: Worker): void {
    if (this.head < this.queue.length) {
      const job = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.jobsRun++;
      w.job = job;
      w.atMs = this.nowMs + job.fixedMs;
      w.remaining = job.units;
    } else {
      w.job = undefined;
      w.atMs = this.nowMs + this.pollMs();
    }
  }

  /** The earliest next poll of an idle worker. */
  nextPollMs(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.workers) if (w.job === undefined) next = Math.min(next, w.atMs);
    return next;
  }

  /** Busy time (some processing job running) up to the instant simulated. */
  busyUntilNow(): number {
    return this.busyMs;
  }

  advanceTo(untilMs: number): void {
    for (;;) {
      const n = this.running();
      const share = n === 0 ? 0 : this.unitsPerMs / n;
      let next = Number.POSITIVE_INFINITY;
      for (const w of this.workers) next = Math.min(next, this.eventMs(w, share));
      const to = Math.min(next, untilMs);
      if (to > this.nowMs) {
        const elapsed = to - this.nowMs;
        if (n > 0) {
          this.busyMs += elapsed;
          for (const w of this.workers)
            if (w.job?.processing === true) w.remaining -= share * elapsed;
        }
        this.nowMs = to;
      }
      if (next > untilMs) return;
      for (const w of this.workers) {
        // A processing job is done when nothing is left, or too little to move the clock.
        const due =
          w.job === undefined || !w.job.processing
            ? w.atMs <= this.nowMs
            : w.remaining <= 1e-6 || this.nowMs + w.remaining / share <= this.nowMs;
        if (!due) continue;
        const done = w.job;
        if (done !== undefined) {
          w.job = undefined;
          this.onDone(done, this.nowMs);
        }
        // After a job, the next dequeue is at once; after an empty poll, one poll interval later.
        this.start(w);
      }
    }
  }
}

export interface Operation {
  pending: number;
  lastEndMs: number;
  files: ExportFile[];
  /** Export: versions per type; import: its input files. */
  byType?: ReadonlyMap<string, number>;
  inputs?: readonly ExportFile[];
}

/** An operation's orchestrator job: a fixed time, its own requests. */
function orchestrator(operation: Operation, fixedMs: number): QueueJob {
  return { operation, fixedMs, units: 0, processing: false, type: "" };
}

/** Part `i` of `n` split into `parts` whole parts that differ by at most one. */
function evenPart(n: number, parts: number, i: number): number {
  return Math.floor(n / parts) + (i < n % parts ? 1 : 0);
}

export const sourceSeed = (seed: number): number => seed * 2 + 1;
export const destinationSeed = (seed: number): number => seed * 2 + 2;

/**
 * When an idle queue started at `startMs` first looks for a job at or after `atMs`: its workers'
 * polls replayed from the same random stream. While nothing is enqueued, they are the same for
 * every plan.
 */
export function firstIdlePollMs(seed: number, startMs: number, atMs: number): number {
  const queue = new JobQueue(SERVER_LIMITS.workersPerQueue, 1, seededRandom(seed), startMs);
  queue.advanceTo(atMs);
  return queue.nextPollMs();
}

/** The cited model: both servers' job queues (see the file comment). */
export class CitedServers implements JobServers {
  private readonly source: JobQueue;
  private readonly destination: JobQueue;
  private readonly exports: Operation[] = [];
  private readonly imports: Operation[] = [];
  private exportProcessing = 0;
  private importProcessing = 0;

  constructor(
    private readonly rates: ServerRates,
    /** Types the source holds (its export orchestrator enqueues a job per type × partition). */
    private readonly types: readonly string[],
    /** Physical partitions of the source's Cosmos container. */
    private readonly partitions: number,
    /** Time of one request the server makes inside a job (swept with the request latency). */
    private readonly serverInternalMs: number,
    startMs: number,
    seed: number,
  ) {
    // One random stream per queue: a queue's idle polls do not depend on the other's work, so
    // the best plan's bound can replay them (bench/bestPlan.ts).
    this.source = new JobQueue(
      SERVER_LIMITS.workersPerQueue,
      rates.exportPerSecond / 1000,
      seededRandom(sourceSeed(seed)),
      startMs,
      (job, atMs) => this.exportJobDone(job, atMs),
    );
    this.destination = new JobQueue(
      SERVER_LIMITS.workersPerQueue,
      rates.importPerSecond / 1000,
      seededRandom(destinationSeed(seed)),
      startMs,
      (job, atMs) => this.importJobDone(job, atMs),
    );
  }

  /** Physical partitions for `bytes` stored at `ruPerSecond` (one per 50 GB or 10,000 RU/s). */
  static partitionsFor(bytes: number, ruPerSecond: number): number {
    return Math.max(
      1,
      Math.ceil(bytes / SERVER_LIMITS.cosmosPartitionBytes),
      Math.ceil(ruPerSecond / SERVER_LIMITS.cosmosPartitionRuPerSecond),
    );
  }

  startExport(atMs: number, byType: ReadonlyMap<string, number>): number {
    const op: Operation = { pending: 1, lastEndMs: atMs, files: [], byType };
    this.exports.push(op);
    const slices = this.types.length * this.partitions;
    // GetUsedResourceTypes, GetFeedRanges, then one EnqueueAsync per type × feed range
    // (CosmosExportOrchestratorJob.cs:55,58,86).
    this.source.submit(atMs, orchestrator(op, (2 + slices) * this.serverInternalMs));
    return this.exports.length - 1;
  }

  private exportJobDone(job: QueueJob, atMs: number): void {
    const op = job.operation;
    op.pending--;
    op.lastEndMs = Math.max(op.lastEndMs, atMs);
    if (job.processing) {
      op.files.push(
        ...filesOf(
          job.type,
          job.units,
          this.rates.bytesPerVersion,
          SERVER_LIMITS.apiForFhirExportFileResources,
        ),
      );
      return;
    }
    for (const type of this.types) {
      const n = op.byType!.get(type) ?? 0;
      for (let p = 0; p < this.partitions; p++) {
        const share = evenPart(n, this.partitions, p);
        op.pending++;
        this.exportProcessing++;
        this.source.enqueueNow({ operation: op, fixedMs: 0, units: share, processing: true, type });
      }
    }
  }

  exportResult(id: number, atMs: number): ExportFile[] | undefined {
    this.source.advanceTo(atMs);
    const op = this.exports[id]!;
    if (op.pending > 0 || atMs < op.lastEndMs + SERVER_LIMITS.exportStatusGraceMs) return undefined;
    return op.files;
  }

  startImport(atMs: number, files: readonly ExportFile[]): number {
    const op: Operation = { pending: 1, lastEndMs: atMs, files: [], inputs: files };
    this.imports.push(op);
    // ValidateResourcesAsync and EnqueueProcessingJobsAsync each read every input's properties,
    // 16 at a time; then one enqueue of all processing jobs (ImportOrchestratorJob.cs:175,242).
    const rounds = Math.ceil(files.length / SERVER_LIMITS.importOrchestratorParallelism);
    this.destination.submit(atMs, orchestrator(op, (2 * rounds + 1) * this.serverInternalMs));
    return this.imports.length - 1;
  }

  private importJobDone(job: QueueJob, atMs: number): void {
    const op = job.operation;
    op.pending--;
    op.lastEndMs = Math.max(op.lastEndMs, atMs);
    if (job.processing) return;
    for (const file of op.inputs!) {
      const units = Math.max(1, Math.ceil(file.bytes / SERVER_LIMITS.importUnitBytes));
      for (let u = 0; u < units; u++) {
        const share = evenPart(file.resources, units, u);
        op.pending++;
        this.importProcessing++;
        this.destination.enqueueNow({
          operation: op,
          fixedMs: 0,
          units: share,
          processing: true,
          type: file.type,
        });
      }
    }
  }

  importDone(id: number, atMs: number): boolean {
    this.destination.advanceTo(atMs);
    return this.imports[id]!.pending === 0;
  }

  destinationBusyMs(untilMs: number): number {
    this.destination.advanceTo(untilMs);
    return this.destination.busyUntilNow();
  }

  processingJobs(): { export: number; import: number } {
    return { export: this.exportProcessing, import: this.importProcessing };
  }
}

/** The emulators' latency model (emulator/types.ts LatencyModel) that the engine runs against. */
export interface FixedLatency {
  exportFixedMs: number;
  exportPerResourceMs: number;
  exportThroughputPerSecond: number;
  importFixedMs: number;
  importPerResourceMs: number;
  importThroughputPerSecond: number;
  exportStatusGraceMs: number;
}

/**
 * The cited model in the emulators' terms: a job's fixed part is one idle poll of the job queue
 * (30 s: the job waits for a worker's next look) plus its orchestrator's own requests; then its
 * versions at the server's rate, which one job reaches alone (shared when several run).
 */
export function fixedLatencyOf(
  rates: Pick<ServerRates, "exportPerSecond" | "importPerSecond">,
  types: number,
  serverInternalMs: number,
): FixedLatency {
  return {
    exportFixedMs: SERVER_LIMITS.queuePollMs + (2 + types) * serverInternalMs,
    exportPerResourceMs: 1000 / rates.exportPerSecond,
    exportThroughputPerSecond: rates.exportPerSecond,
    importFixedMs: SERVER_LIMITS.queuePollMs + 3 * serverInternalMs,
    importPerResourceMs: 1000 / rates.importPerSecond,
    importThroughputPerSecond: rates.importPerSecond,
    exportStatusGraceMs: SERVER_LIMITS.exportStatusGraceMs,
  };
}

/** The emulators' model (emulator/sharedThroughput.ts): what the engine's runs go through. */
export class FixedServers implements JobServers {
  private readonly exports: SharedThroughput;
  private readonly imports: SharedThroughput;
  private readonly exportOps: { byType: ReadonlyMap<string, number> }[] = [];
  private readonly importWindows: { readyMs: number; id: number }[] = [];
  private importCount = 0;

  constructor(
    private readonly latency: FixedLatency,
    private readonly bytesPerVersion: number,
    /** Resources per export file (the emulator's stand-in for the server's roll-over). */
    private readonly fileResources: number,
  ) {
    this.exports = new SharedThroughput(latency.exportThroughputPerSecond / 1000);
    this.imports = new SharedThroughput(latency.importThroughputPerSecond / 1000);
  }

  startExport(atMs: number, byType: ReadonlyMap<string, number>): number {
    const id = this.exportOps.length;
    this.exportOps.push({ byType });
    this.exports.advanceTo(atMs);
    let versions = 0;
    for (const n of byType.values()) versions += n;
    this.exports.add(
      id,
      atMs + this.latency.exportFixedMs,
      versions,
      this.latency.exportPerResourceMs,
    );
    return id;
  }

  exportResult(id: number, atMs: number): ExportFile[] | undefined {
    this.exports.advanceTo(atMs);
    const done = this.exports.doneAt(id);
    if (done === undefined || atMs < done + this.latency.exportStatusGraceMs) return undefined;
    return [...this.exportOps[id]!.byType].flatMap(([type, n]) =>
      filesOf(type, n, this.bytesPerVersion, this.fileResources),
    );
  }

  startImport(atMs: number, files: readonly ExportFile[]): number {
    const id = this.importCount++;
    this.imports.advanceTo(atMs);
    const resources = files.reduce((n, f) => n + f.resources, 0);
    const readyMs = atMs + this.latency.importFixedMs;
    this.imports.add(id, readyMs, resources, this.latency.importPerResourceMs);
    this.importWindows.push({ readyMs, id });
    return id;
  }

  importDone(id: number, atMs: number): boolean {
    this.imports.advanceTo(atMs);
    return this.imports.doneAt(id) !== undefined;
  }

  destinationBusyMs(untilMs: number): number {
    this.imports.advanceTo(untilMs);
    const spans = this.importWindows
      .map((w) => [w.readyMs, Math.min(untilMs, this.imports.doneAt(w.id) ?? untilMs)] as const)
      .filter(([a, b]) => b > a)
      .sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let end = Number.NEGATIVE_INFINITY;
    for (const [a, b] of spans) {
      if (b <= end) continue;
      busy += b - Math.max(a, end);
      end = b;
    }
    return busy;
  }

  processingJobs(): { export: number; import: number } {
    return { export: this.exportOps.length, import: this.importCount };
  }
}
