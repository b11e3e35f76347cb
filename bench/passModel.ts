/**
 * The catch-up as the orchestrator runs it, on simulated time, without servers or tables: the pass
 * loop of src/engine/migrationOrchestrator.ts around the real pass planner (decidePass,
 * src/core/passPlanner.ts) and the real window planner (planSizedWindow, src/core/windowSizing.ts;
 * cleanBoundary, src/core/windowBoundary.ts), against a source that answers the planner's count
 * and first-change queries exactly (bench/versionSource.ts) and job servers (bench/serverModel.ts).
 *
 * Each activity is the sequence of requests its code sends (`ACTIVITY_REQUESTS` and the steps
 * below, read from src/engine/activities/*), each priced by the request latency
 * (bench/requestLatency.ts), plus the durable message hop before and after it. The activities of
 * one pass run at once; the pass ends with the slowest. As in the orchestrator, a pass that changed
 * something is followed at once by the next; otherwise the next starts when the timer set at the
 * pass's start fires (AZURE_ScheduleInterval while work is in flight, AZURE_IdlePollMinutes when
 * idle), or when the pass ends if that is later.
 *
 * The engine replicas check this model: on the engine's own data and settings, with the same
 * request latency and the emulators' job model (FixedServers), the engine's measured catch-up and
 * this model's agree (bench/catchUp.ts).
 */
import type { Settings } from "../src/config/settings";
import { chunkLengthMs } from "../src/config/settings";
import type {
  ChunkExportStatus,
  ChunkImportStatus,
  PayloadStatus,
} from "../src/core/migrationState";
import { exportJob, importJob } from "../src/core/jobLifecycle";
import { ledgerStep, SKIPPED_SETTLE_MS } from "../src/core/ledger";
import type { PlanNextWindowInput, SelfStageOrder } from "../src/core/activityRegistry";
import type { PassAction, PassSnapshot } from "../src/core/passPlanner";
import { decidePass } from "../src/core/passPlanner";
import { SEARCH_PARAMETER_TYPE } from "../src/core/resourceTypes";
import { isSmallWindow, selfStagePolicy } from "../src/core/selfStaging";
import { cleanBoundary } from "../src/core/windowBoundary";
import { iso } from "../src/core/windows";
import type { CountedStretch } from "../src/core/windows";
import { countedAfter, planSizedWindow } from "../src/core/windowSizing";
import { BACKLOG_BEYOND_EXPORTS } from "../src/engine/activities/loadMigrationState";
import type { RequestKind, RequestLatency } from "./requestLatency";
import { countMs, scanFile } from "./requestLatency";
import type { ExportFile, JobServers } from "./serverModel";
import type { VersionSource } from "./versionSource";

/** Export files one BuildImportPayloads reads at once (SCAN_CONCURRENCY, src/engine/payloadInputs.ts). */
const SCAN_CONCURRENCY = 4;
/** Ledger entries reconciled per pass (READY_PER_PASS, src/engine/ledgerWork.ts). */
const LEDGER_READY_PER_PASS = 8;
/** Contiguous skipped stretches counted with one query (SKIPPED_BATCH, reconcileLedger.ts). */
const SKIPPED_BATCH = 100;

/**
 * Table requests of the fixed steps of each activity, on its critical path, in the order the code
 * sends them (each `get` + ETag-guarded `update` is two). Checked against the engine's measured
 * requests per activity on every replica run (bench/catchUp.ts).
 */
