import { defineConfig } from "vitest/config";

/**
 * Two tiers. `unit` (test/unit): logic that needs no Azurite, no emulator, no child process and no
 * real wait, so it answers in well under a minute; its setup file makes any of those throw.
 * `integration` (test/integration, test/e2e): real Azurite (one per run, from the global setup),
 * the emulators, spawned CLIs and browsers. `vitest run` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
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
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
          globalSetup: ["test/support/globalSetup.ts"],
        },
      },
    ],
  },
});
