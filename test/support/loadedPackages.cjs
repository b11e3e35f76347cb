"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload: require is its API */
// Preloaded with `node --require` by test/unit/cli/help.test.ts: when the process exits, writes the
// npm packages it loaded (from require's cache) as JSON to the file LOADED_PACKAGES_FILE names.
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (m !== null) packages.add(m[1].replace(/\\/g, "/"));
  }
  writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify([...packages].sort()));
});
