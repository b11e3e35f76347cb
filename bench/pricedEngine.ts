/**
 * The engine on the virtual clock with every request priced (bench/requestLatency.ts): each FHIR
 * request, table request, blob request and export-file stream of an activity, and the durable
 * message hops around it, cost simulated time, as they would cost real time in Azure.
 *
 * - FHIR requests are priced at the fetch the product's own client uses (so retries and paging count
 *   request by request); table requests at the table repositories the state store is built on; blob
 *   requests at the blob stores.
 * - An activity is a participant of the virtual clock while it runs (src/local/virtualClock.ts): the
 *   clock moves only when every activity of the pass sleeps on its requests, and while activities
 *   run the orchestration is not counted, since it only waits for them. So concurrent activities
 *   overlap their requests, and the pass ends when its slowest activity ends, as on the real host.
 * - `unitScale` prices a scaled replica like the full-size data: counted versions, streamed bytes
 *   and lines count `unitScale` times.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MigrationActivityName } from "../src/engine/activities";
import type { VerificationActivityName } from "../src/verify/activities";
import { createFhirClient } from "../src/fhir/client";
import type { EngineDeps } from "../src/engine/deps";
import type { LocalMigrationOptions } from "../src/local/localMigration";
import { runMigrationLocally } from "../src/local/localMigration";
import type { RunResult } from "../src/local/durableRuntime";
import type { VirtualClock } from "../src/local/virtualClock";
import type { BlobStore } from "../src/storage/blobStore";
import { MigrationStateStore } from "../src/storage/migrationStateStore";
import type { TableRepository, TableRow } from "../src/storage/tableRepository";
import { createTableRepository } from "../src/storage/tableRepository";
import type { RequestKind, RequestLatency } from "./requestLatency";
import { REQUEST_KINDS, countMs, scanFile } from "./requestLatency";

/** Rows per table query page and names per blob list page (the services' maxima). */
const TABLE_PAGE_ROWS = 1000;
const BLOB_LIST_PAGE = 5000;

export type RequestCounts = Record<RequestKind, number>;

export function noRequests(): RequestCounts {
  return Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as RequestCounts;
}

/** One activity call: when it ran on the simulated clock and the requests it sent. */
export interface ActivityCall {
  name: MigrationActivityName | VerificationActivityName;
  startMs: number;
  endMs: number;
  requests: RequestCounts;
  changed: boolean | undefined;
}

/** Which FHIR request a fetch is, by method and URL. */
export function fhirRequestKind(method: string, url: string): RequestKind {
  if (method === "DELETE" || /\$export|\$import|\/_operations\//.test(url)) return "job";
  if (url.includes("_summary=count")) return "count";
  if (url.includes("_history") && !/[?&]_count=1(&|$)/.test(url)) return "historyPage";
  return "search";
}

function requestUrl(input: string | URL | Request): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/**
 * The clock side of one activity call. The activity counts as asleep on the virtual clock only when
 * every request it has in flight is waiting out its latency and its own code has nothing left to
 * run (checked after the event loop's pending callbacks, setImmediate): then it sleeps until the
 * earliest of those requests answers. Requests it sends at once (Promise.all, a pool of streams)
 * overlap their latencies, as on the real host.
 */
class ActivityClock {
  /** When the activity's one thread is free of the export lines queued for checking. */
  cpuFreeMs = 0;
  private busy = 0;
  private waiting: { atMs: number; wake: () => void }[] = [];
  private asleep: AbortController | undefined;
  private settleQueued = false;

  constructor(
    private readonly clock: VirtualClock,
    readonly call: ActivityCall,
  ) {}

  /** A request's real work (the emulator, Azurite) is under way: the activity is not asleep. */
  begin(): void {
    this.busy++;
    this.asleep?.abort();
    this.asleep = undefined;
  }

  end(): void {
    this.busy--;
    this.queueSettle();
  }

  /** Resolves once the clock has moved `ms` on from now. */
  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((wake) => {
      this.waiting.push({ atMs: this.clock.now() + ms, wake });
      this.queueSettle();
    });
  }

  private queueSettle(): void {
    if (this.settleQueued) return;
    this.settleQueued = true;
    setImmediate(() => {
      this.settleQueued = false;
      this.settle();
    });
  }

  private settle(): void {
    if (this.busy > 0 || this.waiting.length === 0 || this.asleep !== undefined) return;
    const atMs = Math.min(...this.waiting.map((w) => w.atMs));
    const asleep = new AbortController();
    this.asleep = asleep;
    void this.clock.sleepUntil(atMs, asleep.signal).then(() => {
      if (this.asleep !== asleep) return;
      this.asleep = undefined;
      const now = this.clock.now();
      const due = this.waiting.filter((w) => w.atMs <= now);
      this.waiting = this.waiting.filter((w) => w.atMs > now);
      for (const w of due) w.wake();
      this.queueSettle();
    });
  }
}

