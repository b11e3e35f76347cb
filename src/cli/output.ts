import type { CliRuntime } from "./runtime";

/** Machine-readable output: one JSON document on stdout. */
export function writeJson(runtime: CliRuntime, value: unknown): void {
  runtime.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
