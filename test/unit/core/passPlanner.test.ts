import { describe, expect, it } from "vitest";
import type { ChunkSummary, PassSnapshot, PayloadSummary } from "../../../src/core/passPlanner";
import { decidePass } from "../../../src/core/passPlanner";
import { passSnapshot } from "../../support/passSnapshot";

const snapshot = passSnapshot;

const chunk = (
  seq: number,
  exportStatus: ChunkSummary["exportStatus"],
  importStatus: ChunkSummary["importStatus"] = "Not Started",
): ChunkSummary => ({
  seq,
  exportStatus,
  importStatus,
  processed: false,
});
const payload = (
  chunkSeq: number,
  index: number,
  status: PayloadSummary["status"],
): PayloadSummary => ({ chunkSeq, index, status });
const names = (d: ReturnType<typeof decidePass>) =>
  d.kind === "act" ? d.actions.map((a) => a.activity) : [];

describe("decidePass", () => {
  it("stops when the migration is halted", () => {
    expect(
      decidePass(snapshot({ halted: true, haltReason: "x" }), false, { stopWhenCaughtUp: false }),
    ).toEqual({
      kind: "stop",
      outcome: "halted",
      reason: "x",
    });
  });

  it("plans a window when nothing is in flight", () => {
    expect(names(decidePass(snapshot(), false, { stopWhenCaughtUp: false }))).toEqual([
      "PlanNextWindow",
    ]);
  });

  it("polls every running export and starts planned ones", () => {
    const d = decidePass(snapshot({ chunks: [chunk(1, "Running"), chunk(2, "Planned")] }), false, {
      stopWhenCaughtUp: false,
    });
    expect(names(d)).toEqual(["PollExport", "StartExport"]);
  });

  it("does not plan beyond the exports-in-flight bound", () => {
    const d = decidePass(snapshot({ chunks: [chunk(1, "Running"), chunk(2, "Started")] }), false, {
      stopWhenCaughtUp: false,
    });
    expect(names(d)).not.toContain("PlanNextWindow");
  });

  it("plans the next window while earlier windows import (pipelining)", () => {
    const d = decidePass(
      snapshot({
        chunks: [chunk(1, "Completed", "Running")],
        payloads: [payload(1, 1, "Running")],
      }),
      false,
      {
        stopWhenCaughtUp: false,
      },
    );
    expect(names(d)).toContain("PlanNextWindow");
  });

  it("never starts more imports than the payload count, across chunks", () => {
    const payloads = [
      payload(1, 1, "Running"),
      payload(1, 2, "Running"),
      payload(1, 3, "Pending"),
      payload(2, 1, "Pending"),
      payload(2, 2, "Pending"),
      payload(2, 3, "Pending"),
    ];
    const d = decidePass(
      snapshot({
        chunks: [chunk(1, "Completed", "Running"), chunk(2, "Completed", "Payloads Ready")],
        payloads,
      }),
      false,
      { stopWhenCaughtUp: false },
    );
    const started = d.kind === "act" ? d.actions.filter((a) => a.activity === "StartImport") : [];
    expect(started.map((a) => a.input)).toEqual([
      { chunkSeq: 1, index: 3, key: "00000001-p0003" },
      { chunkSeq: 2, index: 1, key: "00000002-p0001" },
      { chunkSeq: 2, index: 2, key: "00000002-p0002" },
    ]);
  });

  it("polls every running import on every pass", () => {
    const payloads = [payload(1, 1, "Running"), payload(1, 2, "Started"), payload(2, 1, "Running")];
    const d = decidePass(
      snapshot({
        chunks: [chunk(1, "Completed", "Running"), chunk(2, "Completed", "Running")],
        payloads,
      }),
      false,
      {
        stopWhenCaughtUp: false,
      },
    );
    expect(names(d).filter((n) => n === "PollImport")).toHaveLength(3);
  });

  it("holds imports until custom SearchParameters are copied", () => {
    const d = decidePass(
      snapshot({
        searchParametersPending: true,
        chunks: [chunk(1, "Completed", "Payloads Ready")],
        payloads: [payload(1, 1, "Pending")],
      }),
      false,
      { stopWhenCaughtUp: false },
    );
    expect(names(d)).toContain("MigrateSearchParameters");
    expect(names(d)).not.toContain("StartImport");
  });

  it("starts no export and plans nothing while paused, but keeps polling", () => {
    const d = decidePass(snapshot({ chunks: [chunk(1, "Running"), chunk(2, "Planned")] }), true, {
      stopWhenCaughtUp: false,
    });
    expect(names(d)).toEqual(["PollExport"]);
  });

  it("starts imports of finished exports during a pause only when allowed", () => {
    const base = snapshot({
      chunks: [chunk(1, "Completed", "Payloads Ready")],
      payloads: [payload(1, 1, "Pending")],
    });
    expect(names(decidePass(base, true, { stopWhenCaughtUp: false }))).not.toContain("StartImport");
    const allowed = {
      ...base,
      policy: {
        ...base.policy,
        pause: { ...base.policy.pause, continueLastImportDuringPause: true },
      },
    };
    expect(names(decidePass(allowed, true, { stopWhenCaughtUp: false }))).toContain("StartImport");
  });

  it("builds payloads for a completed export", () => {
    const d = decidePass(snapshot({ chunks: [chunk(1, "Completed")] }), false, {
      stopWhenCaughtUp: false,
    });
    expect(names(d)).toContain("BuildImportPayloads");
  });

  it("ends a specific run once its range is migrated", () => {
    expect(
      decidePass(snapshot({ frontierAtEndDate: true }), false, { stopWhenCaughtUp: false }),
    ).toMatchObject({
      kind: "stop",
      outcome: "range-complete",
    });
  });

  it("ends a one-shot run once caught up with nothing in flight", () => {
    expect(
      decidePass(snapshot({ caughtUp: true }), false, { stopWhenCaughtUp: true }),
    ).toMatchObject({ kind: "stop", outcome: "caught-up" });
  });

  it("says caught up as of the watermark", () => {
    expect(
      decidePass(snapshot({ caughtUp: true, watermark: "2026-01-01T11:59:00.000Z" }), false, {
        stopWhenCaughtUp: true,
      }),
    ).toMatchObject({ reason: "caught up with the source as of 2026-01-01T11:59:00.000Z" });
  });

  it("keeps polling for changes in continuous mode once caught up", () => {
    expect(
      names(decidePass(snapshot({ caughtUp: true }), false, { stopWhenCaughtUp: false })),
    ).toEqual(["PlanNextWindow"]);
  });
});

