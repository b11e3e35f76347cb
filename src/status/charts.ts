/**
 * The page's two drawings, as inline SVG drawn here (no chart library, no CDN: the page must work
 * inside a private network): the covered time span as a progress bar, and resources moved per hour
 * as bars. Colours come from the page's stylesheet through classes.
 */
import { formatCount, formatDay, formatHour, formatMinute, formatPercent } from "./format";
import type { SafeHtml } from "./html";
import { html } from "./html";
import type { Coverage, HourBucket } from "./report";

/** 1234 → "1.2k", 3_400_000 → "3.4M": axis labels must stay short. */
export function compactCount(n: number): string {
  const units: [number, string][] = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}${suffix}`;
    }
  }
  return String(n);
}

/** The smallest 1, 2 or 5 times a power of ten at or above n (an axis maximum people can read). */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

const round = (x: number): string => String(Math.round(x * 10) / 10);

export function coverageBar(coverage: Coverage): SafeHtml {
  const done = coverage.doneFraction * 1000;
  const planned = coverage.plannedFraction * 1000;
  const label = `${formatPercent(coverage.doneFraction)} of the time span from ${formatMinute(coverage.from)} to ${formatMinute(coverage.to)} is migrated; ${formatPercent(Math.max(0, coverage.plannedFraction - coverage.doneFraction))} more is in flight.`;
  return html`<svg
    class="coverage"
    viewBox="0 0 1000 20"
    preserveAspectRatio="none"
    role="img"
    aria-label="${label}"
    data-testid="coverage-bar"
  >
    <rect class="cov-rest" x="0" y="0" width="1000" height="20" rx="4"></rect>
    <rect class="cov-planned" x="0" y="0" width="${round(planned)}" height="20" rx="4"></rect>
    <rect class="cov-done" x="0" y="0" width="${round(done)}" height="20" rx="4"></rect>
  </svg>`;
}

const WIDTH = 960;
const HEIGHT = 240;
const LEFT = 56;
const RIGHT = 8;
const TOP = 14;
const BOTTOM = 42;

/** Resources imported per hour as bars; every hour has a tooltip with its counts. */
export function throughputChart(hours: readonly HourBucket[]): SafeHtml {
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const max = niceCeiling(Math.max(0, ...hours.map((h) => h.imported)));
  const slot = plotW / Math.max(1, hours.length);
  const barW = Math.max(1, Math.min(40, slot * 0.72));
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const peak = hours.reduce((a, h) => Math.max(a, h.imported), 0);
  const total = hours.reduce((a, h) => a + h.imported, 0);
  const description = `${hours.length} hours from ${formatMinute(hours[0]?.hour)}; ${formatCount(total)} versions in all, at most ${formatCount(peak)} in one hour.`;

  const grid = [0, 0.5, 1].map((f) => {
    const value = max * f;
    return html`<line
        class="grid"
        x1="${LEFT}"
        x2="${WIDTH - RIGHT}"
        y1="${round(y(value))}"
        y2="${round(y(value))}"
      ></line>
      <text class="axis" x="${LEFT - 6}" y="${round(y(value) + 4)}" text-anchor="end"
        >${compactCount(value)}</text
      >`;
  });

  const labelEvery = Math.max(1, Math.ceil(hours.length / 12));
  // The date goes under the first label of each day (labels skip hours, so not only under 00:00).
  let labelledDay: string | undefined;
  const bars = hours.map((h, i) => {
    const x = LEFT + i * slot;
    const barX = x + (slot - barW) / 2;
    const top = y(h.imported);
    const tip = `${formatMinute(h.hour)} to ${formatHour(new Date(Date.parse(h.hour) + 3_600_000).toISOString())}: ${formatCount(h.imported)} imported${h.failed > 0 ? `, ${formatCount(h.failed)} failed` : ""}`;
    const showLabel = i % labelEvery === 0;
    const newDay = showLabel && formatDay(h.hour) !== labelledDay;
    if (showLabel) labelledDay = formatDay(h.hour);
    return html`<g class="slot">
      <title>${tip}</title>
      <rect class="hit" x="${round(x)}" y="${TOP}" width="${round(slot)}" height="${plotH}"></rect>
      <rect
        class="bar"
        data-testid="throughput-bar"
        data-hour="${h.hour}"
        data-imported="${h.imported}"
        x="${round(barX)}"
        y="${round(top)}"
        width="${round(barW)}"
        height="${round(TOP + plotH - top)}"
      ></rect>
      ${showLabel ? html`<text class="axis" x="${round(x + slot / 2)}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${formatHour(h.hour)}</text>` : ""}
      ${newDay ? html`<text class="axis day" x="${round(x + slot / 2)}" y="${HEIGHT - BOTTOM + 32}" text-anchor="middle">${formatDay(h.hour)}</text>` : ""}
    </g>`;
  });

  return html`<svg
    class="chart"
    viewBox="0 0 ${WIDTH} ${HEIGHT}"
    role="img"
    aria-labelledby="chart-title chart-desc"
    data-testid="throughput-chart"
  >
    <title id="chart-title">Versions imported per hour (UTC)</title>
    <desc id="chart-desc">${description}</desc>
    ${grid}
    <line
      class="baseline"
      x1="${LEFT}"
      x2="${WIDTH - RIGHT}"
      y1="${TOP + plotH}"
      y2="${TOP + plotH}"
    ></line>
    ${bars}
  </svg>`;
}
