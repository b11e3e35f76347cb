/**
 * The page's stylesheet and its one small script, inline (no CDN, no remote fonts: the page must
 * work inside a private network). Both are constants, so the Content-Security-Policy can allow
 * exactly them by hash and nothing else: a server text that slipped past escaping still could not run.
 */
import { createHash } from "node:crypto";

export const PAGE_CSS = `
:root { color-scheme: light; --text: #1f2328; --muted: #57606a; --border: #d0d7de; --bg: #f6f8fa;
  --card: #ffffff; --blue: #0a58ca; --green: #1a7f37; --amber: #8a5300; --red: #b42318; --grey: #57606a; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 20px 40px; }
h1 { font-size: 1.35rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 10px; }
h3 { font-size: 1rem; margin: 18px 0 8px; }
a { color: var(--blue); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; }
.url { word-break: break-all; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 16px 18px; margin-top: 16px; }
header.card { margin-top: 0; }
.title-row { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; justify-content: space-between; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-weight: 600; font-size: 0.9rem; }
.phase-migrating { background: var(--blue); } .phase-caught-up, .phase-range-complete { background: var(--green); }
.phase-paused { background: var(--amber); } .phase-halted { background: var(--red); } .phase-not-started { background: var(--grey); }
.headline { font-size: 1.6rem; font-weight: 650; margin: 10px 0 2px; }
.headline.halted { color: var(--red); }
.sub { color: var(--muted); margin: 0; }
.coverage { display: block; width: 100%; height: 20px; margin: 14px 0 4px; }
.cov-rest { fill: #e1e6eb; } .cov-planned { fill: #e0a100; } .cov-done { fill: var(--green); }
.ledger { display: block; width: 100%; height: 24px; margin: 10px 0 4px; }
.lg-ok { fill: var(--green); background: var(--green); } .lg-open { fill: #e0a100; background: #e0a100; }
.lg-bad { fill: var(--red); background: var(--red); } .lg-none { fill: #e1e6eb; background: #e1e6eb; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.85rem; color: var(--muted); margin: 0; padding: 0; list-style: none; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.sw-done { background: var(--green); } .sw-planned { background: #e0a100; } .sw-rest { background: #e1e6eb; border: 1px solid var(--border); }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 16px 0 0; }
@media (max-width: 800px) { .stats { grid-template-columns: repeat(2, 1fr); } }
.stats div { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 14px; }
.stats dt { color: var(--muted); font-size: 0.85rem; }
.stats dd { margin: 2px 0 0; font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.stats dd.bad { color: var(--red); }
.stats .note { display: block; font-size: 0.8rem; font-weight: 400; color: var(--muted); }
.banner { border-radius: 8px; padding: 12px 16px; margin-top: 16px; border: 1px solid; }
.banner p { margin: 4px 0 0; }
.banner-error { background: #fff1f0; border-color: #f1aeb5; color: #6e1410; }
.banner-note { background: #fff8e6; border-color: #e8c56d; color: #4d3200; }
.banner-info { background: #eef6ff; border-color: #9cc7f5; color: #0a3069; }
.chart { display: block; width: 100%; height: auto; }
.chart .bar { fill: var(--blue); } .chart .slot:hover .bar { fill: #063d8c; }
.chart .hit { fill: transparent; } .chart .grid { stroke: #e1e6eb; } .chart .baseline { stroke: #8c959f; }
.chart .axis { fill: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; margin-bottom: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 0.875rem; }
caption { text-align: left; color: var(--muted); padding: 0 0 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap, td.nowrap { white-space: nowrap; }
td.reason { min-width: 260px; }
.pill { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.8rem; border: 1px solid var(--border); white-space: nowrap; }
.pill.ok { background: #dafbe1; border-color: #8fd3a0; color: #0f5323; }
.pill.run { background: #ddf4ff; border-color: #80ccff; color: #0a3069; }
.pill.wait { background: #f6f8fa; color: var(--muted); }
.pill.bad { background: #ffebe9; border-color: #f1aeb5; color: #82071e; }
.detail { display: block; font-size: 0.8rem; color: var(--muted); white-space: nowrap; }
.pill.warn { background: #fff8c5; border-color: #e0c25a; color: #4d3200; }
details { margin-top: 10px; } summary { cursor: pointer; color: var(--blue); }
footer { margin-top: 24px; color: var(--muted); font-size: 0.85rem; }
footer ul { padding-left: 18px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 0.85rem; }
.empty { color: var(--muted); margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/**
 * Links marked data-keep-query keep the page's own query (on Azure, the function key in `code`)
 * and set their own parameters, so "JSON" and "stop auto-refresh" work behind a function key
 * without the key ever being written into the page.
 */
export const PAGE_SCRIPT = `(function () {
  var links = document.querySelectorAll("a[data-keep-query]");
  for (var i = 0; i < links.length; i++) {
    var merged = new URLSearchParams(window.location.search);
    new URLSearchParams(links[i].getAttribute("data-keep-query")).forEach(function (value, key) {
      merged.set(key, value);
    });
    links[i].setAttribute("href", window.location.pathname + "?" + merged.toString());
  }
})();`;

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("base64");

/** Only the inline stylesheet and script above may apply; no other source of anything. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${sha256(PAGE_CSS)}'`,
  `script-src 'sha256-${sha256(PAGE_SCRIPT)}'`,
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