export const ACTIVITY_REQUESTS = {
  /**
   * shapingConflict (the settings row), getCursor, getCutover, the ledger's marker and open entries;
   * plus listChunksWithPayloads while chunks are open, the marker's move when the first open entry
   * moved, and the settings row's insert on the first pass.
   */
  loadTables: 5,
  /** getCursor, then getCutover in windowCapFor. */
  planStartTables: 2,
  /** updateCursor when the first planning sets the frontier. */
  planFirstFrontierTables: 2,
  /** skippedEntryAt's ledger read. */
  planSkippedEntryTables: 1,
  /** getChunk(next seq), insertChunk, the ledger entry, changeCursor (get + update). */
  planWindowTables: 5,
  /** Skipped-stretch entry, updateCursor, advanceWatermark (getCursor, rows, changeCursor). */
  planEmptyTables: 6,
  /** updateCursor(caughtUp) when the frontier is at the cap already. */
  planCaughtUpTables: 1,
  /** changeChunk (claim): get + update. */
  claimTables: 2,
  /** changeChunk recording the status URL. */
  recordTables: 2,
  /** getChunk (PollExport) or getPayload (PollImport). */
  pollTables: 1,
  /** PollExport on a 200: changeChunk, recordSuccess. */
  exportCompleteTables: 3,
  /** PollExport on a 200: storeManifest (container, blob). */
  exportCompleteBlobs: 2,
  /** BuildImportPayloads: getChunk, then updateChunk (get + update) at the end. */
  buildTables: 3,
  /** loadManifest, ensureContainer. */
  buildBlobs: 2,
  /** Per body: the inputs blob and the body blob; one payload row. */
  buildBodyBlobs: 2,
  buildBodyTables: 1,
  /** A SearchParameter file in the window: updateCursor (get + update). */
  searchParameterFlagTables: 2,
  /** StartImport: claim, body blob, kick-off, record, updateChunk: tables 2 + 2 + 2. */
  startImportTables: 6,
  startImportBlobs: 1,
  /** PollImport on a 200: the inputs blob; payload, settleChunk and cursor rows. */
  importCompleteBlobs: 1,
  importCompleteTables: 7,
  /** When that payload was the window's last: advanceWatermark (one more while others are open). */
  watermarkTables: 4,
  /** ReconcileLedger of a window: entry, chunk, failed rows; then the entry's update. */
  reconcileWindowTables: 5,
  /** ReconcileLedger of skipped stretches: entry, the stretches after it; then one update each. */
  reconcileSkippedTables: 2,
  /** MigrateSearchParameters: getCursor, updateCursor. */
  searchParameterTables: 3,
  /** Self-staging: claim, then the staging container, per type one file, the manifest (2), the chunk (2), recordSuccess. */
  selfStageTables: 3,
  selfStageBlobs: 3,
} as const;

interface ModelChunk {
  seq: number;
  sinceMs: number;
  tillMs: number;
  expectedCount: number;
  exportStatus: ChunkExportStatus;
  importStatus: ChunkImportStatus;
  processed: boolean;
  exportId?: number;
  files?: ExportFile[];
  payloads: ModelPayload[];
  searchParameters: number;
}

interface ModelPayload {
  chunkSeq: number;
  index: number;
  status: PayloadStatus;
  files: ExportFile[];
  importId?: number;
}

interface ModelLedgerEntry {
  sinceMs: number;
  tillMs: number;
  kind: "window" | "skipped";
  chunkSeqs: number[];
  final: boolean;
}

export interface PassModelOptions {
  settings: Settings;
  source: VersionSource;
  servers: JobServers;
  latency: RequestLatency;
  /** The migration's start on the simulated clock. */
  startMs: number;
  /** Bytes per version of the data (self-staged files). */
  bytesPerVersion: number;
  /** A scaled replica priced like its full size: counted versions, bytes and lines × this. */
  unitScale?: number;
  /** Safety stop: a run planning more passes than this is broken. */
  maxPasses?: number;
  /** Keep every activity call (name, start, end, requests) in the result. */
  trace?: boolean;
  /** Changes to activities this model can predict (docs/performance.md, "Missed targets"). */
  proposed?: readonly ProposedChange[];
}

/**
 * Activity changes the model runs to predict their effect (not in the product):
 * `reconcile-changes`: ReconcileLedger reports a change when it concludes an entry, so the pass
 * after the last one follows at once instead of after AZURE_ScheduleInterval.
 */
export const PROPOSED_CHANGES = ["reconcile-changes"] as const;
export type ProposedChange = (typeof PROPOSED_CHANGES)[number];

export interface ActivityTotals {
  calls: number;
  ms: number;
  requests: Partial<Record<RequestKind, number>>;
}

export interface PassModelResult {
  catchUpMs: number;
  /**
   * Where the catch-up's time went: passes' state loads, each pass's activities (by the activity
   * that ended last), and waits on the timer between passes.
   */
  timeline: { loadMs: number; bySlowestMs: Record<string, number>; waitMs: number };
  /** The longest activity call (the Functions host stops an activity at 10 minutes). */
  longestActivity: { name: string; ms: number };
  /** The longest PlanNextWindow call (it counts the backlog: bounded by core/windowSizing.ts). */
  longestPlanningMs: number;
  passes: number;
  plannings: number;
  windows: number;
  windowVersions: number[];
  /** Source requests of the plannings: oldest-change and first-change queries, counts, boundary probes. */
  planningRequests: number;
  exportJobs: number;
  selfStaged: number;
  importJobs: number;
  destinationBusyMs: number;
  requests: Partial<Record<RequestKind, number>>;
  activities: Record<string, ActivityTotals>;
  windowBounds?: { sinceMs: number; tillMs: number }[];
  trace?: {
    name: string;
    startMs: number;
    endMs: number;
    requests: Partial<Record<RequestKind, number>>;
  }[];
}

/** An activity: yields the time each request takes; the scheduler runs it at that time. */
type ActivityRun = Generator<number, { changed: boolean; caughtUp?: boolean }, void>;

