/** `--help` texts, and the compiled CLI's build stamp. What `--help` loads is checked by spawning
 * the entry point: test/integration/cli/help.test.ts. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cliHarness";

describe("fhir-migrate --help", () => {
  it("names the full check among verify's checks", async () => {
    const run = await runCli(["verify", "--help"]);
    expect(run.stdout).toMatch(
      /--checks <list>\s+comma-separated subset of\s+surface,deep,reconcile,full/,
    );
  });
});

describe("the compiled CLI", () => {
  it("is run only while it was built from the sources as they are", async () => {
    // bin/buildStamp.js: the entry point's own CommonJS helper.
    const stamp = await import("../../../bin/buildStamp.js");
    const root = await mkdtemp(join(tmpdir(), "stamp-"));
    try {
      const { mkdir, writeFile } = await import("node:fs/promises");
      await mkdir(join(root, "src"), { recursive: true });
      await mkdir(join(root, "dist"), { recursive: true });
      await writeFile(join(root, "src", "a.ts"), "export const a = 1;\n");
      await writeFile(join(root, "tsconfig.json"), "{}");
      expect(stamp.buildIsCurrent(root)).toBe(false); // built without a stamp: not trusted
      await writeFile(join(root, stamp.STAMP_FILE), `${stamp.sourceStamp(root)}\n`);
      expect(stamp.buildIsCurrent(root)).toBe(true);
      await writeFile(join(root, "src", "a.ts"), "export const a = 2;\n"); // a pull or an edit
      expect(stamp.buildIsCurrent(root)).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
