import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../..");
const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");

/** Top-level folders a checkout may hold that are not part of the project (.gitignore, git itself). */
function ignoredTopLevel(): Set<string> {
  const patterns = readFileSync(join(ROOT, ".gitignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.endsWith("/") && !l.includes("*"));
  return new Set([".git/", ...patterns]);
}

/** The entries of the code block under "## Folder map": paths from the root, nesting by indent. */
function mapEntries(): { path: string; description: string }[] {
  const section = doc.split(/^## /m).find((s) => s.startsWith("Folder map\n"));
  if (section === undefined) throw new Error('docs/architecture.md has no "## Folder map" section');
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("the folder map has no code block");
  const stack: string[] = [];
  const entries: { path: string; description: string }[] = [];
  for (const line of block.split("\n")) {
    const m = /^( *)(\S+)(.*)$/.exec(line);
    if (m === null) continue;
    const [, indent = "", name = "", rest = ""] = m;
    // Continuation lines of a description are indented far past any entry.
    if (indent.length > 8 || !(name.endsWith("/") || /^[\w.-]+\.[a-z]+$/.test(name))) continue;
    const depth = indent.length / 2;
    stack.length = depth;
    stack.push(name);
    entries.push({ path: stack.join(""), description: rest.trim() });
  }
  return entries;
}

function dirsUnder(relative: string, recursive: boolean): string[] {
  return readdirSync(join(ROOT, relative), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const path = `${relative}${d.name}/`;
      return recursive ? [path, ...dirsUnder(path, true)] : [path];
    });
}

const listed = mapEntries();
const paths = new Set(listed.map((e) => e.path));

describe("docs/architecture.md's folder map", () => {
  it("lists every folder of src/, at any depth", () => {
    expect(dirsUnder("src/", true).filter((d) => !paths.has(d))).toEqual([]);
  });

  it("lists every file directly in src/", () => {
    const files = readdirSync(join(ROOT, "src"))
      .filter((f) => statSync(join(ROOT, "src", f)).isFile())
      .map((f) => `src/${f}`);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !paths.has(f))).toEqual([]);
  });

  it("lists every top-level folder of the project", () => {
    const ignored = ignoredTopLevel();
    expect(dirsUnder("", false).filter((d) => !ignored.has(d) && !paths.has(d))).toEqual([]);
  });

  it("lists every folder of test/", () => {
    expect(dirsUnder("test/", false).filter((d) => !paths.has(d))).toEqual([]);
  });

  it("lists nothing that does not exist", () => {
    const missing = listed.map((e) => e.path).filter((p) => !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it("says what each listed folder or file holds", () => {
    expect(listed.filter((e) => e.description === "").map((e) => e.path)).toEqual([]);
  });

  it("reads the nesting from the indentation", () => {
    expect(paths).toContain("src/engine/activities/");
    expect(paths).toContain("src/errors.ts");
    expect(paths).toContain("test/integration/");
  });
});