interface PlannedQueries {
  /** Each source request, in order, with its time. */
  requests: { kind: "search" | "count"; ms: number }[];
  result:
    | {
        kind: "window";
        sinceMs: number;
        tillMs: number;
        count: number;
        /** What the planning counted beyond the window, for the next (cursor.countedAhead). */
        countedAhead: CountedStretch | undefined;
      }
    | { kind: "empty"; tillMs: number }
    | { kind: "caught-up" };
}

export class PassModel {
  private readonly s: Settings;
  private nowMs: number;
  private frontierMs: number | undefined;
  private nextSeq = 1;
  private countedAhead: CountedStretch | undefined;
  private caughtUp = false;
  private searchParametersMigrated = false;
  private serverClockKnown = false;
  private readonly open = new Map<number, ModelChunk>();
  private readonly ledger: ModelLedgerEntry[] = [];
  private ledgerFrom = 0;
  private readonly result: PassModelResult = {
    catchUpMs: 0,
    timeline: { loadMs: 0, bySlowestMs: {}, waitMs: 0 },
    longestActivity: { name: "", ms: 0 },
    longestPlanningMs: 0,
    passes: 0,
    plannings: 0,
    windows: 0,
    windowVersions: [],
    planningRequests: 0,
    exportJobs: 0,
    selfStaged: 0,
    importJobs: 0,
    destinationBusyMs: 0,
    requests: {},
    activities: {},
  };
  /** The activity being run and its start (for its totals). */
  private counting: ActivityTotals | undefined;
  private readonly unitScale: number;
  private readonly sourceHasSearchParameters: boolean;

  constructor(private readonly o: PassModelOptions) {
    this.s = o.settings;
    this.nowMs = o.startMs;
    this.unitScale = o.unitScale ?? 1;
    if (!this.s.export.isParallel)
      throw new Error("the pass model plans system-level windows only (AZURE_IsParallel=true)");
    this.sourceHasSearchParameters = o.source
      .countByType(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)
      .has(SEARCH_PARAMETER_TYPE);
  }

  private cost(kind: RequestKind, ms = this.o.latency.ms[kind]): number {
    this.result.requests[kind] = (this.result.requests[kind] ?? 0) + 1;
    if (this.counting !== undefined)
      this.counting.requests[kind] = (this.counting.requests[kind] ?? 0) + 1;
    return ms;
  }

  private *tables(n: number): Generator<number, void, void> {
    for (let i = 0; i < n; i++) yield this.cost("table");
  }

  private *blobs(n: number): Generator<number, void, void> {
    for (let i = 0; i < n; i++) yield this.cost("blob");
  }

  private count(n: number): number {
    return this.cost("count", countMs(this.o.latency, n * this.unitScale));
  }

  /**
   * A source request sent now, answering after `ms`: its Date header (whole seconds, the source's
   * clock) gives the offset the planner caps windows with (src/fhir/serverClock.ts).
   */
  private fromSource(ms: number): number {
    const sentMs = this.nowMs;
    this.sourceDates.push({
      atMs: sentMs + ms,
      offsetMs: Math.floor(sentMs / 1000) * 1000 - (sentMs + ms),
    });
    return ms;
  }

  /** The source clock's offset as last observed by `atMs` (undefined before any answer). */
  private sourceOffsetAt(atMs: number): number | undefined {
    let latest: { atMs: number; offsetMs: number } | undefined;
    for (const d of this.sourceDates)
      if (d.atMs <= atMs && (latest === undefined || d.atMs >= latest.atMs)) latest = d;
    if (this.sourceDates.length > 64) this.sourceDates.splice(0, this.sourceDates.length - 16);
    return latest?.offsetMs;
  }

  private readonly sourceDates: { atMs: number; offsetMs: number }[] = [];

