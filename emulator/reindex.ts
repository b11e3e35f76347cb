/**
 * $reindex jobs (docs/server-behaviour.md §6, ReindexController): POST {base}/$reindex answers 201 with the
 * job as a Parameters resource and Content-Location {base}/_operations/reindex/{id}; GET polls,
 * DELETE cancels. One active job at a time: a second POST while one runs answers 201 with the
 * existing job (CreateReindexRequestHandler.cs, "Return the existing job information instead of
 * creating a new one"). The emulator does not index anything: custom
 * search parameters have no effect on its search, the job only models the protocol.
 */
import { type HttpReply, notFound, badRequest } from "./http-io";
import { formatInstant } from "./instant";
import type { JobIds } from "./job-ids";
import * as msg from "./messages";
import type { EmulatorStore } from "./store";
import type { EmulatorClock } from "./types";

interface ReindexJob {
  id: number;
  createdMs: number;
  dueMs: number;
  state: "Running" | "Completed" | "Canceled";
  endMs?: number;
  total: number;
}

export class ReindexJobs {
  private readonly jobs = new Map<number, ReindexJob>();

  constructor(
    private readonly store: EmulatorStore,
    private readonly ids: JobIds,
    private readonly clock: EmulatorClock,
    private readonly fixedMs: number,
    private readonly baseUrl: () => string,
  ) {}

  create(body: string): HttpReply {
    if (body.trim() !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (_malformed) {
        throw badRequest(msg.REINDEX_NOT_PARAMETERS);
      }
      if ((parsed as { resourceType?: unknown } | null)?.resourceType !== "Parameters") {
        throw badRequest(msg.REINDEX_NOT_PARAMETERS);
      }
    }
    const active = [...this.jobs.values()].find((j) => j.state === "Running");
    if (active !== undefined) return this.created(active);
    const now = this.clock.now();
    const job: ReindexJob = {
      id: this.ids.next(),
      createdMs: now,
      dueMs: now + this.fixedMs,
      state: "Running",
      total: this.store.count(),
    };
    this.jobs.set(job.id, job);
    return this.created(job);
  }

  /** The id of the running job, if any (SearchParameter writes answer 409 meanwhile). */
  activeId(): string | undefined {
    const active = [...this.jobs.values()].find((j) => j.state === "Running");
    return active === undefined ? undefined : this.ids.text(active.id);
  }

  private created(job: ReindexJob): HttpReply {
    return {
      status: 201,
      headers: {
        "Content-Location": `${this.baseUrl()}/_operations/reindex/${this.ids.text(job.id)}`,
      },
      body: this.parameters(job),
    };
  }

  advance(now: number): void {
    for (const job of this.jobs.values()) {
      if (job.state === "Running" && now >= job.dueMs) {
        job.state = "Completed";
        job.endMs = job.dueMs;
      }
    }
  }

  status(idText: string): HttpReply {
    return { status: 200, body: this.parameters(this.find(idText)) };
  }

  cancel(idText: string): HttpReply {
    const job = this.find(idText);
    if (job.state !== "Running") throw badRequest(msg.reindexNotCancellable(idText, job.state));
    job.state = "Canceled";
    job.endMs = this.clock.now();
    return { status: 202, body: this.parameters(job) };
  }

  private find(idText: string): ReindexJob {
    const id = this.ids.parse(idText);
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (job === undefined) throw notFound(msg.jobNotFound(idText));
    return job;
  }

  private parameters(job: ReindexJob): Record<string, unknown> {
    const done = job.state === "Completed";
    const parameter: Record<string, unknown>[] = [
      { name: "id", valueString: this.ids.text(job.id) },
      { name: "queuedTime", valueDateTime: formatInstant(job.createdMs) },
      { name: "startTime", valueDateTime: formatInstant(job.createdMs) },
      ...(job.endMs !== undefined
        ? [{ name: "endTime", valueDateTime: formatInstant(job.endMs) }]
        : []),
      { name: "totalResourcesToReindex", valueDecimal: job.total },
      { name: "resourcesSuccessfullyReindexed", valueDecimal: done ? job.total : 0 },
      { name: "progress", valueDecimal: done ? job.total : 0 },
      { name: "status", valueString: job.state },
    ];
    return { resourceType: "Parameters", id: this.ids.text(job.id), parameter };
  }
}
