/**
 * Every blob the migration writes is named in src/core/stagingLayout.ts, which `fhir-migrate
 * cleanup` walks: a container or blob name built anywhere else could be written and never cleaned
 * up. So every write in src/ names its container and blob (or URL) with an expression, never with a
 * string or template literal, and the layout's container names appear as text in the layout only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import * as layout from "../../../src/core/stagingLayout";

const ROOT = join(__dirname, "..", "..", "..");
const LAYOUT = "src/core/stagingLayout.ts";
/**
 * Not the migration's writes: the blob store itself, and `copy-staging`, which copies export files
 * into the account and container the user names on its command line.
 */
const OUTSIDE = [/^src\/storage\//, /^src\/cli\/actions\/copyStaging\.ts$/];

/** The blob writes and the arguments that name the container and blob (or URL) of each. */
const WRITES: Record<string, number> = {
  putText: 2,
  putTextAtUrl: 1,
  ensureContainer: 1,
  copyFromUrl: 3,
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(ROOT, path).split(sep).join("/")] : [];
  });
}

/** The top-level arguments of the call whose "(" is at `open`. */
export function callArguments(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = "";
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      current += c;
      if (c === "\\") current += text[++i] ?? "";
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    if ("([{".includes(c)) depth++;
    if (")]}".includes(c)) {
      if (depth === 0) {
        args.push(current.trim());
        return args.filter((a) => a !== "");
      }
      depth--;
    }
    if (c === "," && depth === 0) {
      args.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  return args;
}

/** `file: call(...)` for each write whose naming arguments hold a literal. */
function literalNames(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\.(putText|putTextAtUrl|ensureContainer|copyFromUrl)\s*\(/g)) {
    const method = m[1]!;
    const open = m.index + m[0].length - 1;
    const naming = callArguments(text, open).slice(
      method === "copyFromUrl" ? 1 : 0,
      WRITES[method],
    );
    if (naming.some((a) => /["'`]/.test(a))) found.push(`${file}: ${method}(${naming.join(", ")})`);
  }
  return found;
}

describe("blob names", () => {
  const files = sourceFiles(join(ROOT, "src")).filter((f) => !OUTSIDE.some((o) => o.test(f)));

  it("finds a literal name in a write, and none in an expression", () => {
    expect(
      literalNames("x.ts", 'await deps.blobs.putText("mine", `a/${b}.json`, text, "t");'),
    ).toEqual(['x.ts: putText("mine", `a/${b}.json`)']);
    expect(
      literalNames("x.ts", 'await s.putText(C, nameOf(k, f(1)), body, "text/plain");'),
    ).toEqual([]);
    expect(literalNames("x.ts", "await s.putTextAtUrl(`${base}/x`, body);")).toHaveLength(1);
  });

  it("every write in src/ names its container and blob through the layout", () => {
    const writes = files.flatMap((f) => literalNames(f, readFileSync(join(ROOT, f), "utf8")));
    expect(writes).toEqual([]);
  });

  it("names the layout's containers and folders as text only in the layout", () => {
    const names = [
      layout.PAYLOAD_CONTAINER,
      layout.MANIFEST_CONTAINER,
      layout.VERIFICATION_CONTAINER,
      layout.SELF_STAGE_CONTAINER,
      layout.ISOLATION_FOLDER,
      "selfstaged-",
    ];
    const elsewhere = files
      .filter((f) => f !== LAYOUT)
      .flatMap((f) => {
        const text = readFileSync(join(ROOT, f), "utf8");
        return names.filter((n) => text.includes(n)).map((n) => `${f}: ${n}`);
      });
    expect(elsewhere).toEqual([]);
  });

  it("builds every name of a kind under the chunk prefix cleanup deletes", () => {
    const keys = { rowKey: "rk", partitionKey: "pk" };
    const { CHUNK_BLOBS, chunkOfBlob } = layout;
    const cases: [layout.BlobKind, string][] = [
      [CHUNK_BLOBS.payloads, layout.payloadBlobName(keys, 7, 2)],
      [CHUNK_BLOBS.payloads, layout.payloadInputsBlobName(layout.payloadBlobName(keys, 7, 2))],
      [CHUNK_BLOBS.manifests, layout.manifestBlobName(keys, 7)],
      [CHUNK_BLOBS.selfStaged, layout.selfStagedBlobName(keys, 7, 3, "Patient")],
      [CHUNK_BLOBS.isolationParts, layout.isolationPartBlobName(keys, 7, 2, "a1")],
    ];
    expect(cases.map(([kind, name]) => chunkOfBlob(kind, keys, name))).toEqual([7, 7, 7, 7, 7]);
    // Another migration whose row key starts like this one's owns none of them.
    const other = { rowKey: "rk-1", partitionKey: "pk" };
    expect(chunkOfBlob(CHUNK_BLOBS.payloads, keys, layout.payloadBlobName(other, 7, 2))).toBe(
      undefined,
    );
  });
});
