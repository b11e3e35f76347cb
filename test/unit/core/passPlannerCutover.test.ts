import { describe, expect, it } from "vitest";
import type { ChunkSummary, CutoverView } from "../../../src/core/passPlanner";
import { decidePass } from "../../../src/core/passPlanner";
import { passSnapshot } from "../../support/passSnapshot";

const FREEZE = "2026-12-03T10:00:00.000Z";
const cutover = (overrides: Partial<CutoverView> = {}): CutoverView => ({
  phase: "draining",
  freeze: FREEZE,
  frontierAtFreeze: false,
  ledgerOpen: 0,
  ...overrides,
});
const chunk = (seq: number, exportStatus: ChunkSummary["exportStatus"]): ChunkSummary => ({
  seq,
  exportStatus,
  importStatus: "Not Started",
  processed: false,
});
const decide = (s: Parameters<typeof decidePass>[0], paused = false) =>
  decidePass(s, paused, { stopWhenCaughtUp: false });
const names = (d: ReturnType<typeof decidePass>) =>
  d.kind === "act" ? d.actions.map((a) => a.activity) : [];

describe("decidePass in cutover mode", () => {
  it("plans past the exports-in-flight bound while the frontier is before the freeze", () => {
    const s = passSnapshot({
      chunks: [chunk(1, "Running"), chunk(2, "Started")],
      cutover: cutover(),
    });
    expect(names(decide(s))).toContain("PlanNextWindow");
  });

  it("still keeps to the backlog bound", () => {
    const s = passSnapshot({
      chunks: [1, 2, 3, 4].map((n) => chunk(n, "Running")),
      cutover: cutover(),
    });
    expect(names(decide(s))).not.toContain("PlanNextWindow");
  });

  it("plans nothing once the frontier reached the freeze", () => {
    const s = passSnapshot({
      chunks: [chunk(1, "Running")],
      cutover: cutover({ frontierAtFreeze: true }),
    });
    expect(names(decide(s))).toEqual(["PollExport"]);
  });

  it("proves once every window up to the freeze is processed", () => {
    const s = passSnapshot({ cutover: cutover({ frontierAtFreeze: true }) });
    expect(decide(s)).toMatchObject({
      actions: [{ activity: "ProveCutover", input: { countFirst: [] } }],
    });
  });

  it("proves at once when every open ledger entry before the freeze can be counted now, and leaves their counts to the proof", () => {
    const s = passSnapshot({
      ledger: { ready: ["w"], skippedRuns: ["s1", "s2"], blocking: 1 },
      cutover: cutover({ frontierAtFreeze: true, ledgerOpen: 3, ledgerWaiting: 0 }),
    });
    expect(decide(s)).toMatchObject({
      actions: [{ activity: "ProveCutover", input: { countFirst: ["w", "s1", "s2"] } }],
    });
    expect(names(decide(s))).toEqual(["ProveCutover"]);
  });

  it("counts instead of proving while an entry before the freeze waits for a recount", () => {
    const s = passSnapshot({
      ledger: { ready: ["w"], blocking: 2 },
      cutover: cutover({ frontierAtFreeze: true, ledgerOpen: 2, ledgerWaiting: 1 }),
    });
    expect(names(decide(s))).toEqual(["ReconcileLedger"]);
  });

  it("does not prove while ledger entries before the freeze are still being counted", () => {
    const s = passSnapshot({
      ledger: { ready: ["2026-12-03T09:55:00.000Z"], blocking: 1 },
      cutover: cutover({ frontierAtFreeze: true, ledgerOpen: 1 }),
    });
    // Marked, so that the entry's conclusion counts as a change and the proof follows at once.
    expect(decide(s)).toMatchObject({
      actions: [
        {
          activity: "ReconcileLedger",
          input: { since: "2026-12-03T09:55:00.000Z", cutover: true },
        },
      ],
    });
  });

  it("waits for a ledger recheck at the short cadence, not the idle poll", () => {
    const s = passSnapshot({
      caughtUp: true,
      ledger: { ready: [], blocking: 1 },
      cutover: cutover({ frontierAtFreeze: true, ledgerOpen: 1 }),
    });
    expect(decide(s)).toMatchObject({ kind: "act", actions: [], cutover: true });
  });

  it("does not prove while SearchParameters are still to copy", () => {
    const s = passSnapshot({
      searchParametersPending: true,
      cutover: cutover({ frontierAtFreeze: true }),
    });
    expect(names(decide(s))).not.toContain("ProveCutover");
  });

  it("proves again after a crash in the proving phase", () => {
    const s = passSnapshot({ cutover: cutover({ phase: "proving", frontierAtFreeze: true }) });
    expect(names(decide(s))).toEqual(["ProveCutover"]);
  });

  it("asks for the short cadence, never the idle poll", () => {
    const d = decide(passSnapshot({ caughtUp: true, cutover: cutover() }));
    expect(d).toMatchObject({ kind: "act", cutover: true });
  });

  it("ignores the pause window", () => {
    const s = passSnapshot({ chunks: [chunk(1, "Planned")], cutover: cutover() });
    expect(names(decide(s, true))).toEqual(["StartExport", "PlanNextWindow"]);
  });

  it("stops with the verdict once decided", () => {
    for (const phase of ["GO", "NO-GO"] as const) {
      expect(decide(passSnapshot({ cutover: cutover({ phase }) }))).toEqual({
        kind: "stop",
        outcome: "cutover-decided",
        reason: `cutover ${phase} for the freeze at ${FREEZE}`,
      });
    }
  });

  it("a halt wins over a cutover", () => {
    const s = passSnapshot({ halted: true, haltReason: "x", cutover: cutover() });
    expect(decide(s)).toMatchObject({ kind: "stop", outcome: "halted" });
  });
});
