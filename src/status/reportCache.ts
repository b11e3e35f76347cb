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

/**
 * How old a report may be and still answer while its successor is built, in milliseconds: 30 s,
 * the page's default reload interval (DEFAULT_REFRESH_SECONDS in renderPage.ts). Readers then never
 * wait for a build except the first one and after 35 s without requests; the report's generatedAt
 * says how old it is.
 */
export const STATUS_REPORT_STALE_MS = 30_000;

export interface ReportCacheOptions {
  /** Milliseconds a built report is reused; 0: only requests during a build share it. */
  ttlMs?: number;
  /** Milliseconds after the TTL a report still answers while the next one is built; 0: never. */
  staleMs?: number;
  /** A monotonic clock in milliseconds (real time: the cache limits real load, not state time). */
  now?: () => number;
}

/** Single-flight with a time-to-live: `get` starts a build only when none runs and none is fresh. */
export class SharedReport<T> {
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  private inFlight: Promise<T> | undefined;
  private fresh: { value: T; until: number } | undefined;

  constructor(options: ReportCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? STATUS_REPORT_TTL_MS;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 0)
      throw new RangeError(`ttlMs: received ${this.ttlMs}; expected a number of milliseconds ≥ 0`);
    this.staleMs = options.staleMs ?? STATUS_REPORT_STALE_MS;
    if (!Number.isFinite(this.staleMs) || this.staleMs < 0)
      throw new RangeError(
        `staleMs: received ${this.staleMs}; expected a number of milliseconds ≥ 0`,
      );
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The fresh report; else the one being built, or a new build by `build`. A report past its TTL
   * but within staleMs answers at once while the next build runs. A failed build is not kept: the
   * requests waiting on it get its error, no older report answers after it, and the next request
   * builds again.
   */
  get(build: () => Promise<T>): Promise<T> {
    const now = this.now();
    const kept = this.fresh;
    if (kept !== undefined && now < kept.until) return Promise.resolve(kept.value);
    const running = this.inFlight ?? this.start(build);
    if (kept !== undefined && now < kept.until + this.staleMs) {
      // Its failure reaches the next request, which builds again and is answered with the error.
      running.catch(() => {});
      return Promise.resolve(kept.value);
    }
    return running;
  }

  private start(build: () => Promise<T>): Promise<T> {
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
