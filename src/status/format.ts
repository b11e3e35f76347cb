/**
 * Text forms shared by the status page and `fhir-migrate status`, so both say the same thing the
 * same way. Times are shown in UTC: the page is read from several time zones and the tables store UTC.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** 1234567 → "1,234,567" (fixed grouping, whatever the machine's locale). */
export function formatCount(n: number): string {
  const sign = n < 0 ? "-" : "";
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A duration in the two largest units that matter: "under 1 s", "45 s", "12 min", "3 h 12 min", "2 d 4 h".
 * Cut to the smaller unit shown: 3 h 12 min 59 s is "3 h 12 min".
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s === 0) return "under 1 s";
  if (s < MINUTE) return `${s} s`;
  if (s < HOUR) return `${Math.floor(s / MINUTE)} min`;
  if (s < DAY) {
    const h = Math.floor(s / HOUR);
    const m = Math.floor((s % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(s / DAY);
  const h = Math.floor((s % DAY) / HOUR);
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** Time still to go, for an estimate: "about 3 min", or "less than a second" (never "about under 1 s"). */
export function timeLeft(seconds: number): string {
  return Math.floor(seconds) < 1 ? "less than a second" : `about ${formatDuration(seconds)}`;
}

/** 0 → "0 B", 1536 → "1.5 KB", 3_400_000_000 → "3.4 GB" (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${value} B`
    : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "2024-05-01 13:45:07 UTC"; "-" when absent. */
export function formatInstant(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "-";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "2024-05-01 13:45 UTC" (for window bounds, where seconds are noise). */
export function formatMinute(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "-";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "2024-05-01 13:45" for tables whose caption already says the times are UTC. */
export function formatShortMinute(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "-";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/**
 * A window's bounds for a table whose caption says UTC: to the minute, or to the second when the
 * window is shorter than an hour (a window of seconds would read "10:54 → 10:54"). The second
 * bound leaves out the date it shares with the first.
 */
export function formatWindowBounds(since: string, till: string): [string, string] {
  const from = Date.parse(since);
  const to = Date.parse(till);
  if (Number.isNaN(from) || Number.isNaN(to)) return [since, till];
  const length = to - from < HOUR * 1000 ? 19 : 16;
  const [a, b] = [from, to].map((ms) =>
    new Date(ms).toISOString().slice(0, length).replace("T", " "),
  );
  return [a!, b!.slice(0, 10) === a!.slice(0, 10) ? b!.slice(11) : b!];
}

/**
 * How much of the source's timeline one hour of running copies: "40 min", "6 h", "12 days",
 * "5 months", "2.4 years" (a bare "913,389 h" says nothing to a reader).
 */
export function formatTimelinePace(hoursPerHour: number): string {
  const h = Math.max(0, hoursPerHour);
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${Math.round(h)} h`;
  const days = h / 24;
  if (days < 60) return `${Math.round(days)} days`;
  const months = days / 30.44;
  if (months < 24) return `${Math.round(months)} months`;
  const years = days / 365.25;
  return `${years < 10 ? years.toFixed(1) : formatCount(years)} years`;
}

/**
 * The pace while catching up: "2.4 years of source history copied per hour". Undefined
 * before there is one, and once caught up (the watermark then follows the clock, and the ratio of
 * history copied to time spent says nothing about what is left).
 */
export function paceText(estimate: {
  dataHoursPerHour: number | null;
  secondsToCatchUp: number | null;
}): string | undefined {
  if (estimate.dataHoursPerHour === null || estimate.secondsToCatchUp === 0) return undefined;
  return `${formatTimelinePace(estimate.dataHoursPerHour)} of source history copied per hour`;
}

/** "13:00" for an hour bucket's start. */
export function formatHour(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(11, 16);
}

/** "05-01" for a day label on the chart. */
export function formatDay(iso: string): string {
  return new Date(Date.parse(iso)).toISOString().slice(5, 10);
}

/** 0.8234 → "82%"; never rounds up to 100% before it is complete. */
export function formatPercent(fraction: number): string {
  const p = Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
  return `${p}%`;
}

/** "1 chunk" / "3 chunks". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : pluralWord}`;
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function formatTable(rows: readonly (readonly string[])[], indent = ""): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
    )
    .join("\n");
}
