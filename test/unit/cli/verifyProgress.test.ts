import { describe, expect, it } from "vitest";
import { verificationProgressReporter } from "../../../src/cli/progressBar";
import type { CliRuntime } from "../../../src/cli/runtime";
import type { ProgressEvent } from "../../../src/core/progress";

function printer() {
  const err: string[] = [];
  const runtime: CliRuntime = {
    env: {},
    cwd: "/",
    stdout: () => {},
    stderr: (t) => err.push(t),
  };
  let now = 0;
  const reporter = verificationProgressReporter(runtime, () => now);
  const print = (event: ProgressEvent) => reporter.emit(event);
  const status = (unitsDone: number, versionsDone: number): ProgressEvent => ({
    kind: "verification",
    runId: "r",
    units: 10,
    unitsDone,
    versions: 1000,
    versionsDone,
  });
  return { err, print, status, at: (ms: number) => (now = ms) };
}

describe("fhir-migrate verify progress", () => {
  it("prints units, versions and an estimate from this attempt's pace", () => {
    const p = printer();
    p.print(p.status(2, 200)); // resumed units: not part of the pace
    p.at(10_000);
    p.print(p.status(4, 400));
    expect(p.err.at(-1)).toBe(
      "full check: 4/10 units, 400/1000 versions (40 %), about 30 s left\n",
    );
  });

  it("prints at most every 5 seconds until the last unit", () => {
    const p = printer();
    p.print(p.status(1, 100));
    p.at(1000);
    p.print(p.status(2, 200));
    p.at(2000);
    p.print(p.status(10, 1000));
    expect(p.err).toHaveLength(2);
  });
});
