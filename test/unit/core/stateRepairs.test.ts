import { describe, expect, it } from "vitest";
import { decidePass } from "../../../src/core/passPlanner";
import type { ChunkCounts } from "../../../src/core/stateRepairs";
import { stateRepair } from "../../../src/core/stateRepairs";
import { passSnapshot } from "../../support/passSnapshot";

const FRONTIER = "2024-01-02T00:00:00.000Z";
const counts = (
  seq: number,
  own: { completedCount: number; payloadCount?: number },
  rows: number,
  completed: number,
): ChunkCounts => ({ seq, payloadCount: undefined, ...own, payloadRows: { rows, completed } });

describe("stateRepair", () => {
  it("settles a chunk whose payload rows completed more than its row counts", () => {
    const facts = {
      frontier: FRONTIER,
      chunks: [counts(3, { completedCount: 1, payloadCount: 4 }, 4, 2)],
    };
    expect(stateRepair(facts, "2024-01-01T00:00:00.000Z")).toEqual({
      settle: [3],
      advanceWatermark: false,
    });
  });

  it("settles a chunk whose payloads all completed before an interrupted build recorded their count", () => {
    const facts = {
      frontier: FRONTIER,
      chunks: [counts(5, { completedCount: 2, payloadCount: 2 }, 2, 2)],
    };
    expect(stateRepair(facts, undefined)?.settle).toEqual([5]);
  });

  it("leaves a chunk alone when settling would change nothing (a row left by another build is pending)", () => {
    // Two of three rows done, the chunk already counts two: settling writes nothing, so a pass
    // that only repaired would repeat forever.
    const facts = {
      frontier: FRONTIER,
      chunks: [counts(5, { completedCount: 2, payloadCount: 2 }, 3, 2)],
    };
    expect(stateRepair(facts, undefined)).toBeUndefined();
  });

  it("leaves a chunk alone when its row counts every completed payload", () => {
    const facts = {
      frontier: FRONTIER,
      chunks: [counts(1, { completedCount: 1, payloadCount: 3 }, 3, 1)],
    };
    expect(stateRepair(facts, undefined)).toBeUndefined();
  });

  it("moves a watermark left behind the frontier once every planned chunk is processed", () => {
    expect(stateRepair({ frontier: FRONTIER, chunks: [] }, "2024-01-01T00:00:00.000Z")).toEqual({
      settle: [],
      advanceWatermark: true,
    });
  });

  it("does not move the watermark while a chunk is unprocessed or when it is at the frontier", () => {
    const open = { frontier: FRONTIER, chunks: [counts(1, { completedCount: 0 }, 0, 0)] };
    expect(stateRepair(open, "2024-01-01T00:00:00.000Z")).toBeUndefined();
    expect(stateRepair({ frontier: FRONTIER, chunks: [] }, FRONTIER)).toBeUndefined();
    expect(stateRepair({ frontier: undefined, chunks: [] }, undefined)).toBeUndefined();
  });
});

describe("decidePass with a repair", () => {
  const lagging = { frontier: FRONTIER, chunks: [] };

  it("only repairs in that pass, before a halt is obeyed", () => {
    const decision = decidePass(
      passSnapshot({ halted: true, haltReason: "x", repair: lagging, watermark: undefined }),
      false,
      { stopWhenCaughtUp: true },
    );
    expect(decision).toMatchObject({
      kind: "act",
      actions: [
        { activity: "RepairMigrationState", input: { settle: [], advanceWatermark: true } },
      ],
    });
  });

  it("repairs nothing from a snapshot recorded before the repair facts existed (history replayed after an upgrade)", () => {
    const old = passSnapshot({ watermark: "2024-01-01T00:00:00.000Z" });
    delete old.repair;
    expect(decidePass(old, false, { stopWhenCaughtUp: false })).toMatchObject({
      kind: "act",
      actions: [{ activity: "PlanNextWindow" }],
    });
  });

  it("plans as usual once nothing needs repair", () => {
    const decision = decidePass(passSnapshot({ repair: lagging, watermark: FRONTIER }), false, {
      stopWhenCaughtUp: false,
    });
    expect(decision.kind === "act" && decision.actions.map((a) => a.activity)).toEqual([
      "PlanNextWindow",
    ]);
  });
});