export class PricedEngine {
  readonly calls: ActivityCall[] = [];
  /** Requests sent outside any activity (the tables' creation before the run): counted, not timed. */
  readonly outside = noRequests();
  private readonly current = new AsyncLocalStorage<ActivityClock>();

  constructor(
    private readonly clock: VirtualClock,
    readonly latency: RequestLatency,
    private readonly unitScale = 1,
  ) {}

  /** Runs `work` (a request's real part), then waits out the request's latency on the clock. */
  private async priced<T>(
    kind: RequestKind,
    work: () => Promise<T>,
    msOf: (result: T) => number,
  ): Promise<T> {
    const activity = this.current.getStore();
    if (activity === undefined) {
      this.outside[kind]++;
      return work();
    }
    activity.begin();
    let result: T;
    try {
      result = await work();
    } finally {
      activity.end();
    }
    activity.call.requests[kind]++;
    await activity.wait(msOf(result));
    return result;
  }

  /** An async iterable priced as one request when it ends (pages counted by `pageOf`). */
  private async *pricedIterable<T>(
    kind: RequestKind,
    items: () => AsyncIterable<T>,
    msOf: (count: number, items: T[]) => number,
    pagesOf: (count: number) => number,
  ): AsyncIterable<T> {
    const activity = this.current.getStore();
    if (activity === undefined) {
      this.outside[kind]++;
      yield* items();
      return;
    }
    activity.begin();
    let count = 0;
    const sample: T[] = [];
    let ended = false;
    try {
      for await (const item of items()) {
        count++;
        if (sample.length < 1) sample.push(item);
        yield item;
      }
      ended = true;
    } finally {
      activity.end();
      activity.call.requests[kind] += pagesOf(count);
      if (ended || count > 0) await activity.wait(msOf(count, sample));
    }
  }

  private fetchFor(inner: typeof fetch): typeof fetch {
    return (input, init) => {
      const url = requestUrl(input);
      const method = (
        init?.method ?? (input instanceof Request ? input.method : "GET")
      ).toUpperCase();
      const kind = fhirRequestKind(method, url);
      let ms = this.latency.ms[kind];
      return this.priced(
        kind,
        async () => {
          const response = await inner(input, init);
          if (kind === "count" && response.ok) {
            const body = (await response.clone().json()) as { total?: number };
            ms = countMs(this.latency, (body.total ?? 0) * this.unitScale);
          }
          return response;
        },
        () => ms,
      );
    };
  }

