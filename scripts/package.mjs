#!/usr/bin/env node
/**
 * Builds fhir-migrate.zip, the package the function app runs from (WEBSITE_RUN_FROM_PACKAGE):
 * the compiled dist/, host.json, package.json, package-lock.json and the production
 * node_modules (a clean `npm ci --omit=dev` in a temporary staging folder, so dev dependencies
 * and local leftovers never ship).
 *
 *   npm run package                       (build, then this script)
 *   node scripts/package.mjs [--root <project dir>] [--out <zip path>] [--zip-tool auto|zip|node]
 *
 * --zip-tool auto (default) uses the `zip` command when it is installed and otherwise a small
 * built-in writer (deflate, Zip64 when there are more than 65,535 entries).
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

class PackageError extends Error {}

function parseArgs(argv) {
  const options = {
    root: resolve(dirname(fileURLToPath(import.meta.url)), ".."),
    out: undefined,
    zipTool: "auto",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--root" || arg === "--out" || arg === "--zip-tool") {
      if (value === undefined) throw new PackageError(`${arg} needs a value.`);
      i++;
      if (arg === "--root") options.root = resolve(value);
      else if (arg === "--out") options.out = resolve(value);
      else if (["auto", "zip", "node"].includes(value)) options.zipTool = value;
      else throw new PackageError(`--zip-tool accepts auto, zip or node; received "${value}".`);
    } else {
      throw new PackageError(
        `Unknown argument "${arg}". Accepted: --root <dir>, --out <file>, --zip-tool auto|zip|node.`,
      );
    }
  }
  options.out ??= join(options.root, "fhir-migrate.zip");
  return options;
}

/** Everything the package needs must exist before anything is installed or written. */
function checkInputs(root) {
  const dist = join(root, "dist");
  if (!existsSync(dist)) {
    throw new PackageError(
      `${dist} is missing: there is no build output to package. Run "npm run build" first ("npm run package" builds, then packages).`,
    );
  }
  const pkgPath = join(root, "package.json");
  if (!existsSync(pkgPath)) throw new PackageError(`${pkgPath} is missing.`);
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  if (typeof pkg.main !== "string") {
    throw new PackageError(
      `package.json has no "main": the Functions host loads the functions from it.`,
    );
  }
  if (!existsSync(join(root, pkg.main))) {
    throw new PackageError(
      `package.json "main" is ${pkg.main}, which the build did not produce. Run "npm run build" and check tsconfig.build.json.`,
    );
  }
  for (const file of ["host.json", "package-lock.json"]) {
    if (!existsSync(join(root, file))) {
      throw new PackageError(
        `${join(root, file)} is missing; the package needs it (${file === "host.json" ? "the Functions host configuration" : "npm ci installs exactly the locked production dependencies"}).`,
      );
    }
  }
}

function stage(root) {
  const staging = mkdtempSync(join(tmpdir(), "fhir-migrate-package-"));
  cpSync(join(root, "dist"), join(staging, "dist"), { recursive: true });
  for (const file of ["host.json", "package.json", "package-lock.json"]) {
    cpSync(join(root, file), join(staging, file));
  }
  // Install scripts are not run: no production dependency needs one at run time, and packaging
  // should not execute third-party code.
  const npm = spawnSync(
    "npm",
    ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: staging, stdio: "inherit", shell: process.platform === "win32" },
  );
  if (npm.error !== undefined || npm.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new PackageError(
      `npm ci --omit=dev failed in the staging folder (${npm.error?.message ?? `exit code ${npm.status}`}).`,
    );
  }
  return staging;
}

/** Sorted relative paths (forward slashes) of the files and folders to archive. */
function listEntries(staging) {
  const entries = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = relative(staging, full).split(sep).join("/");
      // Command shims are symlinks, unused at run time.
      if (rel === "node_modules/.bin" || /\/node_modules\/\.bin$/.test(rel)) continue;
      const stat = statSync(full);
      if (stat.isDirectory()) {
        entries.push({ rel: `${rel}/`, full, dir: true });
        walk(full);
      } else if (stat.isFile()) {
        entries.push({ rel, full, dir: false });
      }
    }
  };
  walk(staging);
  return entries;
}

