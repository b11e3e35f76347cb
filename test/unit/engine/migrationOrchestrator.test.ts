import { describe, expect, it } from "vitest";

import type { ActivityResult } from "../../../src/engine/deps";
import {
  MIGRATION_ORCHESTRATION,
  MIGRATION_WAKE_EVENT,
  migrationOrchestrator,
} from "../../../src/engine/migrationOrchestrator";
import type { Clock } from "../../../src/local/durableRuntime";
import { raiseLocalEvent, runOrchestration } from "../../../src/local/durableRuntime";
import { passSnapshot } from "../../support/passSnapshot";

function virtualClock(start = Date.parse("2025-03-03T03:00:00Z")): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleepUntil: async (x: number) => void (clock.t = Math.max(clock.t, x)),
  };
  return clock;
}

const snapshot = passSnapshot;

describe("migrationOrchestrator (replayed by durable-functions' engine)", () => {
  it("ends a one-shot run once a planning in this run finds nothing newer", async () => {
    const calls: string[] = [];
    const result = await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t1",
      { stopWhenCaughtUp: true },
      {
        clock: virtualClock(),
        activities: {
          // The cursor's stale flag says caught up; the orchestrator must still plan once before stopping.
          LoadMigrationState: async () => (calls.push("load"), snapshot({ caughtUp: true })),
          PlanNextWindow: async (): Promise<ActivityResult> => (
            calls.push("plan"),
            { changed: false, caughtUp: true }
          ),
        },
      },
    );
    expect(result.output).toMatchObject({ outcome: "caught-up" });
    expect(calls).toEqual(["load", "plan", "load"]);
  });

  it("waits a poll interval on a durable timer while jobs run and nothing changed", async () => {
    const clock = virtualClock();
    const start = clock.t;
    let passes = 0;
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t2",
      {},
      {
        clock,
        activities: {
          LoadMigrationState: async () =>
            ++passes > 2
              ? snapshot({ halted: true })
              : snapshot({
                  chunks: [
                    {
                      seq: 1,
                      exportStatus: "Running",
                      importStatus: "Not Started",
                      processed: false,
                    },
                  ],
                }),
          PollExport: async () => ({ changed: false }),
          PlanNextWindow: async () => ({ changed: false }),
        },
      },
    );
    expect(clock.t - start).toBe(2 * 30_000);
  });

  it("goes on at once, without a timer, when a step changed something", async () => {
    const clock = virtualClock();
    const start = clock.t;
    let passes = 0;
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t3",
      {},
      {
        clock,
        activities: {
          LoadMigrationState: async () => (++passes > 3 ? snapshot({ halted: true }) : snapshot()),
          PlanNextWindow: async () => ({ changed: true }),
        },
      },
    );
    expect(clock.t).toBe(start);
  });

  it("records a step that failed past its retries and carries on", async () => {
    const failures: string[] = [];
    let passes = 0;
    const result = await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t4",
      {},
      {
        clock: virtualClock(),
        activities: {
          LoadMigrationState: async () =>
            ++passes > 2 ? snapshot({ halted: true, haltReason: "stop" }) : snapshot(),
          PlanNextWindow: async () => {
            throw new Error("source unreachable");
          },
          RecordPassFailure: async (input) => (
            failures.push((input as { message: string }).message),
            { changed: false }
          ),
        },
      },
    );
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/source unreachable/);
    expect(result.output).toMatchObject({ outcome: "halted", reason: "stop" });
  });

  it("continues as new after a bounded number of passes, keeping history small", async () => {
    let passes = 0;
    const result = await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t5",
      {},
      {
        clock: virtualClock(),
        activities: {
          LoadMigrationState: async () => (++passes > 60 ? snapshot({ halted: true }) : snapshot()),
          PlanNextWindow: async () => ({ changed: true }),
        },
      },
    );
    expect(result.executions).toBe(3);
  });

  it("keeps polling on the idle interval once caught up in continuous mode", async () => {
    const clock = virtualClock();
    const start = clock.t;
    let passes = 0;
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t6",
      {},
      {
        clock,
        activities: {
          LoadMigrationState: async () =>
            ++passes > 3 ? snapshot({ halted: true }) : snapshot({ caughtUp: true }),
          PlanNextWindow: async () => ({ changed: false, caughtUp: true }),
        },
      },
    );
    expect(clock.t - start).toBe(3 * 60_000);
  });

  it("reports counts only in its custom status", async () => {
    const statuses: unknown[] = [];
    let passes = 0;
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t7",
      {},
      {
        clock: virtualClock(),
        onCustomStatus: (s) => statuses.push(s),
        activities: {
          LoadMigrationState: async () =>
            ++passes > 1
              ? snapshot({ halted: true })
              : snapshot({ watermark: "2020-01-01T00:00:00.000Z", resourcesImported: 7 }),
          PlanNextWindow: async () => ({ changed: true }),
        },
      },
    );
    expect(statuses[0]).toEqual({
      phase: "migrating",
      watermark: "2020-01-01T00:00:00.000Z",
      exportsInFlight: 0,
      importsInFlight: 0,
      resourcesImported: 7,
      resourcesFailed: 0,
      estimateSeconds: undefined,
      pass: 1,
    });
    expect(JSON.stringify(statuses.at(-1)).length).toBeLessThan(1024);
  });

  it("names its phases with the status page's words: caught-up while idle, the outcome once stopped", async () => {
    const phases: string[] = [];
    let passes = 0;
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t7b",
      {},
      {
        clock: virtualClock(),
        onCustomStatus: (s) => phases.push((s as { phase: string }).phase),
        activities: {
          LoadMigrationState: async () =>
            ++passes > 2
              ? snapshot({ frontierAtEndDate: true, caughtUp: true })
              : snapshot({ caughtUp: true }),
          PlanNextWindow: async () => ({ changed: false, caughtUp: true }),
        },
      },
    );
    expect([phases[0], phases.at(-1)]).toEqual(["caught-up", "range-complete"]);
  });

  it("starts no export inside the pause window and waits until it ends", async () => {
    const clock = virtualClock(Date.parse("2025-03-03T16:30:00Z"));
    const calls: string[] = [];
    const pausedPolicy = {
      ...snapshot().policy,
      pause: { enabled: true, startHour: 8, endHour: 17, continueLastImportDuringPause: false },
    };
    await runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t8",
      {},
      {
        clock,
        activities: {
          LoadMigrationState: async () =>
            calls.includes("plan")
              ? snapshot({ halted: true })
              : snapshot({
                  policy: pausedPolicy,
                  chunks: [
                    {
                      seq: 1,
                      exportStatus: "Planned",
                      importStatus: "Not Started",
                      processed: false,
                    },
                  ],
                }),
          StartExport: async () => (
            calls.push(`start@${new Date(clock.now()).toISOString().slice(11, 16)}`),
            { changed: true }
          ),
          PlanNextWindow: async () => (calls.push("plan"), { changed: true }),
        },
      },
    );
    expect(calls[0]).toBe("start@17:00");
  });
});

describe("migrationOrchestrator woken by an event", () => {
  it("starts the next pass at once on MIGRATION_WAKE_EVENT instead of waiting out the idle poll", async () => {
    let sleeping = 0;
    // Sleeps never end on their own: only the wake event can end the idle wait.
    const clock: Clock = {
      now: () => Date.parse("2025-03-03T03:00:00Z"),
      sleepUntil: () => (sleeping++, new Promise<void>(() => {})),
    };
    let passes = 0;
    const run = runOrchestration(
      migrationOrchestrator,
      MIGRATION_ORCHESTRATION,
      "t-wake",
      {},
      {
        clock,
        activities: {
          LoadMigrationState: async () =>
            ++passes > 1 ? snapshot({ halted: true }) : snapshot({ caughtUp: true }),
          PlanNextWindow: async () => ({ changed: false, caughtUp: true }),
        },
      },
    );
    while (sleeping === 0) await new Promise((r) => setTimeout(r, 1));
    expect(raiseLocalEvent("t-wake", MIGRATION_WAKE_EVENT)).toBe(true);
    await expect(run).resolves.toMatchObject({ output: { outcome: "halted" } });
    expect(passes).toBe(2);
  });
});
