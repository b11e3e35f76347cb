/**
 * `npm test`'s static checks at once: eslint, prettier and the compiler each use about one core for
 * 20 s on a two-core machine, so run together they take about half as long as one after another.
 * Each one's output is printed whole when it ends; the exit code is non-zero if any failed.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

/** npm runs scripts from the package root; the packages' own entry points, as npm's bin links run. */
const bin = (...path) => join("node_modules", ...path);

const CHECKS = [
  ["eslint", bin("eslint", "bin", "eslint.js"), ["."]],
  ["prettier", bin("prettier", "bin", "prettier.cjs"), ["--check", "."]],
  ["tsc", bin("typescript", "bin", "tsc"), ["-p", "tsconfig.json", "--noEmit"]],
];

function run([name, bin, args]) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (error) => resolve({ name, code: 1, out: `${out}${error.message}\n` }));
    child.on("close", (code) => resolve({ name, code: code ?? 1, out }));
  });
}

const results = await Promise.all(CHECKS.map(run));
for (const { name, code, out } of results) {
  process.stdout.write(`── ${name}: ${code === 0 ? "ok" : `failed (exit ${code})`}\n${out}`);
}
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
