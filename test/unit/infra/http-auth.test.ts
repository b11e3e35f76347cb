import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HttpRegistration } from "./infra-checks";
import { ROOT, httpRegistrations, isAuthenticated } from "./infra-checks";

const FUNCTIONS_DIR = join(ROOT, "src", "functions");

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return typeScriptFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

describe("HTTP functions", () => {
  it("all require a function or admin key (none anonymous, unlike the original's W25)", () => {
    // Vacuous only while src/functions does not exist yet.
    if (!existsSync(FUNCTIONS_DIR)) return;
    const registrations: HttpRegistration[] = typeScriptFiles(FUNCTIONS_DIR).flatMap((file) =>
      httpRegistrations(readFileSync(file, "utf8"), file.slice(ROOT.length + 1)),
    );
    const anonymous = registrations
      .filter((r) => !isAuthenticated(r))
      .map((r) => `${r.file}:${r.line}`);
    expect(anonymous).toEqual([]);
  });
});

describe("the HTTP registration scan", () => {
  const scan = (source: string) => httpRegistrations(source, "f.ts");

  it("finds app.http and df.app.client.http registrations with their whole options", () => {
    const found = scan(
      [
        'app.http("Status_Http", { methods: ["GET"], authLevel: "function", handler: (r) => f(r, ")") });',
        "df.app.client.http('E2ETest_Http', {",
        "  route: 'e2e',",
        "  authLevel: 'admin',",
        "  handler,",
        "});",
      ].join("\n"),
    );
    expect(found.map((r) => [r.line, isAuthenticated(r)])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it("flags a registration without authLevel (the v4 default is anonymous)", () => {
    const [registration] = scan('app.http("CheckAccess_Http", { methods: ["GET"], handler });');
    expect(isAuthenticated(registration!)).toBe(false);
  });

  it("flags an explicitly anonymous registration", () => {
    const [registration] = scan(
      'app.http("ClearMaxExportRetries_Http", { authLevel: "anonymous", handler });',
    );
    expect(isAuthenticated(registration!)).toBe(false);
  });

  it("does not take an authLevel of a later registration for an earlier one", () => {
    const found = scan(
      'app.http("A", { handler });\napp.http("B", { authLevel: "function", handler });',
    );
    expect(found.map(isAuthenticated)).toEqual([false, true]);
  });
});
