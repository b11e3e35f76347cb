/**
 * One file of plain JavaScript for a TypeScript entry point and everything it imports, for tests
 * that start the same program many times as a child process. `node --import tsx` resolves and
 * loads a few thousand files through its loader hooks at every start (about 3.5 s of CPU for the
 * engine and its SDKs); the bundle starts in about 1.2 s, and is built once (about 3 s).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

export interface NodeBundle {
  /** The bundle: run it with `node <file>`. */
  file: string;
  remove(): Promise<void>;
}

export async function bundleForNode(entry: string): Promise<NodeBundle> {
  const dir = await mkdtemp(join(tmpdir(), "node-bundle-"));
  const file = join(dir, "main.mjs");
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node20",
    // ESM, because some dependencies call createRequire(import.meta.url); the banner gives the
    // CommonJS ones their `require`.
    format: "esm",
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // Provided by the Functions host; without it @azure/functions runs in test mode, as under tsx.
    external: ["@azure/functions-core"],
    logLevel: "error",
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
