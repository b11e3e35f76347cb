import { describe, expect, it } from "vitest";
import { parseSettings } from "../../../src/config/settings";
import { CUTOVER_IN_FLIGHT_ALLOWANCE_MS } from "../../../src/core/cutover";
import type { CursorRecord } from "../../../src/core/migrationState";
import type { EngineDeps } from "../../../src/engine/deps";
import { windowCapFor } from "../../../src/engine/windowClock";

const FREEZE = "2026-12-03T10:00:00.000Z";
const freezeMs = Date.parse(FREEZE);

/** Deps with an app clock at `nowMs`, a source in step with it, and a cutover for FREEZE. */
function depsAt(nowMs: number) {
  const clock = {
    nowMs,
    slept: [] as number[],
    now: () => clock.nowMs,
    sleepUntil: async (instantMs: number) => {
      clock.slept.push(instantMs);
      clock.nowMs = Math.max(clock.nowMs, instantMs);
    },
  };
  const deps = {
    settings: parseSettings({
      AZURE_SourceUri: "http://127.0.0.1:9",
      AZURE_DestinationUri: "http://127.0.0.1:10",
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
    }),
    source: { serverClock: { offsetMs: () => 0 } },
    clock,
    log: () => {},
    state: {
      cutover: { get: async () => ({ phase: "draining", freeze: FREEZE }) },
      changeCursor: async () => undefined,
    },
  } as unknown as EngineDeps;
  return { deps, clock };
}

const cursor = { frontier: "2026-12-03T09:00:00.000Z" } as CursorRecord;

describe("windowCapFor in cutover mode", () => {
  it("waits out the rest of the allowance, then caps at the freeze, when the freeze passed a moment ago", async () => {
    const { deps, clock } = depsAt(freezeMs + 1500);
    await expect(windowCapFor(deps, cursor)).resolves.toBe(freezeMs);
    expect(clock.slept).toEqual([freezeMs + CUTOVER_IN_FLIGHT_ALLOWANCE_MS]);
  });

  it("caps at the freeze without waiting once the allowance passed", async () => {
    const { deps, clock } = depsAt(freezeMs + CUTOVER_IN_FLIGHT_ALLOWANCE_MS + 1);
    await expect(windowCapFor(deps, cursor)).resolves.toBe(freezeMs);
    expect(clock.slept).toEqual([]);
  });

  it("keeps short of a freeze still ahead of the source's clock, without waiting", async () => {
    const { deps, clock } = depsAt(freezeMs - 30_000);
    const cap = await windowCapFor(deps, cursor);
    expect(cap).toBeLessThan(freezeMs);
    expect(clock.slept).toEqual([]);
  });
});