  /** `f` as one request of `kind`, at the profile's fixed time. */
  private one<A extends unknown[], R>(
    kind: RequestKind,
    f: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> {
    return (...args) =>
      this.priced(
        kind,
        () => f(...args),
        () => this.latency.ms[kind],
      );
  }

  private table<T extends TableRow>(repo: TableRepository<T>): TableRepository<T> {
    const ms = this.latency.ms.table;
    const one = <A extends unknown[], R>(f: (...args: A) => Promise<R>) => this.one("table", f);
    const pages = (rows: number) => Math.max(1, Math.ceil(rows / TABLE_PAGE_ROWS));
    return {
      tableName: repo.tableName,
      ensureTable: one(() => repo.ensureTable()),
      get: one((pk: string, rk: string) => repo.get(pk, rk)),
      insert: one((row: T) => repo.insert(row)),
      insertIfAbsent: one((row: T) => repo.insertIfAbsent(row)),
      update: one(
        (row: Parameters<typeof repo.update>[0], mode?: Parameters<typeof repo.update>[1]) =>
          repo.update(row, mode),
      ),
      upsert: one((row: T, mode?: Parameters<typeof repo.upsert>[1]) => repo.upsert(row, mode)),
      delete: one((pk: string, rk: string, etag?: string) => repo.delete(pk, rk, etag)),
      list: (pk, options) =>
        this.pricedIterable(
          "table",
          () => repo.list(pk, options),
          (n) => pages(n) * ms,
          pages,
        ),
    };
  }

  private blobs(store: BlobStore): BlobStore {
    const ms = this.latency.ms.blob;
    const one = <A extends unknown[], R>(f: (...args: A) => Promise<R>) => this.one("blob", f);
    const listPages = (n: number) => Math.max(1, Math.ceil(n / BLOB_LIST_PAGE));
    return {
      serviceUrl: store.serviceUrl,
      ensureContainer: one((c: string) => store.ensureContainer(c)),
      putText: one((c: string, n: string, t: string, type?: string) =>
        store.putText(c, n, t, type),
      ),
      getText: one((c: string, n: string) => store.getText(c, n)),
      list: (container, prefix) =>
        this.pricedIterable(
          "blob",
          () => store.list(container, prefix),
          (n) => listPages(n) * ms,
          listPages,
        ),
      listSizes: (container, prefix) =>
        this.pricedIterable(
          "blob",
          () => store.listSizes(container, prefix),
          (n) => listPages(n) * ms,
          listPages,
        ),
      deletePrefix: one((c: string, p: string) => store.deletePrefix(c, p)),
      deleteBlob: one((c: string, n: string) => store.deleteBlob(c, n)),
      readLinesByUrl: (url) => this.scanned(store, url),
      readTextByUrl: one((url: string) => store.readTextByUrl(url)),
      putTextAtUrl: one((url: string, text: string, type?: string) =>
        store.putTextAtUrl(url, text, type),
      ),
      deleteAtUrl: one((url: string) => store.deleteAtUrl(url)),
      copyFromUrl: one((url: string, c: string, n: string) => store.copyFromUrl(url, c, n)),
    };
  }

  /**
   * An export file read line by line: its download overlaps the others', its lines' checks wait for
   * the activity's one thread (requestLatency.ts, scanFile), priced when the file ends.
   */
  private async *scanned(store: BlobStore, url: string): AsyncIterable<string> {
    const activity = this.current.getStore();
    if (activity === undefined) {
      this.outside.stream++;
      yield* store.readLinesByUrl(url);
      return;
    }
    const startMs = this.clock.now();
    activity.begin();
    let bytes = 0;
    let lines = 0;
    try {
      for await (const line of store.readLinesByUrl(url)) {
        bytes += line.length + 1;
        lines++;
        yield line;
      }
    } finally {
      activity.end();
      activity.call.requests.stream++;
      const file = scanFile(
        this.latency,
        startMs,
        activity.cpuFreeMs,
        bytes * this.unitScale,
        lines * this.unitScale,
      );
      activity.cpuFreeMs = file.cpuFreeMs;
      await activity.wait(file.endMs - this.clock.now());
    }
  }

  /** The same dependencies with every request priced. */
  deps(base: EngineDeps): EngineDeps {
    const { settings } = base;
    const clientDeps = () => ({
      now: () => this.clock.now(),
      fetch: this.fetchFor(globalThis.fetch),
      sleep: (ms: number) => this.clock.sleepUntil(this.clock.now() + ms),
    });
    const { storage } = settings;
    return {
      ...base,
      source: createFhirClient(settings.source, settings.http, clientDeps()),
      destination: createFhirClient(settings.destination, settings.http, clientDeps()),
      state: new MigrationStateStore(
        this.table(createTableRepository(storage.tables, storage.cursorTable)),
        this.table(createTableRepository(storage.tables, storage.exportTable)),
        { partitionKey: storage.partitionKey, rowKey: storage.rowKey },
        () => this.clock.now(),
      ),
      blobs: this.blobs(base.blobs),
      staging: base.staging === base.blobs ? this.blobs(base.blobs) : this.blobs(base.staging),
    };
  }

  /**
   * Runs the migration with priced dependencies; `options.wrapActivity` runs inside the pricing.
   * The local runtime counts the orchestration and each activity among the clock's participants
   * (`Clock.join`), so simulated time moves on only when all of them sleep.
   */
  async run(base: EngineDeps, options: LocalMigrationOptions = {}): Promise<RunResult> {
    const deps = this.deps(base);
    const inner = options.wrapActivity ?? ((_name, call) => call());
    const hop = this.latency.ms.hop;
    const wrapActivity: LocalMigrationOptions["wrapActivity"] = async (name, call) => {
      const record: ActivityCall = {
        name,
        startMs: this.clock.now(),
        endMs: Number.NaN,
        requests: noRequests(),
        changed: undefined,
      };
      this.calls.push(record);
      const activity = new ActivityClock(this.clock, record);
      try {
        return await this.current.run(activity, async () => {
          record.requests.hop += 2;
          await activity.wait(hop);
          const result = await inner(name, call);
          await activity.wait(hop);
          record.changed = (result as { changed?: boolean } | null)?.changed;
          return result;
        });
      } finally {
        record.endMs = this.clock.now();
      }
    };
    return runMigrationLocally(deps, { ...options, clock: this.clock, wrapActivity });
  }
}
