import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../../unit/infra/infra-checks";

const SCRIPT = join(ROOT, "scripts", "package.mjs");
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A tiny project with no dependencies, so `npm ci` needs no network. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "fhir-migrate-package-test-"));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const COMPLETE = {
  "dist/src/functions/index.js": "module.exports = {};\n",
  "dist/src/functions/index.js.map": "{}",
  "host.json": '{ "version": "2.0" }\n',
  "package.json": JSON.stringify({
    name: "demo",
    version: "1.0.0",
    main: "dist/src/functions/index.js",
    dependencies: {},
  }),
  "package-lock.json": JSON.stringify({
    name: "demo",
    version: "1.0.0",
    lockfileVersion: 3,
    requires: true,
    packages: { "": { name: "demo", version: "1.0.0" } },
  }),
  "src/functions/index.ts": "export {};\n",
};

function run(root: string, ...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, "--root", root, ...args], { encoding: "utf8" });
}

/** Reads a zip's central directory and inflates each file (independent of the writer). */
function readZip(path: string): Map<string, string> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressed);
    if (!name.endsWith("/")) {
      files.set(name, (method === 8 ? inflateRawSync(raw) : raw).toString("utf8"));
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

describe("scripts/package.mjs", () => {
  it("fails with a clear message when the build output is missing", () => {
    const {
      ["dist/src/functions/index.js"]: _js,
      ["dist/src/functions/index.js.map"]: _map,
      ...rest
    } = COMPLETE;
    const root = project(rest);
    const result = run(root);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dist is missing");
    expect(result.stderr).toContain('Run "npm run build" first');
  });

  it("fails when package.json main was not built", () => {
    const { ["dist/src/functions/index.js"]: _js, ...rest } = COMPLETE;
    const result = run(project(rest));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('"main" is dist/src/functions/index.js');
  });

  it("fails when host.json is missing", () => {
    const { ["host.json"]: _host, ...rest } = COMPLETE;
    const result = run(project(rest));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/host\.json is missing/);
  });

  it("rejects an unknown zip tool", () => {
    const result = run(project(COMPLETE), "--zip-tool", "7z");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--zip-tool accepts auto, zip or node; received "7z"');
  });

  it("zips dist, host.json and package files (not sources) and prints the size", () => {
    const root = project(COMPLETE);
    const out = join(root, "out.zip");
    const result = run(root, "--out", out, "--zip-tool", "node");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/out\.zip: [\d.]+ KB \(\d+ bytes, written with node\)/);
    const files = readZip(out);
    expect([...files.keys()].sort()).toEqual([
      "dist/src/functions/index.js",
      "dist/src/functions/index.js.map",
      "host.json",
      "package-lock.json",
      "package.json",
    ]);
    expect(files.get("dist/src/functions/index.js")).toBe(COMPLETE["dist/src/functions/index.js"]);
    expect(files.get("host.json")).toBe(COMPLETE["host.json"]);
  });

  it("writes byte-identical archives for identical inputs with the built-in writer", () => {
    const root = project(COMPLETE);
    run(root, "--out", join(root, "a.zip"), "--zip-tool", "node");
    run(root, "--out", join(root, "b.zip"), "--zip-tool", "node");
    expect(readFileSync(join(root, "a.zip")).equals(readFileSync(join(root, "b.zip")))).toBe(true);
  });
});
