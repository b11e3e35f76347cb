/**
 * The source's clock out of step with the app's, and a start date in the future. Windows are capped
 * by both clocks, the skew is named, "caught up" is stated as of an instant, and nothing written on
 * the source after a window was exported lands in that window unseen.
 */
import { describe, expect, it } from "vitest";
import { syntheticResource, seededRandom } from "../../../emulator/harness/syntheticData";
import { startRewritingProxy } from "../../support/rewritingProxy";
import type { ResilienceEnvironment } from "./harness";
import {
  depsFor,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

async function withEnvironment(test: (environment: ResilienceEnvironment) => Promise<void>) {
  const environment = await startResilienceEnvironment({ azurite: azurite() });
  try {
    environment.seed(20);
    await test(environment);
  } finally {
    await environment.stop();
  }
}

function writeOnSource(environment: ResilienceEnvironment, id: string) {
  return environment.source.store.create(
    syntheticResource("Patient", id, id, seededRandom(5), environment.clock.now()),
  );
}

describe("clocks", () => {
  it("caps windows by a source clock behind the app's, names the skew, and copies what the source writes later", () =>
    withEnvironment(async (environment) => {
      environment.setSourceSkew(-60_000);
      const deps = depsFor(environment, "behind");
      const first = await migrate(environment, deps);
      expect(first.output).toMatchObject({ outcome: "caught-up" });
      const cursor = await deps.state.getCursor();
      expect(cursor.clockSkew).toMatch(
        /the source's clock is (60|61) s behind this app's.*larger than AZURE_SafetyLagSeconds \(1 s\)/,
      );
      expect(Date.parse(cursor.frontier!)).toBeLessThanOrEqual(environment.clock.now() - 60_000);

      // Stamped by the source's clock: before the app's last cap, after the source's.
      writeOnSource(environment, "late-writer");
      await environment.clock.sleepUntil(environment.clock.now() + 5_000);
      const second = await migrate(environment, deps);
      expect(second.output).toMatchObject({ outcome: "caught-up" });
      await expectEveryVersionCopied(deps);
    }));

  it("says caught up as of an instant, names a source clock ahead, and copies its newer versions later", () =>
    withEnvironment(async (environment) => {
      environment.setSourceSkew(60_000);
      const written = writeOnSource(environment, "from-the-future");
      const deps = depsFor(environment, "ahead");
      const first = await migrate(environment, deps);
      expect(first.output).toMatchObject({ outcome: "caught-up" });
      const cursor = await deps.state.getCursor();
      expect(cursor.clockSkew).toMatch(/the source's clock is (59|60|61) s ahead of this app's/);
      // Caught up as of the watermark, which the newer version is after.
      expect(Date.parse(cursor.watermark!)).toBeLessThan(written.lastUpdatedMs);
      await environment.clock.sleepUntil(environment.clock.now() + 120_000);
      const second = await migrate(environment, deps);
      expect(second.output).toMatchObject({ outcome: "caught-up" });
      await expectEveryVersionCopied(deps);
    }));

  it("halts on an AZURE_StartDate in the future instead of reporting caught up", () =>
    withEnvironment(async (environment) => {
      const start = new Date(environment.clock.now() + 86_400_000).toISOString();
      const deps = depsFor(environment, "future", { AZURE_StartDate: start });
      const result = await migrate(environment, deps);
      expect(result.output).toMatchObject({ outcome: "halted" });
      const cursor = await deps.state.getCursor();
      expect(cursor.haltReason).toMatch(/^AZURE_StartDate \(.*\) is in the future/);
      expect(cursor).toMatchObject({ caughtUp: false, frontier: undefined });
    }));

  it("names the skew and AZURE_SafetyLagSeconds when the source refuses a window end as in its future", () =>
    withEnvironment(async (environment) => {
      // No Date header: the source's clock is unknown, so only its refusal tells.
      const proxy = await startRewritingProxy(environment.source.baseUrl);
      try {
        proxy.setRewrite((e) => ({
          headers: Object.fromEntries(Object.entries(e.headers).filter(([k]) => k !== "date")),
        }));
        environment.setSourceSkew(-60_000);
        const deps = depsFor(environment, "refused", { AZURE_SourceUri: proxy.origin });
        const result = await migrate(environment, deps);
        expect(result.output).toMatchObject({ outcome: "halted" });
        expect((await deps.state.getCursor()).haltReason).toMatch(
          /^Clock skew: the source refused a window end as in its future .*AZURE_SafetyLagSeconds \(1 s\)/,
        );
      } finally {
        await proxy.close();
      }
    }));
});
