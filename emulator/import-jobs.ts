/**
 * $import jobs (docs/server-behaviour.md §3.3, §3.6, §4.1-§4.5). A job first reads its input blobs (a missing
 * blob fails the job with the blob's 404), splits each into processing units of
 * `processingUnitBytesToRead` bytes (import-units.ts follows ImportResourceLoader.ReadLines), and completes when the clock reaches
 * created + importFixedMs + importPerResourceMs * lines. Only then are its versions merged into the
 * store, so they become visible to search at completion. Error lines go to
 * `{errorContainer}/{Type}{groupId}_{jobId}.ndjson`, one blob per unit with failures.
 */
import type { BlobStorage } from "./blob-storage";
import { FhirHttpError, type HttpReply, notFound } from "./http-io";
import type { ImportDefinition, ImportInputSpec } from "./import-request";
import { mergeUnit, type UnitLine } from "./import-merge";
import { errorFileText, splitUnits } from "./import-units";
import { formatInstant } from "./instant";
import { parseJobId, type JobIds } from "./job-ids";
import * as msg from "./messages";
import { SharedThroughput } from "./sharedThroughput";
import type { EmulatorStore } from "./store";
import type { EmulatorClock, Flavour, JobFault, LatencyModel } from "./types";

interface Unit {
  jobId: number;
  input: ImportInputSpec;
  offset: number;
  lines: UnitLine[];
  succeeded?: number;
  failed?: number;
  errorUrl?: string;
}

interface ImportJob {
  id: number;
  createdMs: number;
  startedMs: number;
  requestUrl: string;
  def: ImportDefinition;
  state: "loading" | "running" | "completed" | "failed" | "cancelled";
  dueMs: number;
  units: Unit[];
  /** `errorFile`: the input of the processing job that failed (GetImportRequestHandler names it). */
  failure?: { status: number; reason: string; errorFile?: string; showsReason?: boolean };
  fault?: JobFault;
}

export interface ImportJobsDeps {
  store: EmulatorStore;
  blobs: BlobStorage;
  ids: JobIds;
  clock: EmulatorClock;
  latency: LatencyModel;
  flavour: Flavour;
  maxJobs: number;
  /** Resources per SQL transaction of a processing job (ImportJobConfiguration.TransactionSize, 1000). */
  transactionSize: number;
  baseUrl: () => string;
}

export class ImportJobs {
  private readonly jobs = new Map<number, ImportJob>();

  /** Set when the latency model shares a server-wide throughput among running imports. */
  private readonly throughput: SharedThroughput | undefined;

  constructor(private readonly deps: ImportJobsDeps) {
    const perSecond = deps.latency.importThroughputPerSecond;
    this.throughput = perSecond === undefined ? undefined : new SharedThroughput(perSecond / 1000);
  }

  /** The existing job for an identical definition, if any (EnqueueJobs de-dups on the definition hash). */
  existing(hash: string): number | undefined {
    for (const job of this.jobs.values()) if (job.def.hash === hash) return job.id;
    return undefined;
  }

  runningCount(): number {
    return [...this.jobs.values()].filter((j) => j.state === "loading" || j.state === "running")
      .length;
  }

  get maxJobs(): number {
    return this.deps.maxJobs;
  }

  create(def: ImportDefinition, requestUrl: string, fault: JobFault | undefined): number {
    const id = this.deps.ids.next();
    // transactionTime is a server timestamp; the due time runs on the clock.
    const createdMs = this.deps.store.nextStamp();
    this.jobs.set(id, {
      id,
      createdMs,
      startedMs: this.deps.clock.now(),
      requestUrl,
      def,
      state: "loading",
      dueMs: createdMs,
      units: [],
      ...(fault !== undefined ? { fault } : {}),
    });
    return id;
  }

