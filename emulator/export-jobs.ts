/**
 * $export jobs. The job completes when the clock reaches
 * created + exportFixedMs + exportPerResourceMs * versions (counted at kick-off). Its content is read
 * when the processing jobs run, not at kick-off (ExportProcessingJob runs ExportJobTask, whose search
 * sees the store as it is then): the emulator reads it when the job comes due, so a version that
 * became history or was deleted in between drops out of an export without `_history`/`_deleted`,
 * while writes after kick-off stay out through `_till` (default: the creation time). Blobs are
 * written before the first 200 manifest. The status stays 202 for `exportStatusGraceMs` after the
 * last processing job ended (FhirOperationDataStoreBase.GetExportJobByIdAsync). Status/cancel follow
 * docs/server-behaviour.md §2.1 / §2.5.
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
import type { JobIds } from "./job-ids";
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
  /** When the last processing job ended (the clock when the job completed or failed). */
  endMs?: number;
  /** Planned when the processing jobs run (or when a premature manifest is served). */
  files?: PlannedFile[];
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

/** FhirOperationDataStoreBase.GetExportJobByIdAsync: running while a processing job ended < 15 s ago. */
export const DEFAULT_EXPORT_STATUS_GRACE_MS = 15_000;

export class ExportJobs {
  private readonly jobs = new Map<number, ExportJob>();

  /** Set when the latency model shares a server-wide throughput among running exports. */
  private readonly throughput: SharedThroughput | undefined;

  constructor(private readonly deps: ExportJobsDeps) {
    const perSecond = deps.latency.exportThroughputPerSecond;
    this.throughput = perSecond === undefined ? undefined : new SharedThroughput(perSecond / 1000);
  }

  /** Creates the job; returns its id as clients see it. */
  create(def: ExportDefinition, requestUrl: string, fault: JobFault | undefined): string {
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
      container: def.container ?? `export-${this.deps.ids.text(id)}`,
      folder:
        def.container === undefined
          ? ""
          : `${folderTimestamp(createdMs)}-${this.deps.ids.text(id)}/`,
      stuck: fault?.kind === "export-stuck",
      premature: fault?.kind === "export-premature" ? "pending" : "no",
      written: new Set(),
    };
    this.throughput?.add(id, startedMs + exportFixedMs, versions.length, exportPerResourceMs);
    if (!selection.ok) job.plannedFailure = { status: selection.status, reason: selection.reason };
    if (fault?.kind === "export-job-fails")
      job.plannedFailure = { status: fault.statusCode, reason: fault.reason };
    this.jobs.set(id, job);
    return this.deps.ids.text(id);
  }

  /** Completes due jobs: writes their blobs, or records their failure. */
  async advance(now: number): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state !== "running" || job.stuck || !this.due(job, now)) continue;
      // The last processing job ended when the job came due, whenever a request noticed it: the
      // status grace runs from that end (FhirOperationDataStoreBase.cs:95, the job's EndDate).
      job.endMs =
        this.throughput === undefined ? job.dueMs : (this.throughput.doneAt(job.id) ?? now);
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
      const files = this.plan(job);
      if (!files.ok) {
        job.failure = { status: files.status, reason: files.reason };
        job.state = "failed";
        continue;
      }
      await this.write(job, files.files, rules);
      job.state = "completed";
    }
  }

  /** Reads the job's content from the store as it is now, once per job. */
  private plan(
    job: ExportJob,
  ): { ok: true; files: PlannedFile[] } | { ok: false; status: number; reason: string } {
    if (job.files !== undefined) return { ok: true, files: job.files };
    const selection = selectVersions(this.deps.store, job.def, job.createdMs);
    if (!selection.ok) return selection;
    job.files = planFiles(
      selection.versions,
      job.def,
      this.deps.rollingFileResources,
      () => this.deps.ids.next(),
      (id) => this.deps.ids.text(id),
    );
    return { ok: true, files: job.files };
  }

  private due(job: ExportJob, now: number): boolean {
    return this.throughput === undefined ? now >= job.dueMs : this.throughput.doneBy(job.id, now);
  }

  async status(idText: string): Promise<HttpReply> {
    const job = this.find(idText);
    if (job.premature === "pending") {
      // A manifest that misses files, as seen when status reports completion before all processing jobs did.
      job.premature = "served";
      const planned = this.plan(job);
      const all = planned.ok ? planned.files : [];
      const partial = [...all].sort(manifestOrder).slice(0, Math.floor(all.length / 2));
      await this.write(job, partial, []);
      return this.manifest(job, partial);
    }
    const grace = this.deps.latency.exportStatusGraceMs ?? DEFAULT_EXPORT_STATUS_GRACE_MS;
    if (job.state === "running") return { status: 202 };
    // A failed processing job is reported at once; a completed group only after the grace period.
    if (job.state === "completed" && this.deps.clock.now() < (job.endMs ?? 0) + grace)
      return { status: 202 };
    if (job.state === "failed" && job.failure !== undefined) {
      throw new FhirHttpError(
        job.failure.status,
        msg.operationFailed("export", job.failure.reason),
        "processing",
      );
    }
    return this.manifest(job, job.files ?? []);
  }

  cancel(idText: string): HttpReply {
    const job = this.find(idText);
    // CancelExportRequestHandler cancels the group and enqueues a CancelledByUser marker: later GETs are 404.
    job.state = "cancelled";
    this.throughput?.remove(job.id);
    return { status: 202 };
  }

  private find(idText: string): ExportJob {
    const id = this.deps.ids.parse(idText);
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
