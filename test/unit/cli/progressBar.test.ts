import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BarLike } from "../../../src/cli/progressBar";
import {
  EMPTY_VIEW,
  createProgressReporter,
  foldProgress,
  progressLine,
  progressPercent,
} from "../../../src/cli/progressBar";
import type { CliRuntime } from "../../../src/cli/runtime";
import type { ProgressEvent } from "../../../src/core/progress";

function pass(overrides: Partial<ProgressEvent & { kind: "pass" }> = {}): ProgressEvent {
  return {
    kind: "pass",
    at: Date.parse("2024-01-01T01:00:00Z"),
    watermark: "2024-01-01T00:00:00.000Z",
    startedAt: "2024-01-01T00:00:00.000Z",
    windows: { planned: 4, exported: 3, imported: 1 },
    resources: { imported: 90, failed: 10, remaining: 300 },
    exportsInFlight: 1,
    importsInFlight: 2,
    jobsInFlight: 5,
    estimateSeconds: undefined,
    ...overrides,
  };
}

function recorder(): { runtime: CliRuntime; err: string[] } {
  const err: string[] = [];
  return {
    err,
    runtime: { env: {}, cwd: "/", stdout: () => {}, stderr: (t) => void err.push(t) },
  };
}

class FakeBar implements BarLike {
  readonly calls: { op: string; value?: number; payload?: Record<string, unknown> }[] = [];
  start(_total: number, value: number, payload: object): void {
    this.calls.push({ op: "start", value, payload: payload as Record<string, unknown> });
  }
  update(value: number, payload: object): void {
    this.calls.push({ op: "update", value, payload: payload as Record<string, unknown> });
  }
  stop(): void {
    this.calls.push({ op: "stop" });
  }
}

describe("progressPercent", () => {
  it("is 100 once the estimate says caught up", () => {
    expect(progressPercent(foldProgress(EMPTY_VIEW, pass({ estimateSeconds: 0 })), 5_000)).toBe(
      100,
    );
  });

  it("comes from time spent and the estimate of time left when there is one", () => {
    expect(progressPercent(foldProgress(EMPTY_VIEW, pass({ estimateSeconds: 30 })), 10_000)).toBe(
      25,
    );
  });

  it("comes from resources done of those known while there is no estimate", () => {
    expect(progressPercent(foldProgress(EMPTY_VIEW, pass()), 10_000)).toBe(25);
  });

  it("is never 100 before caught up, even when every known resource is done", () => {
    const view = foldProgress(
      EMPTY_VIEW,
      pass({ resources: { imported: 50, failed: 0, remaining: 0 } }),
    );
    expect(progressPercent(view, 10_000)).toBe(99);
  });

  it("is 0 before anything is known", () => {
    expect(progressPercent(EMPTY_VIEW, 10_000)).toBe(0);
  });
});

describe("the CLI progress reporter", () => {
  it("draws a bar from a sequence of events on a terminal, with the estimate", () => {
    const { runtime, err } = recorder();
    const bar = new FakeBar();
    let t = 0;
    const reporter = createProgressReporter({ runtime, json: false, tty: true, now: () => t, bar });
    reporter.emit({ kind: "phase", phase: "migrating", pass: 1 });
    t = 10_000;
    reporter.emit(pass({ estimateSeconds: 90 }));
    reporter.stop();
    expect(bar.calls.map((c) => c.op)).toEqual(["start", "update", "update", "stop"]);
    const last = bar.calls[2];
    expect(last?.value).toBe(10);
    expect(last?.payload).toMatchObject({
      windows: "1/4",
      exported: 3,
      resources: "100/400",
      watermark: "2024-01-01T00:00:00.000Z",
      eta: "1 min",
    });
    expect(err).toEqual([]);
  });

  it("says the estimate is still being made until there is one", () => {
    const bar = new FakeBar();
    const reporter = createProgressReporter({
      runtime: recorder().runtime,
      json: false,
      tty: true,
      now: () => 0,
      bar,
    });
    reporter.emit(pass());
    expect(bar.calls.at(-1)?.payload).toMatchObject({ eta: "estimating" });
  });

  it("prints a line at most every 10 seconds when stderr is not a terminal", () => {
    const { runtime, err } = recorder();
    let t = 0;
    const reporter = createProgressReporter({ runtime, json: false, tty: false, now: () => t });
    reporter.emit({ kind: "phase", phase: "migrating", pass: 1 });
    t = 5_000;
    reporter.emit(pass());
    t = 10_001;
    reporter.emit(pass({ estimateSeconds: 120 }));
    expect(err).toEqual([
      "migrating watermark - windows 0/0 done (0 exported), exports 0 imports 0 in flight, resources 0/0, catch-up estimating\n",
      "migrating watermark 2024-01-01T00:00:00.000Z windows 1/4 done (3 exported), exports 1 imports 2 in flight, resources 100/400, catch-up 2 min\n",
    ]);
  });

  it("prints nothing with --json, yet keeps the view", () => {
    const { runtime, err } = recorder();
    const bar = new FakeBar();
    const reporter = createProgressReporter({ runtime, json: true, tty: true, now: () => 0, bar });
    reporter.emit(pass());
    reporter.stop();
    expect(err).toEqual([]);
    expect(bar.calls).toEqual([]);
    expect(reporter.view().windowsPlanned).toBe(4);
  });

  it("leaves no bar behind when stopped before any event", () => {
    const bar = new FakeBar();
    const reporter = createProgressReporter({
      runtime: recorder().runtime,
      json: false,
      tty: true,
      now: () => 0,
      bar,
    });
    reporter.stop();
    expect(bar.calls).toEqual([]);
  });

  it("leaves the migration's view as it was on a full check's event", () => {
    const view = foldProgress(EMPTY_VIEW, pass());
    expect(
      foldProgress(view, {
        kind: "verification",
        runId: "r",
        units: 2,
        unitsDone: 1,
        versions: 10,
        versionsDone: 5,
      }),
    ).toEqual(view);
  });

  it("names the phase the orchestrator last reported", () => {
    const view = foldProgress(
      foldProgress(EMPTY_VIEW, { kind: "phase", phase: "caught-up", pass: 3 }),
      pass(),
    );
    expect(progressLine(view)).toMatch(/^caught-up watermark/);
  });
});

describe("run and lift-and-shift", () => {
  const commands = join(__dirname, "../../../src/cli/actions");
  it.each(["run.ts", "liftAndShift.ts"])(
    "%s renders progress with the one CLI reporter and draws no bar of its own",
    (file) => {
      const source = readFileSync(join(commands, file), "utf8");
      expect(source).toContain('import { createProgressReporter } from "../progressBar";');
      expect(source).not.toMatch(/cli-progress/);
      expect(source).toMatch(/createEngineDeps\(settings, \{[\s\S]{0,120}\bprogress\b/);
      expect(source).toMatch(/runMigrationLocally\(deps, \{[\s\S]{0,120}\bprogress\b/);
    },
  );
});
