/**
 * A headless Chromium for the browser tests, on a machine that has only Node.js and npm.
 *
 * Order: CHROMIUM_PATH when set (any Chromium the user prefers), Debian's /usr/bin/chromium when
 * present, else the Chromium that ships inside the @sparticuz/chromium npm package (installed by
 * `npm ci`, unpacked into the temp folder on first use). Never a silent skip: when none can start,
 * the error says what was tried and what to install.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { chromium } from "playwright-core";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** Flags every launch uses: no sandbox (tests run as root in CI), nothing that talks to the network. */
const COMMON_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The packaged build's own flags minus those that would weaken what the tests check (CSP, mixed content). */
const WEAKENING_FLAGS = new Set(["--disable-web-security", "--allow-running-insecure-content"]);

export type ChromiumSource =
  | { kind: "path"; executablePath: string; origin: "CHROMIUM_PATH" | "debian" }
  | { kind: "npm-package" };

/** Which Chromium to use; pure, so the order is tested without a browser. */
export function chooseChromium(
  env: Readonly<Record<string, string | undefined>>,
  exists: (path: string) => boolean,
): ChromiumSource {
  const fromEnv = env.CHROMIUM_PATH?.trim();
  if (fromEnv) {
    if (!exists(fromEnv)) {
      throw new Error(
        `CHROMIUM_PATH is ${fromEnv}, which does not exist; unset it to use Debian's ` +
          `${DEBIAN_CHROMIUM} or the Chromium of the @sparticuz/chromium npm package.`,
      );
    }
    return { kind: "path", executablePath: fromEnv, origin: "CHROMIUM_PATH" };
  }
  if (exists(DEBIAN_CHROMIUM)) {
    return { kind: "path", executablePath: DEBIAN_CHROMIUM, origin: "debian" };
  }
  return { kind: "npm-package" };
}

export async function launchChromium(): Promise<Browser> {
  const source = chooseChromium(process.env, existsSync);
  if (source.kind === "path") {
    return chromium.launch({ executablePath: source.executablePath, args: COMMON_FLAGS });
  }
  const packaged = (await import("@sparticuz/chromium")).default;
  let executablePath: string;
  try {
    executablePath = await packaged.executablePath();
  } catch (error) {
    throw new Error(
      `No Chromium found: ${DEBIAN_CHROMIUM} is missing and the @sparticuz/chromium package ` +
        `could not unpack its browser (${String(error)}). Run \`npm ci\`, or install Debian's ` +
        "chromium (apt-get install -y chromium), or set CHROMIUM_PATH.",
      { cause: error },
    );
  }
  const args = [...packaged.args.filter((a) => !WEAKENING_FLAGS.has(a)), ...COMMON_FLAGS];
  try {
    return await chromium.launch({ executablePath, args });
  } catch (error) {
    throw new Error(
      `The Chromium of the @sparticuz/chromium package (${executablePath}) did not start; it needs ` +
        "the system libraries of a desktop Chromium (libnss3, libatk, libgbm). Install Debian's " +
        `chromium (apt-get install -y chromium), which brings them, or set CHROMIUM_PATH.`,
      { cause: error },
    );
  }
}
