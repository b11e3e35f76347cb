#!/usr/bin/env node
"use strict";
// Entry point of the `fhir-migrate` command. Runs the compiled CLI when dist/ was built from the
// sources as they are now (bin/buildStamp.js); otherwise the TypeScript sources through tsx, so a
// fresh clone works after `npm install` without a build and a build that a `git pull` or an edit
// made stale is never run. FHIR_MIGRATE_FROM_SOURCE=1 always runs the sources.
const path = require("node:path");
const { buildIsCurrent } = require("./buildStamp.js");

const root = path.join(__dirname, "..");

/** Help and version need no command's code: nothing is loaded with import() for them. */
function onlyHelp(args) {
  return (
    args.length === 0 || args.some((a) => ["-h", "--help", "help", "-V", "--version"].includes(a))
  );
}

async function loadCli(args) {
  if (process.env.FHIR_MIGRATE_FROM_SOURCE !== "1" && buildIsCurrent())
    return require(path.join(root, "dist", "src", "cli", "main.js"));
  try {
    require("tsx/cjs");
    // The commands load their code with import() (so `--help` loads no Azure SDK): tsx must
    // compile what import() loads too. Its hook starts a thread, which help does without.
    if (!onlyHelp(args)) (await import("tsx/esm/api")).register();
  } catch {
    process.stderr.write(
      "fhir-migrate: the project is not built and tsx is not installed; run `npm install` (or `npm run build`) first.\n",
    );
    process.exit(1);
  }
  return require(path.join(root, "src", "cli", "main.ts"));
}

const args = process.argv.slice(2);
loadCli(args)
  .then((cli) => cli.main(args))
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
