import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/**
 * Three years of seeded history (--years) instead of the default ten: about 6 export windows
 * instead of 20, which cuts each demo's CPU by a third (12 s instead of 18). What these cases check
 * (every version arrives, exactly the damage is reported, GO / NO-GO, exactly the seeded decimals
 * refused) does not depend on how many windows the history makes; chaining many windows is the
 * engine tests' subject.
 */
const YEARS = "3";

interface DemoRun {
  resources: number;
  writeSeconds: number;
  seed: number;
}

/**
 * Runs `npm run demo -- ARGS` as a user would, in a child process with its own Azurite: the
 * command npm runs (`node --import tsx demo/run.ts`), without npm and without the tsx CLI, which
 * would start a second Node process around it. Spawned without blocking: the worker's event loop
 * stays free while the demo runs. The demos run one after another; the integration tier runs
 * other files in its other workers meanwhile.
 */
function demo(run: DemoRun, ...flags: string[]): Promise<{ code: number | null; out: string }> {
  const args = [
    ...["--years", YEARS, "--resources", String(run.resources)],
    ...["--write-seconds", String(run.writeSeconds), "--seed", String(run.seed)],
    ...flags,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "demo/run.ts", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 240_000,
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("npm run demo", { timeout: 250_000 }, () => {
  it("migrates with live writes, then proves every version arrived and every check passes", async () => {
    const { code, out } = await demo({ resources: 600, writeSeconds: 3, seed: 5 });
    expect(out).toContain("PASS: every version on the source is on the destination");
    expect(out).toContain("Result: PASS");
    expect(code).toBe(0);
  });

  it("with --tamper, reports exactly the damage done and exits non-zero", async () => {
    const { code, out } = await demo({ resources: 600, writeSeconds: 2, seed: 6 }, "--tamper", "2");
    expect(out).toContain("the checks reported exactly the damage done, and nothing else");
    expect(code).toBe(1);
  });

  it("with --cutover, ends GO with the measured window and the ledger up to the freeze", async () => {
    const { code, out } = await demo({ resources: 600, writeSeconds: 3, seed: 8 }, "--cutover");
    expect(out).toMatch(/Cutover for the freeze at \S+: GO/);
    expect(out).toMatch(/cutover window \(freeze to verdict\): \d+/);
    expect(out).toMatch(/ledger up to the freeze: (\d+)\/\1 entries reconciled/);
    expect(code).toBe(0);
  });

  it("with --cutover --tamper, ends NO-GO naming exactly the damage and exits non-zero", async () => {
    const { code, out } = await demo(
      { resources: 600, writeSeconds: 3, seed: 9 },
      "--cutover",
      "--tamper",
      "3",
    );
    expect(out).toMatch(/Cutover for the freeze at \S+: NO-GO/);
    expect(out).toContain("NO-GO names exactly the damage done");
    expect(code).toBe(1);
  });

  it("with --decimals (values from 1e18 up to 1e20 and beyond), keeps out and records exactly those, and does not halt", async () => {
    const { code, out } = await demo(
      { resources: 300, writeSeconds: 2, seed: 7 },
      "--decimals",
      "3",
    );
    expect(out).toContain(
      "3 resource(s) with a quantity of 1e18 or more (from 1e18 up to 1e20, and beyond) the destination cannot hold: kept out of the import and recorded as failed, exactly the ones seeded; no halt",
    );
    expect(out).toContain("the verification lists the 3 refused resource(s) as known failures");
    expect(code).toBe(0);
  });

  it("with --decimals and --deidentify, shortens what the destination would reject and migrates it", async () => {
    const { code, out } = await demo(
      { resources: 300, writeSeconds: 2, seed: 7 },
      "--decimals",
      "2",
      "--deidentify",
    );
    expect(out).toContain(
      "2 long decimal(s) were shortened by the anonymization config and imported",
    );
    expect(code).toBe(0);
  });
});