  /** Runs the migration until it stops caught up; returns its figures. */
  async run(): Promise<PassModelResult> {
    const maxPasses = this.o.maxPasses ?? 5_000_000;
    let caughtUpConfirmed = false;
    for (let pass = 1; ; pass++) {
      if (pass > maxPasses) throw new Error(`pass model: no end after ${maxPasses} passes`);
      this.result.passes = pass;
      const snapshot = this.snapshot();
      const loaded = this.runActivities(this.nowMs, [
        { name: "LoadMigrationState", run: this.load() },
      ]);
      const passMs = loaded.endMs;
      const decision = decidePass(snapshot, false, { stopWhenCaughtUp: caughtUpConfirmed });
      if (decision.kind === "stop") {
        if (decision.outcome !== "caught-up")
          throw new Error(`pass model: the run stopped ${decision.outcome}: ${decision.reason}`);
        this.result.catchUpMs = passMs - this.o.startMs;
        this.result.destinationBusyMs = this.o.servers.destinationBusyMs(passMs);
        return this.result;
      }
      const runs: { name: string; run: ActivityRun }[] = [];
      for (const action of decision.actions) runs.push(await this.activity(action, passMs));
      const done = this.runActivities(passMs, runs);
      const t = this.result.timeline;
      t.loadMs += passMs - loaded.startMs;
      if (done.slowest !== undefined)
        t.bySlowestMs[done.slowest] = (t.bySlowestMs[done.slowest] ?? 0) + done.endMs - passMs;
      const changed = done.outcomes.some((r) => r.changed);
      const planIndex = decision.actions.findIndex((a) => a.activity === "PlanNextWindow");
      if (planIndex >= 0) caughtUpConfirmed = done.outcomes[planIndex]?.caughtUp === true;
      const aboutToStop = caughtUpConfirmed && decision.inFlight === 0;
      if (changed || aboutToStop) this.nowMs = done.endMs;
      else {
        const waitMs =
          decision.inFlight > 0 ? this.s.schedule.pollIntervalMs : this.s.schedule.idlePollMs;
        this.nowMs = Math.max(done.endMs, passMs + waitMs);
        t.waitMs += this.nowMs - done.endMs;
      }
    }
  }

  /**
   * Runs activities started at `startMs` at once, each request at its instant (so the servers see
   * requests in time order); each costs a message hop before and after.
   */
  private runActivities(
    startMs: number,
    runs: readonly { name: string; run: ActivityRun }[],
  ): {
    startMs: number;
    endMs: number;
    slowest: string | undefined;
    outcomes: { changed: boolean; caughtUp?: boolean }[];
  } {
    const hop = this.o.latency.ms.hop;
    const state = runs.map((r) => {
      const totals = (this.result.activities[r.name] ??= { calls: 0, ms: 0, requests: {} });
      totals.calls++;
      const call: ActivityTotals = { calls: 1, ms: 0, requests: {} };
      return {
        ...r,
        atMs: startMs + hop,
        done: false,
        totals,
        call,
        outcome: { changed: false } as { changed: boolean; caughtUp?: boolean },
      };
    });
    let endMs = startMs;
    let slowest: string | undefined;
    for (;;) {
      let next: (typeof state)[number] | undefined;
      for (const a of state) if (!a.done && (next === undefined || a.atMs < next.atMs)) next = a;
      if (next === undefined) break;
      this.nowMs = next.atMs;
      this.counting = next.call;
      const step = next.run.next();
      this.counting = undefined;
      if (step.done === true) {
        next.done = true;
        next.outcome = step.value;
        const end = next.atMs + hop;
        next.totals.ms += end - startMs;
        if (end - startMs > this.result.longestActivity.ms)
          this.result.longestActivity = { name: next.name, ms: end - startMs };
        if (next.name === "PlanNextWindow")
          this.result.longestPlanningMs = Math.max(this.result.longestPlanningMs, end - startMs);
        for (const [k, v] of Object.entries(next.call.requests) as [RequestKind, number][])
          next.totals.requests[k] = (next.totals.requests[k] ?? 0) + v;
        if (this.o.trace === true)
          (this.result.trace ??= []).push({
            name: next.name,
            startMs,
            endMs: end,
            requests: next.call.requests,
          });
        if (end >= endMs) slowest = next.name;
        endMs = Math.max(endMs, end);
      } else next.atMs += step.value;
    }
    this.result.requests.hop = (this.result.requests.hop ?? 0) + 2 * runs.length;
    return { startMs, endMs, slowest, outcomes: state.map((a) => a.outcome) };
  }

  private async activity(
    action: PassAction,
    startMs: number,
  ): Promise<{ name: string; run: ActivityRun }> {
    const name = action.activity;
    switch (action.activity) {
      case "PlanNextWindow":
        return { name, run: this.plan(await this.planQueries(startMs), action.input) };
      case "StartExport":
        return { name, run: this.startExport(action.input.seq, action.input.selfStage) };
      case "PollExport":
        return { name, run: this.pollExport(action.input.seq) };
      case "BuildImportPayloads":
        return { name, run: this.buildPayloads(action.input.seq) };
      case "StartImport":
        return { name, run: this.startImport(action.input.chunkSeq, action.input.index) };
      case "PollImport":
        return { name, run: this.pollImport(action.input.chunkSeq, action.input.index) };
      case "ReconcileLedger":
        return { name, run: this.reconcile(Date.parse(action.input.since)) };
      case "MigrateSearchParameters":
        return { name, run: this.migrateSearchParameters() };
      default:
        throw new Error(
          `pass model: the orchestrator asked for ${name}, which the model does not run`,
        );
    }
  }

