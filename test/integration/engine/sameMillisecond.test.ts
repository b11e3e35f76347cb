/**
 * Two API writes of one resource can share a lastUpdated millisecond on both stores (emulator
 * store.shareNextStamps cites the server code). On import the destination keeps the higher version
 * and reports the other as a duplicate line (SqlServerFhirDataStore.ImportResourcesAsync): the
 * migration records it as a failed resource, never loses it silently.
 */
import { describe, expect, it } from "vitest";
import { compareAllVersions } from "../../../emulator/harness/compareVersions";
import { depsFor, migrate, startResilienceEnvironment, useOwnAzurite } from "../resilience/harness";

const azurite = useOwnAzurite();

describe("versions stamped in the same millisecond", () => {
  it("the one the destination drops is recorded as a failed resource, with the server's reason", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      const store = environment.source.store;
      store.create({ resourceType: "Patient", id: "other" });
      store.create({ resourceType: "Patient", id: "twice" });
      store.shareNextStamps(1);
      store.update({ resourceType: "Patient", id: "twice", active: true });
      const [v1, v2] = store.history("Patient", "twice");
      expect(v1?.lastUpdatedMs).toBe(v2?.lastUpdatedMs);
      await environment.clock.sleepUntil(environment.clock.now() + 5 * 60_000);
      const deps = depsFor(environment, "samems");
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      const failed = [];
      for await (const f of deps.state.listFailedResources()) failed.push(f);
      expect(failed.map((f) => [f.resourceType, f.id, f.reason])).toEqual([
        [
          "Patient",
          "twice",
          expect.stringMatching(
            /^Failed to import duplicate resource, resource id: twice, line: \d+$/,
          ),
        ],
      ]);
      expect(await deps.state.getCursor()).toMatchObject({ resourcesFailed: 1, halted: false });
      const { problems } = await compareAllVersions(deps.source, deps.destination);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("Patient/twice/1");
    } finally {
      await environment.stop();
    }
  });
});