function zipAvailable() {
  const probe = spawnSync("zip", ["-v"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

function zipWithTool(staging, out) {
  const result = spawnSync(
    "zip",
    ["-r", "-q", "-X", out, ".", "-x", "node_modules/.bin/*", "*/node_modules/.bin/*"],
    {
      cwd: staging,
      stdio: "inherit",
    },
  );
  if (result.error !== undefined || result.status !== 0) {
    throw new PackageError(
      `zip failed (${result.error?.message ?? `exit code ${result.status}`}).`,
    );
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(buffer) {
  if (typeof zlib.crc32 === "function") return zlib.crc32(buffer) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buffer.length; i++) c = CRC_TABLE[(c ^ buffer[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
// 1980-01-01 00:00, the earliest DOS date: identical inputs give identical archives.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * Minimal zip writer: one deflated (or stored) entry per file, UTF-8 names, Unix permissions,
 * Zip64 end records when the entry count or central directory offset needs them.
 */
function zipWithNode(staging, out) {
  const entries = listEntries(staging);
  const fd = openSync(out, "w");
  const central = [];
  let offset = 0;
  const write = (buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const entry of entries) {
      const name = Buffer.from(entry.rel, "utf8");
      const data = entry.dir ? Buffer.alloc(0) : readFileSync(entry.full);
      if (data.length >= U32_MAX || offset >= U32_MAX) {
        throw new PackageError(
          `${entry.rel} does not fit the built-in zip writer (4 GiB limit); install zip and use --zip-tool zip.`,
        );
      }
      const deflated = entry.dir ? data : zlib.deflateRawSync(data);
      const stored = entry.dir || deflated.length >= data.length;
      const body = stored ? data : deflated;
      const crc = entry.dir ? 0 : crc32(data);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6);
      local.writeUInt16LE(stored ? 0 : 8, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      const localOffset = offset;
      write(local);
      write(name);
      write(body);

      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE((3 << 8) | 45, 4);
      header.writeUInt16LE(20, 6);
      header.writeUInt16LE(0x0800, 8);
      header.writeUInt16LE(stored ? 0 : 8, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(crc, 16);
      header.writeUInt32LE(body.length, 20);
      header.writeUInt32LE(data.length, 24);
      header.writeUInt16LE(name.length, 28);
      header.writeUInt16LE(0, 30);
      header.writeUInt16LE(0, 32);
      header.writeUInt16LE(0, 34);
      header.writeUInt16LE(0, 36);
      const mode = entry.dir ? 0o40755 : 0o100644;
      header.writeUInt32LE(((mode << 16) | (entry.dir ? 0x10 : 0)) >>> 0, 38);
      header.writeUInt32LE(localOffset, 42);
      central.push(header, name);
    }

    const centralOffset = offset;
    for (const part of central) write(part);
    const centralSize = offset - centralOffset;
    const count = entries.length;
    const needsZip64 = count >= U16_MAX || centralOffset >= U32_MAX || centralSize >= U32_MAX;
    if (needsZip64) {
      const zip64EndOffset = offset;
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE((3 << 8) | 45, 12);
      record.writeUInt16LE(45, 14);
      record.writeUInt32LE(0, 16);
      record.writeUInt32LE(0, 20);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(centralSize), 40);
      record.writeBigUInt64LE(BigInt(centralOffset), 48);
      write(record);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeUInt32LE(0, 4);
      locator.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
      locator.writeUInt32LE(1, 16);
      write(locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(Math.min(count, U16_MAX), 8);
    end.writeUInt16LE(Math.min(count, U16_MAX), 10);
    end.writeUInt32LE(Math.min(centralSize, U32_MAX), 12);
    end.writeUInt32LE(Math.min(centralOffset, U32_MAX), 16);
    end.writeUInt16LE(0, 20);
    write(end);
  } finally {
    closeSync(fd);
  }
}

function formatSize(bytes) {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${(bytes / 1024).toFixed(1)} KB`;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  checkInputs(options.root);
  const tool = options.zipTool === "auto" ? (zipAvailable() ? "zip" : "node") : options.zipTool;
  if (tool === "zip" && !zipAvailable()) {
    throw new PackageError(
      "The zip command is not installed (on Debian/Ubuntu: apt-get install zip). Use --zip-tool node for the built-in writer.",
    );
  }
  const staging = stage(options.root);
  try {
    rmSync(options.out, { force: true });
    if (tool === "zip") zipWithTool(staging, options.out);
    else zipWithNode(staging, options.out);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const size = statSync(options.out).size;
  console.log(`${options.out}: ${formatSize(size)} (${size} bytes, written with ${tool})`);
}

try {
  main();
} catch (error) {
  if (error instanceof PackageError) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
