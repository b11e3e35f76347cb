/**
 * One status report build at a time, shared by every request that arrives while it runs, and its
 * result reused for a short time after. Without this, each request read every state row on its
 * own: 200 concurrent requests on 40,000 rows held 200 copies of the rows at once (docs/status.md,
 * "Load").
 */

/**
 * How long a built report answers further requests, in milliseconds. 5 s is the shortest reload
 * interval the page accepts (REFRESH_RANGE.min in httpHandler.ts), so a page reloading at any
 * accepted interval never gets the same report twice, while any number of readers cost at most one
 * read of the state per 5 s.
 */
export const STATUS_REPORT_TTL_MS = 5_000;

export interface ReportCacheOptions {
  /** Milliseconds a built report is reused; 0: only requests during a build share it. */
  ttlMs?: number;
  /** A monotonic clock in milliseconds (real time: the cache limits real load, not state time). */
  now?: () => number;
}

/** Single-flight with a time-to-live: `get` starts a build only when none runs and none is fresh. */
export class SharedReport<T> {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private inFlight: Promise<T> | undefined;
  private fresh: { value: T; until: number } | undefined;

  constructor(options: ReportCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? STATUS_REPORT_TTL_MS;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 0)
      throw new RangeError(`ttlMs: received ${this.ttlMs}; expected a number of milliseconds ≥ 0`);
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The fresh report, the one being built, or a new build by `build`. A failed build is not kept:
   * the requests waiting on it get its error and the next request builds again.
   */
  get(build: () => Promise<T>): Promise<T> {
    if (this.fresh !== undefined && this.now() < this.fresh.until)
      return Promise.resolve(this.fresh.value);
    if (this.inFlight !== undefined) return this.inFlight;
    const running = build().then(
      (value) => {
        this.fresh = this.ttlMs > 0 ? { value, until: this.now() + this.ttlMs } : undefined;
        this.inFlight = undefined;
        return value;
      },
      (error: unknown) => {
        this.fresh = undefined;
        this.inFlight = undefined;
        throw error;
      },
    );
    this.inFlight = running;
    return running;
  }
}
