#!/usr/bin/env node
"use strict";
// Entry point of the `fhir-migrate` command. Runs the compiled CLI when the project has been built
// (npm run build); otherwise the TypeScript sources through tsx, so a fresh clone works after
// `npm install` without a build. FHIR_MIGRATE_FROM_SOURCE=1 always runs the sources (the tests
// use it, so they never exercise a stale build).
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const built = path.join(root, "dist", "src", "cli", "main.js");

function loadCli() {
  if (process.env.FHIR_MIGRATE_FROM_SOURCE !== "1" && existsSync(built)) return require(built);
  let tsx;
  try {
    tsx = require.resolve("tsx/cjs");
  } catch {
    process.stderr.write(
      "fhir-migrate: the project is not built and tsx is not installed; run `npm install` (or `npm run build`) first.\n",
    );
    process.exit(1);
  }
  require(tsx);
  return require(path.join(root, "src", "cli", "main.ts"));
}

loadCli()
  .main(process.argv.slice(2))
  .then(
    (code) => {
      // A command may also have set process.exitCode itself; keep it unless main reports a failure.
      if (code !== 0) process.exitCode = code;
    },
    (error) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
