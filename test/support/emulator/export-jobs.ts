/**
 * $export jobs: kick-off creates a job whose content is selected at once (the emulator snapshots
 * at kick-off so later writes in a test cannot race it); the job completes when the clock reaches
 * created + exportFixedMs + exportPerResourceMs * versions. Blobs are written before the first 200
 * manifest. Status/cancel follow protocol reference 2.1 / 2.5.
 */
import { anonymizeLine, parseAnonymizationConfig, type TruncateRule } from "./anonymization";
import type { BlobStorage } from "./blob-storage";
import type { ExportDefinition } from "./export-request";
import {
  fileName,
  manifestOrder,
  planFiles,
  selectVersions,
  type PlannedFile,
} from "./export-selection";
import { FhirHttpError, type HttpReply, notFound } from "./http-io";
import { folderTimestamp, formatInstant } from "./instant";
import { parseJobId, type JobIds } from "./job-ids";
import * as msg from "./messages";
import { addSoftDeletedExtension } from "./resource-body";
import { SharedThroughput } from "./sharedThroughput";
import type { EmulatorStore } from "./store";
import type { EmulatorClock, JobFault, LatencyModel } from "./types";

interface ExportJob {
  id: number;
  createdMs: number;
  requestUrl: string;
  def: ExportDefinition;
  state: "running" | "completed" | "failed" | "cancelled";
  dueMs: number;
  files: PlannedFile[];
  container: string;
  folder: string;
  /** Failure decided at kick-off (fault, missing Group) and reported when the job is due. */
  plannedFailure?: { status: number; reason: string };
  failure?: { status: number; reason: string };
  stuck: boolean;
  premature: "no" | "pending" | "served";
  written: Set<PlannedFile>;
}

interface ManifestEntry {
  type: string;
  url: string;
  count: number;
}

export interface ExportJobsDeps {
  store: EmulatorStore;
  blobs: BlobStorage;
  ids: JobIds;
  clock: EmulatorClock;
  latency: LatencyModel;
  rollingFileResources: number;
  baseUrl: () => string;
}

export class ExportJobs {
  private readonly jobs = new Map<number, ExportJob>();

  /** Set when the latency model shares a server-wide throughput among running exports. */
  private readonly throughput: SharedThroughput | undefined;

  constructor(private readonly deps: ExportJobsDeps) {
    const perSecond = deps.latency.exportThroughputPerSecond;
    this.throughput = perSecond === undefined ? undefined : new SharedThroughput(perSecond / 1000);
  }

  create(def: ExportDefinition, requestUrl: string, fault: JobFault | undefined): number {
    // Creation time (transactionTime, default _till) is a server timestamp after every earlier write;
    // the due time runs on the clock.
    const createdMs = this.deps.store.nextStamp();
    const startedMs = this.deps.clock.now();
    const id = this.deps.ids.next();
    const selection = selectVersions(this.deps.store, def, createdMs);
    const versions = selection.ok ? selection.versions : [];
    const { exportFixedMs = 0, exportPerResourceMs = 0 } = this.deps.latency;
    const job: ExportJob = {
      id,
      createdMs,
      requestUrl,
      def,
      state: "running",
      dueMs: startedMs + exportFixedMs + exportPerResourceMs * versions.length,
      files: planFiles(versions, def, this.deps.rollingFileResources, () => this.deps.ids.next()),
      container: def.container ?? `export-${id}`,
      folder: def.container === undefined ? "" : `${folderTimestamp(createdMs)}-${id}/`,
      stuck: fault?.kind === "export-stuck",
      premature: fault?.kind === "export-premature" ? "pending" : "no",
      written: new Set(),
    };
    this.throughput?.add(id, startedMs + exportFixedMs, versions.length, exportPerResourceMs);
    if (!selection.ok) job.plannedFailure = { status: selection.status, reason: selection.reason };
    if (fault?.kind === "export-job-fails")
      job.plannedFailure = { status: fault.statusCode, reason: fault.reason };
    this.jobs.set(id, job);
    return id;
  }

  /** Completes due jobs: writes their blobs, or records their failure. */
  async advance(now: number): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state !== "running" || job.stuck || !this.due(job, now)) continue;
      if (job.plannedFailure !== undefined) {
        job.failure = job.plannedFailure;
        job.state = "failed";
        continue;
      }
      let rules: TruncateRule[] = [];
      if (job.def.anonymizationConfig !== undefined) {
        const text = await this.deps.blobs.read("anonymization", job.def.anonymizationConfig);
        const parsed =
          text === undefined
            ? ({
                ok: false,
                reason: msg.anonymizationConfigNotFound(job.def.anonymizationConfig),
              } as const)
            : parseAnonymizationConfig(text);
        if (!parsed.ok) {
          job.failure = { status: 400, reason: parsed.reason };
          job.state = "failed";
          continue;
        }
        rules = parsed.rules;
      }
      await this.write(job, job.files, rules);
      job.state = "completed";
    }
  }

  private due(job: ExportJob, now: number): boolean {
    return this.throughput === undefined ? now >= job.dueMs : this.throughput.doneBy(job.id, now);
  }

  async status(idText: string): Promise<HttpReply> {
    const job = this.find(idText);
    if (job.premature === "pending") {
      // A manifest that misses files, as seen when status reports completion before all processing jobs did.
      job.premature = "served";
      const partial = [...job.files].sort(manifestOrder).slice(0, Math.floor(job.files.length / 2));
      await this.write(job, partial, []);
      return this.manifest(job, partial);
    }
    if (job.state === "running") return { status: 202 };
    if (job.state === "failed" && job.failure !== undefined) {
      throw new FhirHttpError(
        job.failure.status,
        msg.operationFailed("export", job.failure.reason),
        "processing",
      );
    }
    return this.manifest(job, job.files);
  }

  cancel(idText: string): HttpReply {
    const job = this.find(idText);
    // CancelExportRequestHandler cancels the group and enqueues a CancelledByUser marker: later GETs are 404.
    job.state = "cancelled";
    this.throughput?.remove(job.id);
    return { status: 202 };
  }

  private find(idText: string): ExportJob {
    const id = parseJobId(idText);
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (job === undefined || job.state === "cancelled") throw notFound(msg.jobNotFound(idText));
    return job;
  }

  private async write(
    job: ExportJob,
    files: readonly PlannedFile[],
    rules: readonly TruncateRule[],
  ): Promise<void> {
    for (const file of files) {
      if (job.written.has(file)) continue;
      const lines = file.versions.map((v) => {
        const text = v.deleted ? addSoftDeletedExtension(v.text) : v.text;
        return rules.length > 0 ? anonymizeLine(text, rules) : text;
      });
      await this.deps.blobs.write(
        job.container,
        job.folder + fileName(file),
        lines.map((l) => `${l}\n`).join(""),
      );
      job.written.add(file);
    }
  }

  private manifest(job: ExportJob, files: readonly PlannedFile[]): HttpReply {
    const output: ManifestEntry[] = [...files].sort(manifestOrder).map((f) => ({
      type: f.type,
      url: this.deps.blobs.url(job.container, job.folder + fileName(f)),
      count: f.versions.length,
    }));
    return {
      status: 200,
      // ExportResult sets exactly this content type (OperationsConstants.ExportContentTypeHeaderValue).
      contentType: "application/json",
      body: {
        transactionTime: formatInstant(job.createdMs),
        request: `${this.deps.baseUrl()}${job.requestUrl}`,
        requiresAccessToken: false,
        output,
        error: [],
        issues: [],
      },
    };
  }
}
