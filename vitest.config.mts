import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";

/**
 * Integration files at once. Part of their time is waiting (emulator job latencies, poll timers,
 * Azurite round trips, child processes), so one more file than there are cores runs, at least
 * three: on two cores, two workers left about 0.4 of a core idle and the tier took 7:56 in one
 * fresh-clone run; three took 6:45 in the next (vitest's default, cores - 1, would run one at a time).
 */
const INTEGRATION_WORKERS = Math.max(3, availableParallelism() + 1);

/**
 * The integration files that take longest (40 s to 2 min each on two cores), longest first. With
 * timings from an earlier run vitest starts the longest first by itself; a fresh clone has none,
 * and vitest then keeps the order it found the files in, so one of these could start last and run
 * alone while the other workers sit idle. The tier is bound by CPU on two cores, so what counts is
 * that the last files to start are short ones.
 */
const LONG_FILES = [
  "test/integration/resilience/crashRecovery.test.ts",
  "test/integration/engine/migration.test.ts",
  "test/integration/engine/importIsolation.test.ts",
  "test/e2e/demo.test.ts",
  "test/integration/cutover/cutover.test.ts",
  "test/integration/resilience/faultMatrix.test.ts",
  "test/integration/cli/localState.test.ts",
  "test/integration/engine/emptyPagePositions.test.ts",
  "test/integration/verify/fullOrchestrator.scale.test.ts",
  "test/integration/engine/ledger.test.ts",
  "test/integration/resilience/jobFaults.test.ts",
];

class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const i = LONG_FILES.findIndex((f) => spec.moduleId.endsWith(f));
      return i < 0 ? LONG_FILES.length : i;
    };
    // Stable: within a project (and a group), the base order stands after the long files.
    return (await super.sort(files)).sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        (a.project.name === b.project.name ? rank(a) - rank(b) : 0),
    );
  }
}

/**
 * Two tiers. `unit` (test/unit): logic that needs no Azurite, no emulator, no child process and no
 * real wait, so it answers in well under a minute; its setup file makes any of those throw.
 * `integration` (test/integration, test/e2e): real Azurite (one per run, from the global setup),
 * the emulators, spawned CLIs and browsers. `vitest run` runs both: unit first, then integration
 * (projects with different worker counts run as separate groups).
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    sequence: { sequencer: LongFilesFirst },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // Files share loaded modules: importing the SDKs once per worker, not once per file, is
          // most of what keeps this tier fast. A test that needs a fresh load resets modules itself.
          isolate: false,
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/support/unitTierGuard.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          // As in the unit tier, files in one worker share loaded modules: with a fresh load per
          // file, importing the SDKs, the engine and the emulators cost more CPU than many files'
          // tests (25 storage, status and client files: 101 s of CPU isolated, 46 s shared). Test
          // state lives in each file (fresh tables, emulators and Azurite containers per test).
          isolate: false,
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/globalSetup.ts"],
          maxWorkers: INTEGRATION_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
