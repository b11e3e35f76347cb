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