describe("decidePass: $reindex after catch-up", () => {
  const withReindex = (reindex: PassSnapshot["reindex"], on = true) => {
    const base = snapshot({ caughtUp: true, reindex });
    return { ...base, policy: { ...base.policy, reindexAfterCatchUp: on } };
  };

  it("starts $reindex once caught up when SearchParameters were written", () => {
    expect(names(decidePass(withReindex("needed"), false, { stopWhenCaughtUp: true }))).toContain(
      "StartReindex",
    );
  });

  it("polls a running $reindex and does not stop a one-shot run before it completes", () => {
    const d = decidePass(withReindex("running"), false, { stopWhenCaughtUp: true });
    expect(d.kind).toBe("act");
    expect(names(d)).toContain("PollReindex");
  });

  it("leaves $reindex to the user when the setting is off", () => {
    expect(
      decidePass(withReindex("needed", false), false, { stopWhenCaughtUp: true }),
    ).toMatchObject({ kind: "stop" });
  });

  it("waits for in-flight work before reindexing", () => {
    const s = { ...withReindex("needed"), chunks: [chunk(1, "Running")] };
    expect(names(decidePass(s, false, { stopWhenCaughtUp: false }))).not.toContain("StartReindex");
  });
});

describe("decidePass: ledger", () => {
  it("counts the runs of skipped stretches in one ReconcileLedger, windows one each", () => {
    const d = decidePass(
      snapshot({ ledger: { ready: ["w"], skippedRuns: ["s1", "s2", "s3"], blocking: 1 } }),
      false,
      { stopWhenCaughtUp: false },
    );
    expect(
      d.kind === "act" ? d.actions.filter((a) => a.activity === "ReconcileLedger") : [],
    ).toEqual([
      { activity: "ReconcileLedger", input: { since: "w" } },
      { activity: "ReconcileLedger", input: { since: "s1", moreSkipped: ["s2", "s3"] } },
    ]);
  });

  it("reconciles the ready ledger entries", () => {
    const d = decidePass(snapshot({ ledger: { ready: ["a", "b"], blocking: 2 } }), false, {
      stopWhenCaughtUp: false,
    });
    expect(
      d.kind === "act" ? d.actions.filter((a) => a.activity === "ReconcileLedger") : [],
    ).toEqual([
      { activity: "ReconcileLedger", input: { since: "a" } },
      { activity: "ReconcileLedger", input: { since: "b" } },
    ]);
  });

  it("does not count on the source during the pause window", () => {
    const d = decidePass(snapshot({ ledger: { ready: ["a"], blocking: 1 } }), true, {
      stopWhenCaughtUp: false,
    });
    expect(names(d)).not.toContain("ReconcileLedger");
  });

  it("does not stop a caught-up local run while an entry awaits its recount", () => {
    const d = decidePass(snapshot({ caughtUp: true, ledger: { ready: [], blocking: 1 } }), false, {
      stopWhenCaughtUp: true,
    });
    expect(d).toMatchObject({ kind: "act", inFlight: 1 });
  });

  it("stops a caught-up local run with only pending skipped stretches left", () => {
    const d = decidePass(
      snapshot({ caughtUp: true, ledger: { ready: ["a"], blocking: 0 } }),
      false,
      {
        stopWhenCaughtUp: true,
      },
    );
    expect(d).toMatchObject({ kind: "stop", outcome: "caught-up" });
  });
});

