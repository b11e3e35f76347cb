import type { Clock } from "./durableRuntime";

interface Sleeper {
  instantMs: number;
  wake: () => void;
}

/**
 * A simulated clock for runs that must cover hours or years of durable timers in seconds (the
 * benchmarks). Time stands still while work is in progress and jumps to the earliest wake-up once
 * every participant is asleep, so a five-minute export costs no real time but everything that
 * happens between two timers happens at one instant.
 *
 * Participants: each concurrent actor that sleeps on the clock (the orchestration runtime, a writer
 * adding data to the source) calls `join()` and sleeps on at most one timer at a time. With no
 * participant joined, the clock behaves as if there were one: every sleep advances at once.
 */
export class VirtualClock implements Clock {
  private nowMs: number;
  private participants = 0;
  private sleepers: Sleeper[] = [];
  private readonly listeners = new Set<(fromMs: number, toMs: number) => void>();

  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`VirtualClock start must be a finite instant in ms, got ${startMs}`);
    }
    this.nowMs = startMs;
  }

  // Bound (arrow) members: callers pass `clock.now` around on its own (createEngineDeps does).
  readonly now = (): number => this.nowMs;

  readonly sleepUntil = (instantMs: number, signal?: AbortSignal): Promise<void> => {
    if (Number.isNaN(instantMs)) {
      return Promise.reject(
        new RangeError("VirtualClock.sleepUntil needs an instant in ms, got NaN"),
      );
    }
    if (instantMs <= this.nowMs) return Promise.resolve();
    return new Promise<void>((wake) => {
      const sleeper = { instantMs, wake };
      this.sleepers.push(sleeper);
      // An aborted sleep (a timer that lost to an external event) is no longer asleep on the clock.
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        },
        { once: true },
      );
      this.advanceIfAllAsleep();
    });
  };

  /** Adds a participant; the clock then waits for it to sleep too. Returns the function that removes it. */
  join(): () => void {
    this.participants++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.participants--;
      this.advanceIfAllAsleep();
    };
  }

  /** Participants asleep right now. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /**
   * Moves the clock forward by hand (seeding data with historical timestamps), waking the sleepers
   * that are due. Never moves backwards: timestamps the servers issued must stay in order.
   */
  advanceTo(instantMs: number): void {
    if (!(instantMs >= this.nowMs)) {
      throw new RangeError(
        `VirtualClock cannot go back from ${new Date(this.nowMs).toISOString()} to ${String(instantMs)}`,
      );
    }
    this.moveTo(instantMs);
  }

  /**
   * Calls `listener(fromMs, toMs)` just before each move: everything that happens at `fromMs` has
   * happened by then (benchmarks read the servers' state at that instant). Returns an unsubscribe.
   */
  onAdvance(listener: (fromMs: number, toMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private advanceIfAllAsleep(): void {
    if (this.sleepers.length === 0 || this.sleepers.length < Math.max(1, this.participants)) return;
    const next = Math.min(...this.sleepers.map((s) => s.instantMs));
    this.moveTo(next);
  }

  private moveTo(instantMs: number): void {
    if (instantMs > this.nowMs) {
      for (const listener of this.listeners) listener(this.nowMs, instantMs);
      this.nowMs = instantMs;
    }
    const due = this.sleepers.filter((s) => s.instantMs <= instantMs);
    if (due.length === 0) return;
    this.sleepers = this.sleepers.filter((s) => s.instantMs > instantMs);
    for (const sleeper of due) sleeper.wake();
  }
}
