/**
 * Instants typed by people: app settings (AZURE_StartDate, AZURE_EndDate, lift-and-shift's
 * `--since`/`--till`) and the cutover's freeze (Cutover_Http `?freeze=`, `fhir-migrate cutover
 * --freeze`). Date.parse rolls impossible fields over (`2026-02-30` becomes 2026-03-02, `T24:00`
 * the next day), which would silently move a migration boundary or a cutover, so every field is
 * checked against its range first.
 */

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface InstantForm {
  /** A plain date (`2024-01-31`, midnight UTC) is accepted. */
  dateOnly: boolean;
  /** Most digits of a fraction of a second. */
  fractionDigits: number;
}

/**
 * Milliseconds since the epoch of an ISO 8601 instant with a time zone (or a plain date, when the
 * form allows it); undefined when the text is not one or names a day, hour, minute, second or
 * offset that does not exist. A fraction is truncated to milliseconds.
 */
export function parseInstantText(text: string, form: InstantForm): number | undefined {
  const m = INSTANT.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  if (h === undefined && !form.dateOnly) return undefined;
  if (fraction !== undefined && fraction.length > form.fractionDigits) return undefined;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== "Z") {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const millis = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  const utc = new Date(0);
  // setUTCFullYear, not Date.UTC: years 0-99 would be read as 1900-1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offsetMinutes * 60_000;
}