  private snapshot(): PassSnapshot {
    const chunks = [...this.open.values()].sort((a, b) => a.seq - b.seq);
    const processed = (seq: number) => !this.open.has(seq) || this.open.get(seq)!.processed;
    const ready: string[] = [];
    let blocking = 0;
    let last: ModelLedgerEntry | undefined;
    while (this.ledgerFrom < this.ledger.length && this.ledger[this.ledgerFrom]!.final)
      this.ledgerFrom++;
    for (let i = this.ledgerFrom; i < this.ledger.length; i++) {
      const e = this.ledger[i]!;
      if (e.final) continue;
      if (e.kind === "window") blocking++;
      if (ready.length >= LEDGER_READY_PER_PASS) continue;
      const step = ledgerStep(
        {
          status: "pending",
          nextCheckAt: undefined,
          chunkSeqs: e.chunkSeqs,
          kind: e.kind,
          till: iso(e.tillMs),
        },
        processed,
        this.nowMs,
      );
      if (step === undefined) continue;
      const batched =
        last !== undefined &&
        last.kind === "skipped" &&
        e.kind === "skipped" &&
        last.tillMs === e.sinceMs;
      if (!batched) ready.push(iso(e.sinceMs));
      last = e;
    }
    const s = this.s;
    return {
      halted: false,
      haltReason: undefined,
      frontierAtEndDate: false,
      caughtUp: this.caughtUp,
      searchParametersPending: !this.searchParametersMigrated,
      reindex: "none",
      chunks: chunks.map((c) => ({
        seq: c.seq,
        exportStatus: c.exportStatus,
        importStatus: c.importStatus,
        processed: c.processed,
        expectedCount: c.expectedCount,
      })),
      payloads: chunks.flatMap((c) =>
        c.payloads
          .filter((p) => p.status !== "Completed")
          .map((p) => ({ chunkSeq: p.chunkSeq, index: p.index, status: p.status })),
      ),
      watermark: undefined,
      resourcesImported: 0,
      resourcesFailed: 0,
      estimateSeconds: undefined,
      ledger: { ready, blocking },
      // The model never crashes mid-write, so nothing is left for a repair pass.
      repair: { frontier: undefined, chunks: [] },
      policy: {
        maxExportsInFlight: s.export.maxInFlight,
        payloadCount: s.import.payloadCount,
        maxUnprocessedChunks: s.export.maxInFlight + BACKLOG_BEYOND_EXPORTS,
        pollIntervalMs: s.schedule.pollIntervalMs,
        idlePollMs: s.schedule.idlePollMs,
        reindexAfterCatchUp: false,
        selfStage: selfStagePolicy(s.export, s.export.selfStage),
        pause: { enabled: false, startHour: 0, endHour: 0, continueLastImportDuringPause: false },
      },
    };
  }

  private *load(): ActivityRun {
    let tables = ACTIVITY_REQUESTS.loadTables;
    if (this.firstLoad) tables++;
    this.firstLoad = false;
    if (this.open.size > 0) tables++;
    // ledgerStore.listOpen moves its marker to the first open entry (or the last one, none open).
    let firstOpen: number | undefined;
    for (let i = this.ledgerFrom; i < this.ledger.length; i++) {
      if (!this.ledger[i]!.final) {
        firstOpen = this.ledger[i]!.sinceMs;
        break;
      }
    }
    const marker = firstOpen ?? this.ledger.at(-1)?.sinceMs;
    if (marker !== undefined && (this.ledgerMarker === undefined || marker > this.ledgerMarker)) {
      tables++;
      this.ledgerMarker = marker;
    }
    yield* this.tables(tables);
    return { changed: false };
  }

  private firstLoad = true;
  private ledgerMarker: number | undefined;

