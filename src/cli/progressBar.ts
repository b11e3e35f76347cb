/**
 * The CLI's progress reporters. The migration's, used by `run` and `lift-and-shift`, renders the
 * engine's progress events (src/core/progress.ts) as a bar on a terminal, or as a line at most every
 * 10 seconds when stderr is not a terminal (a log file, CI); with --json it prints nothing. The full
 * check's, used by `verify`, prints its units and versions compared.
 */
import { SingleBar } from "cli-progress";
import { estimateSecondsLeft } from "../core/fullUnits";
import type { ProgressEvent, ProgressPhase, ProgressSink } from "../core/progress";
import { formatDuration, timeLeft } from "../status/format";
import type { CliRuntime } from "./runtime";

/** What the bar shows, folded from the events received so far. */
export interface ProgressView {
  phase: ProgressPhase | undefined;
  watermark: string | undefined;
  windowsPlanned: number;
  windowsExported: number;
  windowsImported: number;
  exportsInFlight: number;
  importsInFlight: number;
  /** Imported plus rejected by the destination. */
  resourcesDone: number;
  /** resourcesDone plus what the open windows still expect. */
  resourcesKnown: number;
  estimateSeconds: number | undefined;
}

export const EMPTY_VIEW: ProgressView = {
  phase: undefined,
  watermark: undefined,
  windowsPlanned: 0,
  windowsExported: 0,
  windowsImported: 0,
  exportsInFlight: 0,
  importsInFlight: 0,
  resourcesDone: 0,
  resourcesKnown: 0,
  estimateSeconds: undefined,
};

/** The view after one more event. */
export function foldProgress(view: ProgressView, event: ProgressEvent): ProgressView {
  if (event.kind === "phase") return { ...view, phase: event.phase };
  if (event.kind !== "pass") return view;
  const done = event.resources.imported + event.resources.failed;
  return {
    ...view,
    watermark: event.watermark,
    windowsPlanned: event.windows.planned,
    windowsExported: event.windows.exported,
    windowsImported: event.windows.imported,
    exportsInFlight: event.exportsInFlight,
    importsInFlight: event.importsInFlight,
    resourcesDone: done,
    resourcesKnown: done + event.resources.remaining,
    estimateSeconds: event.estimateSeconds,
  };
}

/**
 * Share done, 0..100: from the time spent and the estimate of time left once there is an estimate
 * (100 when caught up), else from resources done of those known so far. Never 100 before the
 * estimate says caught up: more windows may still be planned.
 */
export function progressPercent(view: ProgressView, elapsedMs: number): number {
  if (view.estimateSeconds === 0) return 100;
  if (view.estimateSeconds !== undefined)
    return Math.min(99, Math.round((100 * elapsedMs) / (elapsedMs + view.estimateSeconds * 1000)));
  if (view.resourcesKnown === 0) return 0;
  return Math.min(99, Math.floor((100 * view.resourcesDone) / view.resourcesKnown));
}

/** The fields the bar and the log line print. */
export function progressFields(view: ProgressView): Record<string, string | number> {
  return {
    phase: view.phase ?? "starting",
    watermark: view.watermark ?? "-",
    windows: `${view.windowsImported}/${view.windowsPlanned}`,
    exported: view.windowsExported,
    exports: view.exportsInFlight,
    imports: view.importsInFlight,
    resources: `${view.resourcesDone}/${view.resourcesKnown}`,
    eta: view.estimateSeconds === undefined ? "estimating" : formatDuration(view.estimateSeconds),
  };
}

const BAR_FORMAT =
  "{bar} {percentage}% | windows {windows} done ({exported} exported) | resources {resources} | watermark {watermark} | catch-up in {eta}";

/** The log line printed instead of the bar when stderr is not a terminal. */
export function progressLine(view: ProgressView): string {
  const f = progressFields(view);
  return `${f.phase} watermark ${f.watermark} windows ${f.windows} done (${f.exported} exported), exports ${f.exports} imports ${f.imports} in flight, resources ${f.resources}, catch-up ${f.eta}\n`;
}

/** The part of cli-progress's bar the reporter drives (a test passes a recording fake). */
export interface BarLike {
  start(total: number, value: number, payload: object): void;
  update(value: number, payload: object): void;
  stop(): void;
}

export interface ProgressReporterOptions {
  runtime: CliRuntime;
  /** --json: nothing is printed. */
  json: boolean;
  /** stderr is a terminal: a bar; otherwise a line at most every 10 s. */
  tty: boolean;
  now: () => number;
  /** The bar to draw on a terminal; default cli-progress's. */
  bar?: BarLike;
}

export interface ProgressReporter extends ProgressSink {
  /** The view so far (what the next render shows). */
  view(): ProgressView;
  /** Ends the bar (leaves the cursor on a fresh line). */
  stop(): void;
}

const LINE_EVERY_MS = 10_000;

/** The reporter both `run` and `lift-and-shift` attach to the engine (EngineDeps.progress). */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const { runtime, json, tty, now } = options;
  const bar =
    json || !tty
      ? undefined
      : (options.bar ?? new SingleBar({ format: BAR_FORMAT, hideCursor: true }));
  const start = now();
  let view = EMPTY_VIEW;
  let lastLine = Number.NEGATIVE_INFINITY;
  // Drawn from the first event on, so a run that fails before its first pass leaves no bar behind.
  let drawn = false;
  return {
    emit(event) {
      view = foldProgress(view, event);
      if (json) return;
      if (bar !== undefined) {
        if (!drawn) bar.start(100, 0, progressFields(EMPTY_VIEW));
        drawn = true;
        bar.update(progressPercent(view, now() - start), progressFields(view));
      } else if (now() - lastLine > LINE_EVERY_MS) {
        lastLine = now();
        runtime.stderr(progressLine(view));
      }
    },
    view: () => view,
    stop: () => {
      if (drawn) bar?.stop();
      drawn = false;
    },
  };
}

/**
 * The full check's progress on stderr (at most every 5 s, and its last unit): units and versions
 * compared, and an estimate from the pace of this attempt (units read back from an earlier attempt
 * excluded).
 */
export function verificationProgressReporter(runtime: CliRuntime, now: () => number): ProgressSink {
  let started: { at: number; versionsDone: number } | undefined;
  let last = Number.NEGATIVE_INFINITY;
  return {
    emit(event) {
      if (event.kind !== "verification") return;
      const t = now();
      started ??= { at: t, versionsDone: event.versionsDone };
      if (t - last < 5_000 && event.unitsDone < event.units) return;
      last = t;
      const eta = estimateSecondsLeft(
        event.versionsDone,
        event.versions,
        event.versionsDone - started.versionsDone,
        t - started.at,
      );
      const pct =
        event.versions === 0 ? 100 : Math.floor((100 * event.versionsDone) / event.versions);
      runtime.stderr(
        `full check: ${event.unitsDone}/${event.units} units, ${event.versionsDone}/${event.versions} versions (${pct} %)${eta === undefined || event.unitsDone >= event.units ? "" : `, ${timeLeft(eta)} left`}\n`,
      );
    },
  };
}
