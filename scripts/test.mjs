/**
 * `npm test`: the static checks (scripts/checks.mjs) and the whole vitest suite side by side. The
 * suite keeps both cores of a two-core machine busy only part of the time (its integration files
 * also wait on timers and child processes), so the checks run beside it at a lower priority and fill
 * what it leaves, instead of taking their own half-minute before it. The checks' report is printed
 * after the suite's; the exit code is non-zero if either failed.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

function run(args, stdio) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio });
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    child.on("error", (error) => resolve({ code: 1, out: `${out}${error.message}\n` }));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

const [checks, suite] = await Promise.all([
  run([join("scripts", "checks.mjs"), "--low-priority"], ["ignore", "pipe", "pipe"]),
  run([join("node_modules", "vitest", "vitest.mjs"), "run", ...process.argv.slice(2)], "inherit"),
]);
process.stdout.write(`\nStatic checks (eslint, prettier, tsc):\n${checks.out}`);
process.exitCode = checks.code !== 0 || suite.code !== 0 ? 1 : 0;
