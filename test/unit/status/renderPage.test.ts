import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildStatusReport } from "../../../src/status/buildReport";
import { PAGE_CSP } from "../../../src/status/pageAssets";
import { renderStatusPage } from "../../../src/status/renderPage";
import type { StatusReport } from "../../../src/status/report";
import {
  HOUR,
  NOW,
  at,
  chunk,
  cursor,
  exportingChunk,
  migratingState,
  payload,
  state,
  statusSettings,
} from "./stateFixtures";

const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)">`;

function hostileReport(): StatusReport {
  const s = migratingState({
    failedResources: {
      groups: [
        { resourceType: "Patient", reason: HOSTILE, count: 3, samples: [{ id: "p<1>", chunk: 2 }] },
      ],
      rowsRead: 3,
      rowsCapped: false,
    },
  });
  return buildStatusReport(
    state({
      ...s,
      cursor: { ...s.cursor, halted: true, haltReason: `halted: ${HOSTILE}` },
      chunks: [
        ...s.chunks.slice(0, 3),
        exportingChunk(4, {
          exportContentLocation: `https://src.example/_operations/export/7"><script>alert(3)</script>`,
          failureReason: HOSTILE,
        }),
      ],
    }),
    NOW,
  );
}

function testIdText(page: string, id: string): string | undefined {
  return new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(page)?.[1]?.trim();
}

describe("renderStatusPage: escaping", () => {
  const page = renderStatusPage(hostileReport());

  it("lists the app settings warnings in the footer", () => {
    const warned = state({
      chunks: [chunk(1)],
      settings: statusSettings({ warnings: ["AZURE_StopDm and AZURE_PauseDm disagree"] }),
    });
    expect(renderStatusPage(buildStatusReport(warned, NOW))).toMatch(
      /data-testid="setting-warnings">\s*<li>AZURE_StopDm and AZURE_PauseDm disagree<\/li>/,
    );
  });

  it("shows a reason containing <script> as text", () => {
    expect(page).toContain(
      "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;",
    );
  });

  it("has no script element but its own and no element from server text", () => {
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toContain("<img");
  });

  it("escapes a status URL that tries to close its element", () => {
    expect(page).toContain("export/7&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
  });
});

describe("renderStatusPage: content", () => {
  const report = buildStatusReport(migratingState(), NOW);
  const page = renderStatusPage(report);

  it("marks the numbers the browser test reads", () => {
    expect({
      phase: testIdText(page, "phase"),
      lag: testIdText(page, "lag"),
      imported: testIdText(page, "resources-imported"),
      failed: testIdText(page, "resources-failed"),
      done: testIdText(page, "chunks-done"),
      inFlight: testIdText(page, "chunks-in-flight"),
      exports: testIdText(page, "exports-running"),
      imports: testIdText(page, "imports-running"),
    }).toEqual({
      phase: "Migrating",
      lag: "Behind by 3 d",
      imported: "200",
      failed: "4",
      done: "2",
      inFlight: "2",
      exports: "1",
      imports: "1",
    });
  });

  it("says the pace in units of the source's history", () => {
    // 7 days of history in 2 hours of running.
    expect(page).toContain("4 days of source history copied per hour");
    expect(page).not.toMatch(/h of data per hour/);
  });

  it("shows a short window to the second and the SearchParameters an export left out", () => {
    const short = buildStatusReport(
      migratingState({
        chunks: [
          chunk(1, {
            since: "2024-05-01T10:54:05.000Z",
            till: "2024-05-01T10:54:41.000Z",
            expectedCount: 130,
            totalExportResourceCount: 129,
            searchParameterCount: 1,
          }),
        ],
      }),
      NOW,
    );
    const html = renderStatusPage(short);
    expect(html).toMatch(/2024-05-01 10:54:05 →<\/span>\s*<span class="nowrap">10:54:41</);
    expect(html).toMatch(/129<span[^>]*class="detail"[^>]*>\+ 1 SP</);
  });

  it("shows the watermark as a machine-readable time", () => {
    expect(page).toMatch(
      new RegExp(
        `<time datetime="${at(-3 * 86_400_000)}" data-testid="watermark"\\s*>2024-04-28 12:30:00 UTC<`,
      ),
    );
  });

  it("draws one bar per hour, as tall as its share of the axis", () => {
    const s = state({
      chunks: [chunk(1)],
      payloads: [
        payload(1, 1, { importEndTime: at(-HOUR), importedCount: 500 }),
        payload(1, 2, { importEndTime: at(0), importedCount: 1000 }),
      ],
    });
    const chart = renderStatusPage(buildStatusReport(s, NOW));
    const bars = [
      ...chart.matchAll(
        /data-testid="throughput-bar"[^>]*data-imported="(\d+)"[^>]*height="([\d.]+)"/g,
      ),
    ];
    expect(bars).toHaveLength(12);
    const heights = Object.fromEntries(bars.map((m) => [m[1], Number(m[2])]));
    expect(heights["1000"]).toBe(184);
    expect(heights["500"]).toBe(92);
    expect(heights["0"]).toBe(0);
  });

  it("reloads every 30 seconds by default", () => {
    expect(page).toContain('<meta http-equiv="refresh" content="30" />');
  });

  it("does not reload when asked not to", () => {
    expect(renderStatusPage(report, { refreshSeconds: 0 })).not.toContain('http-equiv="refresh"');
  });

  it("links to the JSON with a relative query, writing no key into the page", () => {
    expect(page).toContain('href="?format=json" data-keep-query="format=json"');
    expect(page).not.toMatch(/code=/);
  });

  it("shows a credential failure once, and says which failures no row holds", () => {
    const notSignedIn =
      "Not signed in to Azure: no credential gave a token for https://source.azurehealthcareapis.com. Run `az login` on this machine.";
    const page = renderStatusPage(
      buildStatusReport(
        state({
          chunks: [],
          payloads: [],
          cursor: cursor({
            halted: true,
            consecutiveFailures: 5,
            haltReason: `Halted after 5 consecutive failures; last: A migration step failed: ${notSignedIn}`,
            searchParameterAttempts: 1,
            searchParameterFailure: notSignedIn,
          }),
        }),
        NOW,
      ),
    );
    expect(page.split("Not signed in to Azure").length - 1).toBe(1);
    expect(page).not.toContain("No failures recorded.");
    expect(page).toContain("the failures counted were steps of the migration itself");
  });

  it("shows a halt as an alert with its reason", () => {
    const halted = renderStatusPage(hostileReport());
    expect(halted).toMatch(/role="alert">\s*<strong>The migration is halted\.<\/strong>/);
    expect(testIdText(halted, "halt-reason")).toBe(
      "halted: &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;",
    );
  });

  it("shows the $reindex reminder when SearchParameters were written to the destination", () => {
    const withSp = buildStatusReport(state({ cursor: cursor({ reindexState: "needed" }) }), NOW);
    expect(renderStatusPage(withSp)).toContain('data-testid="reindex-reminder"');
  });

  it("allows exactly its own stylesheet and script by hash", () => {
    const hash = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? "";
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? "";
    expect(PAGE_CSP).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(PAGE_CSP).toContain(`script-src 'sha256-${hash(script)}'`);
  });

  it("loads nothing from elsewhere", () => {
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).not.toMatch(/@import|url\(/);
  });
});
