"use strict";
/**
 * Which sources a build was made from. `npm run build` writes the stamp of src/ (and the compiler
 * settings) next to the compiled code; the `fhir-migrate` entry point runs the build only while the
 * sources still have that stamp, so a `git pull` or an edit after a build never runs old code.
 *
 *   node bin/buildStamp.js --write   (the last step of npm run build)
 */
const { createHash } = require("node:crypto");
const { existsSync, readFileSync, readdirSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
/** Where the build keeps the stamp of the sources it was compiled from, under the project root. */
const STAMP_FILE = path.join("dist", "source-stamp.txt");
/** Besides every file under src/, what changes the compiled output. */
const COMPILER_FILES = ["tsconfig.json", "tsconfig.build.json"];

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(full) : [full];
    })
    .sort();
}

/** A digest of every source file's path and content; undefined where there are no sources. */
function sourceStamp(root = ROOT) {
  const src = path.join(root, "src");
  if (!existsSync(src)) return undefined;
  const hash = createHash("sha256");
  for (const file of [...filesUnder(src), ...COMPILER_FILES.map((f) => path.join(root, f))]) {
    hash.update(path.relative(root, file).split(path.sep).join("/"));
    hash.update("\0");
    hash.update(existsSync(file) ? readFileSync(file) : "");
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * True when dist/ was built from the sources as they are now, or when there are no sources to
 * compare with (an installed package ships only dist/).
 */
function buildIsCurrent(root = ROOT) {
  const stamp = path.join(root, STAMP_FILE);
  if (!existsSync(stamp)) return false;
  const current = sourceStamp(root);
  return current === undefined || readFileSync(stamp, "utf8").trim() === current;
}

module.exports = { STAMP_FILE, sourceStamp, buildIsCurrent };

if (require.main === module && process.argv[2] === "--write") {
  writeFileSync(path.join(ROOT, STAMP_FILE), `${sourceStamp()}\n`);
}