  /**
   * The planning's source requests, computed when the activity starts: the source does not change
   * during a catch-up, and the cap is read at a known instant (after the first table read and, for
   * the process's first planning, the query that reads the source's clock).
   */
  private async planQueries(startMs: number): Promise<PlannedQueries> {
    const requests: PlannedQueries["requests"] = [];
    const lat = this.o.latency.ms;
    const search = () => requests.push({ kind: "search", ms: lat.search });
    let atMs = startMs + lat.hop + lat.table;
    let offsetMs = this.sourceOffsetAt(atMs);
    if (!this.serverClockKnown) {
      search();
      offsetMs = Math.floor(atMs / 1000) * 1000 - (atMs + lat.search);
      atMs += lat.search;
    }
    // windowCapFor: capped by the source's clock too (src/core/sourceClock.ts, windowClock).
    const capMs = Math.min(atMs, atMs + (offsetMs ?? 0)) - this.s.chunking.safetyLagMs;
    let frontierMs = this.frontierMs;
    if (frontierMs === undefined) {
      search();
      frontierMs = this.o.source.firstAtOrAfter(Number.NEGATIVE_INFINITY);
      if (frontierMs === undefined) return { requests, result: { kind: "caught-up" } };
    }
    if (frontierMs >= capMs) return { requests, result: { kind: "caught-up" } };
    search();
    const nextChange = this.o.source.firstAtOrAfter(frontierMs);
    const count = (sinceMs: number, tillMs: number) => {
      const n = this.o.source.count(sinceMs, tillMs);
      requests.push({ kind: "count", ms: countMs(this.o.latency, n * this.unitScale) });
      return Promise.resolve(n);
    };
    const plan = await planSizedWindow(
      iso(frontierMs),
      nextChange === undefined ? undefined : iso(nextChange),
      {
        lengthMs: chunkLengthMs(this.s.chunking.unit, this.s.chunking.parallelChunkLength),
        chunkLimit: this.s.chunking.chunkLimit,
        targetVersions: this.s.chunking.targetVersions,
        capMs,
        windowsPlanned: this.nextSeq - 1,
      },
      (w) => count(Date.parse(w.since), Date.parse(w.till)),
      this.countedAhead,
    );
    if (plan.kind === "caught-up") return { requests, result: { kind: "caught-up" } };
    if (plan.kind === "empty")
      return { requests, result: { kind: "empty", tillMs: Date.parse(plan.till) } };
    const sinceMs = Date.parse(plan.window.since);
    let tillMs = Date.parse(plan.window.till);
    const choice = await cleanBoundary(tillMs, sinceMs, capMs, (at) => count(at, at + 1));
    let windowCount = plan.count;
    if (choice.tillMs !== tillMs) {
      tillMs = choice.tillMs;
      windowCount = await count(sinceMs, tillMs);
    }
    const countedAhead = countedAfter(
      plan.counted,
      { since: plan.window.since, till: iso(tillMs) },
      windowCount,
    );
    return {
      requests,
      result: { kind: "window", sinceMs, tillMs, count: windowCount, countedAhead },
    };
  }

  private proposes(change: ProposedChange): boolean {
    return this.o.proposed?.includes(change) === true;
  }

