/**
 * The status page in a real headless browser: a small real migration, the page served by
 * serveStatus over loopback, then checks that it renders (CSS and script allowed by the CSP, the
 * chart's bars drawn), that its numbers are the JSON report's, and that a server's text cannot run.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusReport } from "../../src/status/report";
import type { StatusServer } from "../../src/status/server";
import { serveStatus } from "../../src/status/server";
import type { SampleMigration } from "../integration/status/sampleMigration";
import { runSampleMigration } from "../integration/status/sampleMigration";
import { launchChromium } from "../support/browser";

/** What the checks use of the page's window (the project compiles without the DOM library). */
interface InPage {
  getComputedStyle(element: unknown): { backgroundColor: string };
  __injected?: boolean;
}
const HOSTILE_REASON = "<script>window.__injected = true</script> value rejected";

let sample: SampleMigration | undefined;
let server: StatusServer | undefined;
let browser: Browser | undefined;
let page: Page;
let report: StatusReport;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // Fail, never skip: a silent skip would hide a broken page (launchChromium says what to install).
  browser = await launchChromium();
  sample = await runSampleMigration({ failedResources: 2, failureMessage: HOSTILE_REASON });
  server = await serveStatus(sample.deps, 0);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  // Loaded before the JSON, so the JSON is at least as new as the page (the migration has ended).
  const response = await page.goto(`${server.url}?refresh=0&code=not-a-real-key`);
  expect(response?.status()).toBe(200);
  report = (await (await fetch(`${server.url}?format=json`)).json()) as StatusReport;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sample?.stop();
});

async function text(testId: string): Promise<string> {
  return ((await page.getByTestId(testId).first().textContent()) ?? "").trim();
}

async function number(testId: string): Promise<number> {
  return Number((await text(testId)).replace(/,/g, ""));
}

describe("the status page in Chromium", () => {
  it("applies its own stylesheet and script under its Content-Security-Policy, with no errors", async () => {
    expect(consoleErrors).toEqual([]);
    const badge = await page
      .getByTestId("phase")
      .evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor);
    expect(badge).toBe("rgb(26, 127, 55)");
    // The script kept the page's query (the function key) on the JSON link.
    expect(await page.getByRole("link", { name: "JSON report" }).getAttribute("href")).toBe(
      "/status?refresh=0&code=not-a-real-key&format=json",
    );
  });

  it("draws the resources-moved chart with bars of non-zero height", async () => {
    const heights = await page
      .getByTestId("throughput-bar")
      .evaluateAll((bars) =>
        bars.map((b) => (b as unknown as { getBBox(): { height: number } }).getBBox().height),
      );
    expect(heights).toHaveLength(report.throughput.hours.length);
    expect(heights.some((h) => h > 0)).toBe(true);
    const drawn = await page
      .getByTestId("throughput-bar")
      .evaluateAll((bars) => bars.map((b) => Number(b.getAttribute("data-imported"))));
    expect(drawn).toEqual(report.throughput.hours.map((h) => h.imported));
  });

  it("shows the JSON report's phase, watermark and totals", async () => {
    expect(await text("phase")).toBe(report.phase.label);
    expect(await page.getByTestId("watermark").getAttribute("datetime")).toBe(
      report.watermark.watermark,
    );
    const shown = {
      resourcesImported: await number("resources-imported"),
      resourcesFailed: await number("resources-failed"),
      resourcesExported: await number("resources-exported"),
      chunksDone: await number("chunks-done"),
      chunksInFlight: await number("chunks-in-flight"),
      exportsRunning: await number("exports-running"),
      importsRunning: await number("imports-running"),
    };
    expect(shown).toEqual({
      resourcesImported: report.totals.resourcesImported,
      resourcesFailed: report.totals.resourcesFailed,
      resourcesExported: report.totals.resourcesExported,
      chunksDone: report.totals.chunksDone,
      chunksInFlight: report.totals.chunksInFlight,
      exportsRunning: report.totals.exportsRunning,
      importsRunning: report.totals.importsRunning,
    });
    expect(shown.resourcesImported).toBeGreaterThan(0);
  });

  it("lists every chunk of the report on the timeline", async () => {
    expect(await page.getByTestId("timeline-row").count()).toBe(report.timeline.chunks.length);
  });

  it("shows a server's reason containing <script> as text, without running it", async () => {
    const cell = page.getByTestId("failed-resource-groups").locator("td.reason").first();
    expect(await cell.textContent()).toContain(HOSTILE_REASON);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).__injected)).toBe(undefined);
  });
});
