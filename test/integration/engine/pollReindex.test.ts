/**
 * PollReindex writes its answer only while the job it polled is still the cursor's: another runner
 * may have restarted the reindex meanwhile, and that job's state stands.
 */
import { describe, expect, it } from "vitest";
import { pollReindex } from "../../../src/engine/activities/pollReindex";
import { FhirOperationError } from "../../../src/errors";
import { freshTables } from "../../support/engineScenario";
import { depsWithTables, unreachableServers, withFakes } from "../../support/fakeDeps";

const POLLED = "http://127.0.0.1:10/_operations/reindex/1";
const RESTARTED = "http://127.0.0.1:10/_operations/reindex/2";

describe("a reindex poll answered after another runner restarted the job", () => {
  it("leaves the restarted job running when the polled one failed", async () => {
    const base = await depsWithTables({ ...unreachableServers(), ...freshTables("pr") });
    const deps = withFakes(base, {
      destination: {
        reindexStatus: async () => {
          await deps.state.changeCursor((c) => ({ ...c, reindexStatusUrl: RESTARTED }));
          throw new FhirOperationError(
            "reindex job 1 failed",
            { method: "GET", url: POLLED },
            "failed",
          );
        },
      },
    });
    await deps.state.changeCursor((c) => ({
      ...c,
      reindexState: "running",
      reindexStatusUrl: POLLED,
    }));
    await pollReindex(deps);
    expect(await deps.state.getCursor()).toMatchObject({
      reindexState: "running",
      reindexStatusUrl: RESTARTED,
    });
  });

  it("records the failure of the job it polled", async () => {
    const base = await depsWithTables({ ...unreachableServers(), ...freshTables("pr") });
    const deps = withFakes(base, {
      destination: {
        reindexStatus: async () => {
          throw new FhirOperationError(
            "reindex job 1 failed",
            { method: "GET", url: POLLED },
            "failed",
          );
        },
      },
    });
    await deps.state.changeCursor((c) => ({
      ...c,
      reindexState: "running",
      reindexStatusUrl: POLLED,
    }));
    await pollReindex(deps);
    expect(await deps.state.getCursor()).toMatchObject({ reindexState: "failed" });
  });
});
