import { describe, expect, it } from "vitest";
import { chooseChromium } from "../../support/browser";

const only =
  (...present: string[]) =>
  (path: string): boolean =>
    present.includes(path);

describe("chooseChromium", () => {
  it("uses CHROMIUM_PATH when it is set and exists", () => {
    expect(
      chooseChromium({ CHROMIUM_PATH: "/opt/c" }, only("/opt/c", "/usr/bin/chromium")),
    ).toEqual({ kind: "path", executablePath: "/opt/c", origin: "CHROMIUM_PATH" });
  });

  it("refuses a CHROMIUM_PATH that does not exist, naming it", () => {
    expect(() => chooseChromium({ CHROMIUM_PATH: "/opt/none" }, only())).toThrow(
      /CHROMIUM_PATH is \/opt\/none, which does not exist/,
    );
  });

  it("uses Debian's chromium when it is installed", () => {
    expect(chooseChromium({}, only("/usr/bin/chromium"))).toEqual({
      kind: "path",
      executablePath: "/usr/bin/chromium",
      origin: "debian",
    });
  });

  it("falls back to the npm package's Chromium when no binary is installed", () => {
    expect(chooseChromium({}, only())).toEqual({ kind: "npm-package" });
  });
});
