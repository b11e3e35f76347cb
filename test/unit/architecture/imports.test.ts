/**
 * Where code may import from. The tool (src/) ships alone in the Functions package, so it imports
 * nothing from the emulator, the demo, the bench or the tests (tsconfig.build.json compiles src/
 * and whatever it imports); the emulator, demo, bench and scripts never reach into test/, whose
 * helpers exist for the tests alone. docs/architecture.md shows the folders.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..", "..");
const SKIPPED = new Set(["node_modules", "dist", "coverage", ".git"]);
const SOURCE = /\.(?:ts|mts|cts|mjs|cjs|js)$/;

/** Every source file under a folder of the repository, as paths relative to the root. */
function sourceFiles(folder = ROOT): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE.test(entry.name) ? [relative(ROOT, path).split(sep).join("/")] : [];
  });
}

/** The module specifiers a file imports, re-exports, requires or loads dynamically. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;"']*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1] ?? "");
  return found;
}

/** The top-level folder a relative specifier of `file` lands in; undefined for packages. */
function targetFolder(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = relative(ROOT, resolve(ROOT, dirname(file), specifier))
    .split(sep)
    .join("/");
  return target.split("/")[0];
}

function imports(file: string): { specifier: string; folder: string | undefined }[] {
  return specifiers(readFileSync(join(ROOT, file), "utf8")).map((specifier) => ({
    specifier,
    folder: targetFolder(file, specifier),
  }));
}

/** `file: specifier` for every import of a file under `from` that lands in one of `forbidden`. */
function violations(from: (file: string) => boolean, forbidden: readonly string[]): string[] {
  return sourceFiles()
    .filter(from)
    .flatMap((file) =>
      imports(file)
        .filter((i) => i.folder !== undefined && forbidden.includes(i.folder))
        .map((i) => `${file}: ${i.specifier}`),
    );
}

const top = (file: string): string => file.split("/")[0] ?? "";

describe("import boundaries", () => {
  it("finds static, multi-line, side-effect and dynamic imports", () => {
    const text = [
      'import type { A } from "../test/a";',
      "import {",
      "  b,",
      '} from "../test/b";',
      'import "../test/c";',
      'export { d } from "./d";',
      'const e = await import("../test/e");',
    ].join("\n");
    expect(specifiers(text).sort()).toEqual([
      "../test/a",
      "../test/b",
      "../test/c",
      "../test/e",
      "./d",
    ]);
  });

  it("resolves a relative specifier to the top-level folder it lands in", () => {
    expect(targetFolder("demo/run.ts", "../test/support/stubServer")).toBe("test");
    expect(targetFolder("emulator/harness/localEnvironment.ts", "../../src/local/azurite")).toBe(
      "src",
    );
    expect(targetFolder("src/cli/main.ts", "commander")).toBeUndefined();
  });

  it("nothing outside test/ imports from test/", () => {
    expect(violations((file) => top(file) !== "test", ["test"])).toEqual([]);
  });

  it("src/ imports nothing from the emulator, the demo, the bench or the scripts", () => {
    expect(
      violations((file) => top(file) === "src", ["emulator", "demo", "bench", "scripts"]),
    ).toEqual([]);
  });

  it("the emulator imports nothing from the demo or the bench", () => {
    expect(violations((file) => top(file) === "emulator", ["demo", "bench"])).toEqual([]);
  });

  it("the status report imports nothing from the command line (the CLI renders the report)", () => {
    const intoCli = sourceFiles()
      .filter((file) => file.startsWith("src/status/"))
      .flatMap((file) =>
        imports(file)
          .filter((i) => i.specifier.startsWith("."))
          .filter((i) =>
            relative(ROOT, resolve(ROOT, dirname(file), i.specifier)).startsWith(
              join("src", "cli"),
            ),
          )
          .map((i) => `${file}: ${i.specifier}`),
      );
    expect(intoCli).toEqual([]);
  });

  it("the build compiles src/ alone, so the emulator never ships in the Functions package", () => {
    const build = JSON.parse(readFileSync(join(ROOT, "tsconfig.build.json"), "utf8")) as {
      include?: string[];
    };
    expect(build.include).toEqual(["src"]);
  });
});