  private *plan(q: PlannedQueries, input: PlanNextWindowInput): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    this.result.plannings++;
    this.result.planningRequests += q.requests.length;
    let request = 0;
    const next = (): number => {
      const { kind, ms } = q.requests[request++]!;
      return this.fromSource(this.cost(kind, ms));
    };
    yield* this.tables(1);
    if (!this.serverClockKnown) {
      this.serverClockKnown = true;
      yield next();
    }
    yield* this.tables(r.planStartTables - 1);
    if (this.frontierMs === undefined) {
      yield next();
      const first = this.o.source.firstAtOrAfter(Number.NEGATIVE_INFINITY);
      if (first === undefined) {
        this.caughtUp = true;
        return { changed: false, caughtUp: true };
      }
      yield* this.tables(r.planFirstFrontierTables);
      this.frontierMs = first;
    }
    if (q.result.kind === "caught-up") {
      yield* this.tables(r.planCaughtUpTables);
      this.caughtUp = true;
      return { changed: false, caughtUp: true };
    }
    yield* this.tables(r.planSkippedEntryTables);
    while (request < q.requests.length) yield next();
    if (q.result.kind === "empty") {
      const tillMs = q.result.tillMs;
      this.ledger.push({
        sinceMs: this.frontierMs!,
        tillMs,
        kind: "skipped",
        chunkSeqs: [],
        final: false,
      });
      yield* this.tables(r.planEmptyTables);
      this.frontierMs = tillMs;
      this.caughtUp = true;
      return { changed: false, caughtUp: true };
    }
    const { sinceMs, tillMs, count } = q.result;
    yield* this.tables(r.planWindowTables - 2);
    const seq = this.nextSeq++;
    const byType = this.o.source.countByType(sinceMs, tillMs);
    this.open.set(seq, {
      seq,
      sinceMs,
      tillMs,
      expectedCount: count,
      exportStatus: "Planned",
      importStatus: "Not Started",
      processed: false,
      payloads: [],
      searchParameters: byType.get(SEARCH_PARAMETER_TYPE) ?? 0,
    });
    this.ledger.push({ sinceMs, tillMs, kind: "window", chunkSeqs: [seq], final: false });
    yield* this.tables(2);
    this.frontierMs = tillMs;
    this.countedAhead = q.result.countedAhead;
    this.caughtUp = false;
    this.result.windows++;
    this.result.windowVersions.push(count);
    if (this.o.trace === true) (this.result.windowBounds ??= []).push({ sinceMs, tillMs });
    // A small window the pass said to stage goes on in this activity (planNextWindow.ts).
    const policy = selfStagePolicy(this.s.export, this.s.export.selfStage);
    if (input !== null && isSmallWindow(count, policy))
      yield* this.startExport(seq, input.selfStage);
    return { changed: true };
  }

  private chunk(seq: number): ModelChunk {
    const c = this.open.get(seq);
    if (c === undefined) throw new Error(`pass model: chunk ${seq} is not open`);
    return c;
  }

  private *startExport(seq: number, selfStage: SelfStageOrder | undefined): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    const c = this.chunk(seq);
    yield* this.tables(r.claimTables);
    c.exportStatus = exportJob.next(c.exportStatus, "claim");
    if (selfStage !== undefined) {
      const pageSize = this.s.export.selfStage.pageSize;
      const pages = Math.max(1, Math.ceil(c.expectedCount / pageSize));
      yield* this.blobs(1);
      for (let p = 0; p < Math.min(pages, selfStage.pages); p++)
        yield this.fromSource(this.cost("historyPage"));
      if (pages <= selfStage.pages) {
        const byType = this.o.source.countByType(c.sinceMs, c.tillMs);
        yield* this.blobs(byType.size + r.selfStageBlobs);
        yield* this.tables(r.selfStageTables - 1);
        c.files = [...byType].map(([type, n]) => ({
          type,
          resources: n,
          bytes: n * this.o.bytesPerVersion,
        }));
        c.exportStatus = exportJob.next(c.exportStatus, "complete");
        this.result.selfStaged++;
        yield* this.tables(1);
        yield* this.buildAndStartImports(seq, selfStage.importSlots);
        return { changed: true };
      }
    }
    // The server acts when the request arrives; the answer comes back after its latency.
    c.exportId = this.o.servers.startExport(
      this.nowMs,
      this.o.source.countByType(c.sinceMs, c.tillMs),
    );
    this.result.exportJobs++;
    yield this.fromSource(this.cost("job"));
    yield* this.tables(r.recordTables);
    c.exportStatus = exportJob.next(c.exportStatus, "record");
    return { changed: true };
  }

  /**
   * The staged window carried on in its StartExport (src/engine/activities/startExport.ts): the
   * build, then getCursor and listPayloads, then its imports, one after another
   * here (the engine starts them side by side; a small window has one payload).
   */
  private *buildAndStartImports(seq: number, importSlots: number): ActivityRun {
    yield* this.buildPayloads(seq);
    if (importSlots <= 0) return { changed: true };
    yield* this.tables(1);
    if (!this.searchParametersMigrated) return { changed: true };
    yield* this.tables(1);
    // A window whose build found nothing to import is processed (and closed) already.
    const payloads = this.open.get(seq)?.payloads ?? [];
    const pending = payloads.filter((p) => p.status === "Pending").slice(0, importSlots);
    for (const p of pending) yield* this.startImport(seq, p.index);
    return { changed: true };
  }

  private *pollExport(seq: number): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    const c = this.chunk(seq);
    yield* this.tables(r.pollTables);
    const files = this.o.servers.exportResult(c.exportId!, this.nowMs);
    yield this.fromSource(this.cost("job"));
    if (files === undefined) return { changed: false };
    yield* this.blobs(r.exportCompleteBlobs);
    yield* this.tables(r.exportCompleteTables - 1);
    c.files = files;
    c.exportStatus = exportJob.next(c.exportStatus, "complete");
    yield* this.tables(1);
    return { changed: true };
  }

  private *buildPayloads(seq: number): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    const c = this.chunk(seq);
    yield* this.tables(1);
    yield* this.blobs(r.buildBlobs);
    const files = (c.files ?? []).filter((f) => f.type !== SEARCH_PARAMETER_TYPE);
    const fileCount = this.s.import.fileCount;
    const bodies: ExportFile[][] = [];
    for (let i = 0; i < files.length; i += fileCount) bodies.push(files.slice(i, i + fileCount));
    for (const [index, body] of bodies.entries()) {
      yield this.scan(body);
      yield* this.blobs(r.buildBodyBlobs);
      yield* this.tables(r.buildBodyTables);
      c.payloads.push({ chunkSeq: seq, index, status: "Pending", files: body });
    }
    if ((c.files ?? []).some((f) => f.type === SEARCH_PARAMETER_TYPE)) {
      yield* this.tables(r.searchParameterFlagTables);
      this.searchParametersMigrated = false;
    }
    yield* this.tables(r.buildTables - 1);
    if (bodies.length === 0) {
      c.importStatus = "Completed";
      c.processed = true;
      this.open.delete(seq);
      yield* this.tables(r.watermarkTables + (this.open.size > 0 ? 1 : 0));
    } else c.importStatus = "Payloads Ready";
    return { changed: true };
  }

  /**
   * The body's files streamed SCAN_CONCURRENCY at a time, their lines checked on one thread: how
   * long until the last one is done.
   */
  private scan(files: readonly ExportFile[]): number {
    const lanes = new Array<number>(Math.min(SCAN_CONCURRENCY, files.length)).fill(0);
    let cpuFreeMs = 0;
    for (const f of files) {
      let i = 0;
      for (let l = 1; l < lanes.length; l++) if (lanes[l]! < lanes[i]!) i = l;
      const file = scanFile(
        this.o.latency,
        lanes[i]!,
        cpuFreeMs,
        f.bytes * this.unitScale,
        f.resources * this.unitScale,
      );
      this.cost("stream", 0);
      cpuFreeMs = file.cpuFreeMs;
      lanes[i] = file.endMs;
    }
    return Math.max(0, ...lanes);
  }

  private payload(chunkSeq: number, index: number): ModelPayload {
    const p = this.chunk(chunkSeq).payloads[index];
    if (p === undefined) throw new Error(`pass model: payload ${chunkSeq}/${index} does not exist`);
    return p;
  }

  private *startImport(chunkSeq: number, index: number): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    const p = this.payload(chunkSeq, index);
    yield* this.tables(2);
    p.status = importJob.next(p.status, "claim");
    yield* this.blobs(r.startImportBlobs);
    p.importId = this.o.servers.startImport(this.nowMs, p.files);
    this.result.importJobs++;
    yield this.cost("job");
    yield* this.tables(r.startImportTables - 2);
    p.status = importJob.next(p.status, "record");
    const c = this.chunk(chunkSeq);
    if (c.importStatus === "Payloads Ready") c.importStatus = "Running";
    return { changed: true };
  }

  private *pollImport(chunkSeq: number, index: number): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    const p = this.payload(chunkSeq, index);
    yield* this.tables(r.pollTables);
    const done = this.o.servers.importDone(p.importId!, this.nowMs);
    yield this.cost("job");
    if (!done) return { changed: false };
    yield* this.blobs(r.importCompleteBlobs);
    yield* this.tables(r.importCompleteTables);
    p.status = importJob.next(p.status, "complete");
    const c = this.chunk(chunkSeq);
    if (c.payloads.every((x) => x.status === "Completed")) {
      c.importStatus = "Completed";
      c.processed = true;
      this.open.delete(chunkSeq);
      yield* this.tables(r.watermarkTables + (this.open.size > 0 ? 1 : 0));
    }
    return { changed: true };
  }

  private *reconcile(sinceMs: number): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    let at = -1;
    for (let i = this.ledgerFrom; i < this.ledger.length; i++) {
      const e = this.ledger[i]!;
      if (e.sinceMs === sinceMs && !e.final) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new Error(`pass model: no open ledger entry at ${iso(sinceMs)}`);
    const entry = this.ledger[at]!;
    if (entry.kind === "window") {
      yield* this.tables(r.reconcileWindowTables - 2);
      const n = this.o.source.count(entry.sinceMs, entry.tillMs);
      // Source and destination counted at once (reconcileLedger.ts, countEntry).
      yield Math.max(this.fromSource(this.count(n)), this.count(n));
      yield* this.tables(2);
      entry.final = true;
      return { changed: this.proposes("reconcile-changes") };
    }
    yield* this.tables(r.reconcileSkippedTables);
    const batch = [entry];
    for (let i = at + 1; i < this.ledger.length && batch.length < SKIPPED_BATCH; i++) {
      const e = this.ledger[i]!;
      if (e.kind !== "skipped" || e.final || e.sinceMs !== batch.at(-1)!.tillMs) break;
      if (e.tillMs + SKIPPED_SETTLE_MS > this.nowMs) break;
      batch.push(e);
    }
    yield this.fromSource(this.count(this.o.source.count(entry.sinceMs, batch.at(-1)!.tillMs)));
    for (const e of batch) {
      yield* this.tables(1);
      e.final = true;
    }
    return { changed: false };
  }

  private *migrateSearchParameters(): ActivityRun {
    const r = ACTIVITY_REQUESTS;
    yield* this.tables(1);
    yield this.fromSource(this.cost("search"));
    if (this.sourceHasSearchParameters) {
      yield this.cost("search");
      if (!this.searchParametersCopied) {
        yield this.cost("search");
        this.searchParametersCopied = true;
      }
    }
    yield* this.tables(r.searchParameterTables - 1);
    this.searchParametersMigrated = true;
    return { changed: true };
  }

  private searchParametersCopied = false;
}
