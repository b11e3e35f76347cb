/**
 * StartExport's kick-off answering after its claim was taken over (a kick-off slower than the claim
 * timeout): the other runner's work stands, and the late job is cancelled instead of tracked.
 */
import { describe, expect, it } from "vitest";
import type { ChunkRecord } from "../../../src/core/migrationState";
import { startExport } from "../../../src/engine/activities/startExport";
import type { EngineDeps } from "../../../src/engine/deps";
import { FhirOperationError } from "../../../src/errors";
import { freshTables } from "../../support/engineScenario";
import { depsWithTables, unreachableServers, withFakes } from "../../support/fakeDeps";
import { JANUARY_CHUNK } from "../../support/chunks";

const planned: ChunkRecord = JANUARY_CHUNK;

const LATE_JOB = "http://127.0.0.1:9/_operations/export/late";
const OTHER_JOB = "http://127.0.0.1:9/_operations/export/other";

/** Deps whose kick-off lets `meanwhile` run (another runner) before answering LATE_JOB. */
async function setUp(meanwhile: (deps: EngineDeps) => Promise<void>) {
  const base = await depsWithTables({ ...unreachableServers(), ...freshTables("se") });
  const cancelled: string[] = [];
  const deps = withFakes(base, {
    source: {
      exportKickOff: async () => {
        await meanwhile(deps);
        return { statusUrl: LATE_JOB };
      },
      cancelExport: async (url: string) => {
        cancelled.push(url);
      },
    },
  });
  await deps.state.insertChunk(planned);
  await deps.state.changeCursor((c) => ({ ...c, nextSeq: 2 }));
  return { deps, cancelled, telemetry: base.telemetry };
}

describe("a kick-off that answers after its claim was taken over", () => {
  it("leaves the other runner's running export alone and cancels its own job", async () => {
    const { deps, cancelled, telemetry } = await setUp(async (d) => {
      await d.state.changeChunk(1, (c) => ({
        ...c,
        exportStatus: "Running",
        exportStartTime: "2030-01-01T00:00:00.000Z",
        exportContentLocation: OTHER_JOB,
      }));
    });
    await startExport(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Running",
      exportContentLocation: OTHER_JOB,
    });
    expect(cancelled).toEqual([LATE_JOB]);
    expect(telemetry.events.filter((e) => e.name === "Export")).toMatchObject([
      { properties: { ExportStatus: "Failed" } },
    ]);
  });

  it("never sets a completed export back to running", async () => {
    const { deps, cancelled } = await setUp(async (d) => {
      await d.state.changeChunk(1, (c) => ({
        ...c,
        exportStatus: "Completed",
        exportContentLocation: OTHER_JOB,
      }));
    });
    await startExport(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Completed",
      exportContentLocation: OTHER_JOB,
    });
    expect(cancelled).toEqual([LATE_JOB]);
  });

  it("records its status URL when the claim is still its own", async () => {
    const { deps, cancelled } = await setUp(async () => {});
    await startExport(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Running",
      exportContentLocation: LATE_JOB,
    });
    expect(cancelled).toEqual([]);
  });
});

describe("a kick-off refused after its claim was taken over", () => {
  it("leaves the other runner's newer claim alone instead of requeueing it", async () => {
    const base = await depsWithTables({ ...unreachableServers(), ...freshTables("sr") });
    const deps = withFakes(base, {
      source: {
        exportKickOff: async () => {
          // Another runner re-claimed the window (this claim timed out) and is kicking off now.
          await deps.state.changeChunk(1, (c) => ({
            ...c,
            exportStartTime: "2030-01-01T00:00:00.000Z",
          }));
          throw new FhirOperationError(
            "export refused",
            { method: "GET", url: "http://127.0.0.1:9/$export", status: 400 },
            "refused",
          );
        },
      },
    });
    await deps.state.insertChunk(planned);
    await deps.state.changeCursor((c) => ({ ...c, nextSeq: 2 }));
    await startExport(deps, { seq: 1 });
    expect(await deps.state.getChunk(1)).toMatchObject({
      exportStatus: "Started",
      exportStartTime: "2030-01-01T00:00:00.000Z",
      exportContentLocation: undefined,
    });
    expect((await deps.state.getCursor()).consecutiveFailures).toBe(0);
  });
});