  async advance(now: number): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state === "loading") await this.load(job);
      if (job.state !== "running" || job.fault?.kind === "import-stuck" || !this.due(job, now))
        continue;
      if (job.fault?.kind === "import-job-fails") {
        const errorFile = job.fault.namesInputFile === true ? job.def.inputs[0]?.url : undefined;
        job.failure = {
          status: job.fault.statusCode,
          reason: job.fault.reason,
          ...(errorFile === undefined ? {} : { errorFile }),
          ...(job.fault.showsReason === true ? { showsReason: true } : {}),
        };
        job.state = "failed";
        continue;
      }
      await this.complete(job, now);
    }
  }

  private due(job: ImportJob, now: number): boolean {
    return this.throughput === undefined ? now >= job.dueMs : this.throughput.doneBy(job.id, now);
  }

  status(idText: string, details: boolean): HttpReply {
    const job = this.find(idText);
    if (job.state === "loading" || job.state === "running") return { status: 202 };
    if (job.state === "cancelled")
      throw new FhirHttpError(400, msg.USER_REQUESTED_CANCELLATION, "processing");
    if (job.state === "failed" && job.failure !== undefined) {
      // GetImportRequestHandler hides the message of a 500.
      const hidden = job.failure.status === 500 && job.failure.showsReason !== true;
      const reason = hidden ? "InternalServerError" : job.failure.reason;
      throw new FhirHttpError(
        job.failure.status,
        job.failure.errorFile === undefined
          ? msg.operationFailed("import", reason)
          : msg.operationFailedWithErrorFile("import", reason, job.failure.errorFile),
        "processing",
      );
    }
    return {
      status: 200,
      contentType: "application/json",
      body: this.result(job, details),
    };
  }

  cancel(idText: string): HttpReply {
    const job = this.find(idText);
    if (job.state === "completed" || job.state === "failed") {
      throw new FhirHttpError(409, msg.IMPORT_ALREADY_COMPLETED, "conflict");
    }
    job.state = "cancelled";
    this.throughput?.remove(job.id);
    return { status: 202 };
  }

  private find(idText: string): ImportJob {
    const id = parseJobId(idText);
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (job === undefined) throw notFound(msg.importJobNotFound(idText));
    return job;
  }

  private async load(job: ImportJob): Promise<void> {
    let lineCount = 0;
    const units: Unit[] = [];
    for (const input of job.def.inputs) {
      const location = this.deps.blobs.locate(new URL(input.url));
      const blob =
        location === undefined
          ? undefined
          : await this.deps.blobs.readWithEtag(location.container, location.blob);
      if (blob === undefined) {
        // ImportOrchestratorJob.ValidateResourcesAsync: GetPropertiesAsync throws an
        // IntegrationDataStoreException carrying the storage status (AzureBlobIntegrationDataStoreClient.cs),
        // and the job fails with that status: the blob's 404.
        job.failure = { status: 404, reason: msg.BLOB_NOT_FOUND };
        job.state = "failed";
        return;
      }
      if (input.etag !== undefined && input.etag !== blob.etag) {
        job.failure = { status: 400, reason: msg.etagNotMatch(input.url) };
        job.state = "failed";
        return;
      }
      for (const part of splitUnits(blob.text, job.def.processingUnitBytesToRead)) {
        units.push({ jobId: this.deps.ids.next(), input, offset: part.offset, lines: part.lines });
        lineCount += part.lines.length;
      }
    }
    const { importFixedMs = 0, importPerResourceMs = 0 } = this.deps.latency;
    job.units = units;
    job.dueMs = job.startedMs + importFixedMs + importPerResourceMs * lineCount;
    this.throughput?.add(job.id, job.startedMs + importFixedMs, lineCount, importPerResourceMs);
    job.state = "running";
  }

  private async complete(job: ImportJob, now: number): Promise<void> {
    const fault = job.fault?.kind === "import-partial-errors" ? job.fault : undefined;
    let toFail = fault?.count ?? 0;
    const injectError = (id: string, line: number): string | undefined => {
      if (fault === undefined) return undefined;
      if (fault.ids?.includes(id) === true || toFail > 0) {
        if (fault.ids?.includes(id) !== true) toFail--;
        return fault.message ?? msg.importConflict(id, line);
      }
      return undefined;
    };
    // Processing units run in input order here (the server runs them in parallel in random order,
    // ImportOrchestratorJob.EnqueueProcessingJobsAsync). Each unit merges TransactionSize lines at a
    // time (SqlImporter.Import). A batch decimal(36,18) cannot index fails its processing job
    // (import-merge.ts: 400 "Arithmetic Overflow." from 1e20, 500 below); the failed job cancels the
    // rest of the group (JobHosting.cs CompleteJobAsync with requestCancellationOnFailure,
    // PutJobStatus.sql -> PutJobCancelation), and batches and units merged before it stay merged.
    const refuses = job.fault?.kind === "import-refuses" ? job.fault : undefined;
    for (const unit of job.units) {
      if (refuses !== undefined && unit.lines.some((l) => refuses.ids.includes(lineId(l.text)))) {
        job.failure = {
          status: refuses.statusCode,
          reason: refuses.reason,
          errorFile: unit.input.url,
        };
        job.state = "failed";
        return;
      }
      let succeeded = 0;
      const errors: { line: number; message: string }[] = [];
      for (let at = 0; at < Math.max(unit.lines.length, 1); at += this.deps.transactionSize) {
        const outcome = mergeUnit(unit.lines.slice(at, at + this.deps.transactionSize), {
          store: this.deps.store,
          flavour: this.deps.flavour,
          mode: job.def.mode,
          ...(unit.input.type !== undefined ? { declaredType: unit.input.type } : {}),
          allowNegativeVersions: job.def.allowNegativeVersions,
          now,
          injectError,
        });
        if (outcome.overflow !== undefined) {
          job.failure = {
            status: outcome.overflow.status,
            reason: outcome.overflow.message,
            errorFile: unit.input.url,
          };
          job.state = "failed";
          return;
        }
        succeeded += outcome.succeeded;
        errors.push(...outcome.errors);
      }
      unit.succeeded = succeeded;
      unit.failed = errors.length;
      if (errors.length > 0) {
        const blob = `${unit.input.type ?? ""}${job.id}_${unit.jobId}.ndjson`;
        unit.errorUrl = await this.deps.blobs.write(
          job.def.errorContainerName,
          blob,
          errorFileText(errors, unit.offset),
        );
      }
    }
    job.state = "completed";
  }

  private result(job: ImportJob, details: boolean): Record<string, unknown> {
    const outputs: { type: string | null; count: number; inputUrl: string }[] = [];
    for (const unit of job.units) {
      const held = details ? undefined : outputs.find((o) => o.inputUrl === unit.input.url);
      if (held !== undefined) held.count += unit.succeeded ?? 0;
      else
        outputs.push({
          type: unit.input.type ?? null,
          count: unit.succeeded ?? 0,
          inputUrl: unit.input.url,
        });
    }
    const errors = job.units
      .filter((u) => (u.failed ?? 0) > 0)
      .map((u) => ({
        type: u.input.type ?? null,
        count: u.failed ?? 0,
        inputUrl: u.input.url,
        url: u.errorUrl ?? "",
      }));
    return {
      transactionTime: formatInstant(job.createdMs),
      request: `${this.deps.baseUrl()}${job.requestUrl}`,
      output: outputs,
      error: errors,
    };
  }
}

/** The id of an NDJSON line, without parsing its numbers (import-refuses fault). */
function lineId(text: string): string {
  return /"id"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? "";
}
