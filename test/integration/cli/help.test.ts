/**
 * `--help` answers from the command definitions alone (src/cli/commands), without loading the code
 * of any command: no Azure SDK, no durable-functions, no zod. This is what keeps it fast from a
 * fresh clone, where tsx compiles every module loaded; the time itself is not asserted here.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../..");
const BIN = join(ROOT, "bin/fhir-migrate.js");
const HEAVY = /^(@azure\/|durable-functions$|applicationinsights$|zod$|cli-progress$)/;

async function packagesLoadedBy(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "help-"));
  try {
    const file = join(dir, "loaded.json");
    await promisify(execFile)(
      process.execPath,
      ["--require", join(ROOT, "test/support/loadedPackages.cjs"), BIN, ...args],
      { env: { ...process.env, FHIR_MIGRATE_FROM_SOURCE: "1", LOADED_PACKAGES_FILE: file } },
    );
    return JSON.parse(await readFile(file, "utf8")) as string[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("fhir-migrate --help", () => {
  it.each([["--help"], ["run", "--help"], ["help", "cleanup"]])(
    "%s loads commander but no command's code",
    async (...args) => {
      const loaded = await packagesLoadedBy(args);
      expect(loaded).toContain("commander");
      expect(loaded.filter((p) => HEAVY.test(p))).toEqual([]);
    },
  );
});
