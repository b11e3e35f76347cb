/**
 * A server's job throughput shared by the jobs running on it (a latency knob of the emulator, used
 * by the benchmark; docs/performance.md, "The latency model"). A job waits its fixed time, then
 * moves its versions at its own rate (1 / perUnitMs) but never faster than the server-wide rate
 * divided by the jobs moving versions at that instant (processor sharing). Without a server-wide
 * rate every job moves at its own rate, which is the emulator's plain `fixed + perUnit × n`.
 *
 * Why shared: Azure API for FHIR reads every export from one Cosmos DB container whose provisioned
 * request units per second are shared by all requests (learn.microsoft.com, "Configure database
 * settings" for Azure API for FHIR); on the FHIR service, one large import "is designed to consume
 * all available system resources, and concurrent import jobs don't increase processing throughput"
 * (learn.microsoft.com, "Best practices for better performance in FHIR service").
 *
 * Jobs are only ever added at or after the instant simulated so far (the clock never goes back),
 * so the simulation runs forward incrementally and a completion, once reported, never moves.
 */

interface Moving {
  remaining: number;
  perUnitMs: number;
}

interface Waiting extends Moving {
  id: number;
  readyMs: number;
}

export interface Completion {
  id: number;
  doneMs: number;
}

export class SharedThroughput {
  private atMs = Number.NEGATIVE_INFINITY;
  private readonly waiting: Waiting[] = [];
  private readonly moving = new Map<number, Moving>();
  private readonly done = new Map<number, number>();

  /** @param unitsPerMs server-wide units (versions or resources) per ms; undefined = no shared limit. */
  constructor(private readonly unitsPerMs: number | undefined) {}

  /**
   * A job that starts moving `units` at `readyMs` (its start plus its fixed time). A ready time
   * before the instant already simulated is moved up to it (only possible with a fixed time shorter
   * than the gap between two requests; the benchmark's fixed times are minutes).
   */
  add(id: number, readyMs: number, units: number, perUnitMs: number): void {
    this.waiting.push({ id, readyMs: Math.max(readyMs, this.atMs), remaining: units, perUnitMs });
    this.waiting.sort((a, b) => a.readyMs - b.readyMs);
  }

  /** A cancelled job stops using the server. */
  remove(id: number): void {
    const at = this.waiting.findIndex((w) => w.id === id);
    if (at >= 0) this.waiting.splice(at, 1);
    this.moving.delete(id);
  }

  /** Whether the job has completed by `nowMs`. */
  doneBy(id: number, nowMs: number): boolean {
    this.advanceTo(nowMs);
    return this.done.has(id);
  }

  /** When the job completed, once it has. */
  doneAt(id: number): number | undefined {
    return this.done.get(id);
  }

  /** The next instant something happens (a job starts moving or completes), if any. */
  nextEventMs(): number | undefined {
    const ready = this.waiting[0]?.readyMs;
    const finish = this.nextFinishMs();
    if (ready === undefined) return finish;
    return finish === undefined ? ready : Math.min(ready, finish);
  }

  /** Moves the simulation to `nowMs`; returns the jobs that completed on the way, in order. */
  advanceTo(nowMs: number): Completion[] {
    const completed: Completion[] = [];
    if (this.atMs === Number.NEGATIVE_INFINITY)
      this.atMs = Math.min(this.waiting[0]?.readyMs ?? nowMs, nowMs);
    for (;;) {
      this.admit(completed);
      const next = this.nextEventMs();
      if (next === undefined || next > nowMs) {
        this.progress(nowMs - this.atMs);
        this.atMs = Math.max(this.atMs, nowMs);
        return completed;
      }
      this.progress(next - this.atMs);
      this.atMs = next;
      // Finished: nothing left, or too little to move the clock (float resolution at epoch ms).
      const finished = [...this.moving].filter(
        ([, job]) =>
          job.remaining <= 1e-6 || this.atMs + job.remaining / this.rate(job) <= this.atMs,
      );
      for (const [id] of finished) {
        this.moving.delete(id);
        this.done.set(id, this.atMs);
        completed.push({ id, doneMs: this.atMs });
      }
    }
  }

  private rate(job: Moving): number {
    const own = job.perUnitMs > 0 ? 1 / job.perUnitMs : Number.POSITIVE_INFINITY;
    if (this.unitsPerMs === undefined) return own;
    return Math.min(own, this.unitsPerMs / this.moving.size);
  }

  private nextFinishMs(): number | undefined {
    let soonest: number | undefined;
    for (const job of this.moving.values()) {
      const r = this.rate(job);
      const at = this.atMs + (r === Number.POSITIVE_INFINITY ? 0 : job.remaining / r);
      if (soonest === undefined || at < soonest) soonest = at;
    }
    return soonest;
  }

  private admit(completed: Completion[]): void {
    while (this.waiting.length > 0 && this.waiting[0]!.readyMs <= this.atMs) {
      const job = this.waiting.shift()!;
      if (job.remaining <= 0) {
        this.done.set(job.id, this.atMs);
        completed.push({ id: job.id, doneMs: this.atMs });
      } else {
        this.moving.set(job.id, { remaining: job.remaining, perUnitMs: job.perUnitMs });
      }
    }
  }

  private progress(elapsedMs: number): void {
    if (elapsedMs <= 0) return;
    for (const job of this.moving.values()) {
      const r = this.rate(job);
      job.remaining = r === Number.POSITIVE_INFINITY ? 0 : job.remaining - r * elapsedMs;
    }
  }
}
