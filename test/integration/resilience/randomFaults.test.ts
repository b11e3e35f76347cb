/**
 * The demo's `--faults RATE` helper: random faults of every kind on both emulators, for every
 * operation. A migration through them completes with every version copied.
 */
import { describe, expect, it } from "vitest";
import { faultSummary, injectRandomFaults, stopFaults } from "../../../demo/faults";
import { createEngineDeps } from "../../../src/engine/createDeps";
import { InMemoryTelemetry } from "../../../src/telemetry/telemetry";
import { settingsFor } from "../../../emulator/harness/localEnvironment";
import {
  FAST_SETTINGS,
  expectEveryVersionCopied,
  migrate,
  startResilienceEnvironment,
  uniqueTables,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

describe("random faults (npm run demo -- --faults RATE)", () => {
  it("are survived by a migration that copies every version", async () => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      environment.seed(60);
      injectRandomFaults(environment.source, environment.destination, 0.1, 7);
      // As the demo builds them: no credential, so a 401 is final and the engine retries the step.
      const deps = createEngineDeps(
        settingsFor(environment.env({ ...FAST_SETTINGS, ...uniqueTables("random") })),
        { telemetry: new InMemoryTelemetry(), clock: environment.clock },
      );
      const result = await migrate(environment, deps);
      const summary = stopFaults(environment.source, environment.destination);
      expect(result.output).toMatchObject({ outcome: "caught-up" });
      expect(summary).toMatch(/^survived [1-9]\d* faults \(source: 429\/503 \d+/);
      expect(summary).toBe(faultSummary(environment.source, environment.destination));
      await expectEveryVersionCopied(deps);
    } finally {
      await environment.stop();
    }
  });

  it.each([0, 1.5, Number.NaN])("refuses a rate of %s", async (rate) => {
    const environment = await startResilienceEnvironment({ azurite: azurite() });
    try {
      expect(() =>
        injectRandomFaults(environment.source, environment.destination, rate, 1),
      ).toThrow("the fault rate must be above 0 and at most 1");
    } finally {
      await environment.stop();
    }
  });
});