describe("decidePass: a self-staged window starts its own imports", () => {
  const small = (seq: number): ChunkSummary => ({ ...chunk(seq, "Planned"), expectedCount: 5 });
  const withSelfStage = (overrides: Partial<PassSnapshot>): PassSnapshot => {
    const base = snapshot(overrides);
    return {
      ...base,
      policy: {
        ...base.policy,
        // One export in flight at most: the staged chunk is it, so the pass plans no window.
        maxExportsInFlight: 1,
        selfStage: { maxVersions: 1000, concurrency: 2, requestBudget: 20 },
      },
    };
  };
  const planning = (s: PassSnapshot) => {
    const d = decidePass(s, false, { stopWhenCaughtUp: false });
    return d.kind === "act"
      ? d.actions.find((a) => a.activity === "PlanNextWindow")?.input
      : "stop";
  };
  const staging = (s: PassSnapshot) => {
    const d = decidePass(s, false, { stopWhenCaughtUp: false });
    return d.kind === "act"
      ? d.actions.flatMap((a) => (a.activity === "StartExport" ? [a.input] : []))
      : [];
  };

  it("gives it the import slots the running and pending payloads leave", () => {
    const s = withSelfStage({
      chunks: [chunk(1, "Completed", "Running"), small(2)],
      payloads: [payload(1, 1, "Running"), payload(1, 2, "Running"), payload(1, 3, "Pending")],
    });
    expect(staging(s)).toEqual([{ seq: 2, selfStage: { pages: 20, importSlots: 2 } }]);
    const d = decidePass(s, false, { stopWhenCaughtUp: false });
    expect(names(d).filter((n) => n === "StartImport")).toHaveLength(1);
  });

  it("gives it none while every slot is taken; its payloads wait for a later pass", () => {
    const s = withSelfStage({
      chunks: [chunk(1, "Completed", "Running"), small(2)],
      payloads: [1, 2, 3, 4, 5].map((i) => payload(1, i, "Running")),
    });
    expect(staging(s)).toEqual([{ seq: 2, selfStage: { pages: 20, importSlots: 0 } }]);
  });

  it("gives it none until custom SearchParameters are copied", () => {
    const s = withSelfStage({ searchParametersPending: true, chunks: [small(1)] });
    expect(staging(s)).toEqual([{ seq: 1, selfStage: { pages: 20, importSlots: 0 } }]);
  });

  it("does the same in cutover mode", () => {
    const s = withSelfStage({
      chunks: [small(1)],
      cutover: {
        phase: "draining",
        freeze: "2026-12-03T10:00:00.000Z",
        frontierAtFreeze: true,
        ledgerOpen: 0,
      },
    });
    expect(staging(s)).toEqual([{ seq: 1, selfStage: { pages: 20, importSlots: 5 } }]);
  });

  it("tells the planning to stage the window it plans, with the share left", () => {
    const s = withSelfStage({
      chunks: [chunk(1, "Completed", "Running")],
      payloads: [payload(1, 1, "Running")],
    });
    expect(planning({ ...s, policy: { ...s.policy, maxExportsInFlight: 2 } })).toEqual({
      selfStage: { pages: 20, importSlots: 4 },
    });
  });

  it("shares the budget and slots between a planned small window and the one it plans", () => {
    const s = withSelfStage({ chunks: [small(1)] });
    const both = { ...s, policy: { ...s.policy, maxExportsInFlight: 2 } };
    expect(staging(both)).toEqual([{ seq: 1, selfStage: { pages: 10, importSlots: 3 } }]);
    expect(planning(both)).toEqual({ selfStage: { pages: 10, importSlots: 2 } });
  });

  it("tells the planning to stage the delta in cutover mode", () => {
    const s = withSelfStage({
      cutover: {
        phase: "draining",
        freeze: "2026-12-03T10:00:00.000Z",
        frontierAtFreeze: false,
        ledgerOpen: 0,
      },
    });
    expect(planning(s)).toEqual({ selfStage: { pages: 20, importSlots: 5 } });
  });

  it("plans without staging when self-staging is off", () => {
    expect(planning(snapshot())).toBeNull();
  });
});
