/**
 * Import jobs still running when the migration halted were posted before the fix the operator then
 * made. After the resume their failure is not held against the payload: it neither uses an attempt
 * (the last one would halt the resumed migration again), nor counts toward the consecutive-failure
 * halt, nor starts a diagnosis; the payload is imported again whole and every version arrives.
 */
import { describe, expect, it } from "vitest";
import { clearMaxExportRetries } from "../../../src/engine/control";
import { haltMigration } from "../../../src/engine/failures";
import type { PayloadRecord } from "../../../src/core/migrationState";
import type { ResilienceEnvironment, TestDeps } from "./harness";
import {
  depsFor,
  expectEveryVersionCopied,
  migrate,
  payloadRows,
  startResilienceEnvironment,
  useOwnAzurite,
} from "./harness";

const azurite = useOwnAzurite();

/** One window, so one payload: the halt below catches it at a known attempt. */
const ONE_WINDOW = {
  AZURE_ExportChunkTime: "3600",
  AZURE_ChunkLimit: "1000",
  AZURE_MaxExportRetriesEnabled: "true",
};

const FAULTS = {
  "a full database": {
    statusCode: 500,
    reason: "The database 'fhirdb' has reached its size quota.",
    namesInputFile: true,
    showsReason: true,
  },
  "a data error's wording": {
    statusCode: 400,
    reason: "Arithmetic Overflow.",
    namesInputFile: true,
  },
} as const;

async function withEnvironment(
  test: (environment: ResilienceEnvironment) => Promise<void>,
): Promise<void> {
  const environment = await startResilienceEnvironment({ azurite: azurite() });
  try {
    environment.seed(20);
    await test(environment);
  } finally {
    await environment.stop();
  }
}

/**
 * Runs the migration until the payload's job for `attempt` is running, then halts it there, as
 * another payload's failures would: that job was posted under the fault and fails after the resume.
 */
async function haltWhileRunning(
  environment: ResilienceEnvironment,
  deps: TestDeps,
  attempt: number,
): Promise<PayloadRecord> {
  const halted = await migrate(environment, deps, {
    wrapActivity: async (name, call) => {
      const result = await call();
      const [payload] = await payloadRows(deps);
      if (name === "StartImport" && payload?.status === "Running" && payload.attempts === attempt)
        await haltMigration(deps, "Halted while an import job ran (another payload failed)");
      return result;
    },
  });
  expect(halted.output).toMatchObject({ outcome: "halted" });
  const [payload] = await payloadRows(deps);
  expect(payload).toMatchObject({ status: "Running", attempts: attempt });
  expect(payload?.isolating).not.toBe(true);
  return payload!;
}

describe("a resume after a halt, with import jobs posted before it still running", () => {
  for (const [fault, attempt] of [
    ["a full database", 3],
    ["a data error's wording", 1],
  ] as const) {
    it(`${fault}, the job of attempt ${attempt}: imported again whole, no second halt`, () =>
      withEnvironment(async (environment) => {
        environment.destination.faults.add({
          kind: "import-job-fails",
          ...FAULTS[fault],
          times: 100_000,
        });
        const deps = depsFor(environment, `resume${attempt}`, ONE_WINDOW);
        const running = await haltWhileRunning(environment, deps, attempt);

        environment.destination.faults.clear();
        const cleared = await clearMaxExportRetries(
          deps.state,
          deps.telemetry,
          deps.settings.storage,
        );
        expect(cleared).toMatchObject({ payloadsRequeued: 0, jobsCarriedOver: 1 });
        const [carried] = await payloadRows(deps);
        expect(carried).toMatchObject({
          status: "Running",
          importContentLocation: running.importContentLocation,
          attempts: 0,
          round: 1,
        });

        environment.destination.stats.reset();
        let failuresCounted = 0;
        const resumed = await migrate(environment, deps, {
          wrapActivity: async (_name, call) => {
            const result = await call();
            const cursor = await deps.state.getCursor();
            failuresCounted = Math.max(failuresCounted, cursor.consecutiveFailures);
            return result;
          },
        });
        expect(resumed.output).toMatchObject({ outcome: "caught-up" });
        await expectEveryVersionCopied(deps);
        expect(failuresCounted).toBe(0);
        // The old job's failure, then one whole import of the new round: no diagnosis.
        expect(environment.destination.stats.requests("import-kickoff")).toBe(1);
        const failed = deps.telemetry
          .named("Import")
          .filter((e) => e.properties.ImportStatus === "Failed" && e.properties.Attempt === 0);
        expect(failed.map((e) => e.properties.FailureReason)).toEqual([
          expect.stringMatching(/a job posted before the resume: imported again\)$/),
        ]);
        const [done] = await payloadRows(deps);
        expect(done).toMatchObject({ status: "Completed", attempts: 1, round: 1 });
      }));
  }
});
