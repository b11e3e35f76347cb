import type { FailedResourceReason } from "../storage/migrationStateStore";
import { reportText } from "./redactText";
import type { FailedResourceGroup } from "./report";
import { SAMPLE_IDS } from "./report";

/** Distinct (type, reason) groups kept while counting; rows beyond it count into one overflow group. */
export const MAX_GROUPS = 500;
/** Reason text kept per group. */
const REASON_LENGTH = 500;

/** What the status needs of the failed-resource rows: groups, and how much was read. */
export interface FailedResourceSummary {
  groups: FailedResourceGroup[];
  rowsRead: number;
  /** More rows exist than were read. */
  rowsCapped: boolean;
}

/** A character that can continue a FHIR id or a dotted name: A-Z a-z 0-9 . - */
function isIdChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 46 ||
    code === 45
  );
}

/**
 * The reason with this resource's id replaced by `{id}`: the destination names the resource in
 * its error text ("Patient/abc: ..."), which would otherwise make every row its own group. Only
 * whole occurrences count (not "abc" inside "abcd" or "x.abc"). One scan of the text, no pattern
 * compiled per row: the status groups up to MAX_FAILED_ROWS_READ rows per build.
 */
export function reasonPattern(reason: string, id: string): string {
  const text = reportText(reason, REASON_LENGTH);
  if (id === "") return text;
  let out = "";
  let copied = 0;
  let at = text.indexOf(id);
  while (at !== -1) {
    const end = at + id.length;
    const whole =
      (at === 0 || !isIdChar(text.charCodeAt(at - 1))) &&
      (end === text.length || !isIdChar(text.charCodeAt(end)));
    if (whole) {
      out += `${text.slice(copied, at)}{id}`;
      copied = end;
    }
    at = text.indexOf(id, whole ? end : at + 1);
  }
  return out + text.slice(copied);
}

/**
 * Counts failed-resource rows by resource type and reason, keeping a few sample ids per group,
 * in bounded memory (failed rows can number millions in a bad migration).
 */
export class FailedResourceTally {
  private readonly groups = new Map<string, FailedResourceGroup>();
  private overflow: FailedResourceGroup | undefined;
  private read = 0;
  private capped = false;

  add(record: FailedResourceReason): void {
    this.read++;
    const reason = reasonPattern(record.reason, record.id);
    const key = `${record.resourceType}\u0000${reason}`;
    let group = this.groups.get(key);
    if (group === undefined && this.groups.size >= MAX_GROUPS) {
      this.overflow ??= {
        resourceType: "(various)",
        reason: `(other reasons: more than ${MAX_GROUPS} distinct type and reason pairs)`,
        count: 0,
        samples: [],
      };
      group = this.overflow;
    } else if (group === undefined) {
      group = { resourceType: record.resourceType, reason, count: 0, samples: [] };
      this.groups.set(key, group);
    }
    group.count++;
    if (group.samples.length < SAMPLE_IDS && !group.samples.some((s) => s.id === record.id)) {
      group.samples.push({ id: record.id, chunk: record.chunkSeq });
    }
  }

  /** Call when reading stopped at a limit while more rows existed. */
  markCapped(): void {
    this.capped = true;
  }

  summary(): FailedResourceSummary {
    const groups = [...this.groups.values()].sort(
      (a, b) =>
        b.count - a.count ||
        a.resourceType.localeCompare(b.resourceType) ||
        a.reason.localeCompare(b.reason),
    );
    // The overflow is not one problem, so it goes last whatever its size.
    if (this.overflow !== undefined) groups.push(this.overflow);
    return { groups, rowsRead: this.read, rowsCapped: this.capped };
  }
}
