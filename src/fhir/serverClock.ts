/**
 * The server's clock as its responses state it: every HTTP response carries a `Date` header (RFC 9110
 * §6.6.1, written by the server's own clock, whole seconds). The offset to this app's clock lets
 * planning cap windows by the source's clock too (src/engine/windowClock.ts).
 */
export class ServerClock {
  private offset: number | undefined;
  private observedAt: number | undefined;

  /** Records the offset a response's `Date` header shows; an absent or unreadable header is ignored. */
  observe(dateHeader: string | null, localNowMs: number): void {
    if (dateHeader === null) return;
    const serverMs = Date.parse(dateHeader);
    if (Number.isNaN(serverMs)) return;
    this.offset = serverMs - localNowMs;
    this.observedAt = localNowMs;
  }

  /**
   * Server time minus local time, in ms, from the latest response (undefined before one). The
   * header truncates to whole seconds, so a server in step with this app reads up to 1 s behind.
   */
  offsetMs(): number | undefined {
    return this.offset;
  }

  /** When (local clock) the offset was last observed. */
  lastObservedAt(): number | undefined {
    return this.observedAt;
  }

  /** Wraps a fetch so every response's `Date` header is observed. */
  observing(inner: typeof fetch, now: () => number): typeof fetch {
    return async (input, init) => {
      const response = await inner(input, init);
      this.observe(response.headers.get("date"), now());
      return response;
    };
  }
}
