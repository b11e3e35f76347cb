/**
 * Which versions an export contains and how they are split into processing jobs and files
 * (docs/server-behaviour.md §1.6, §2.3, §2.4):
 * - windows are [since, tillBound) on each version's own lastUpdated (tillBound: inclusive `_till` on
 *   Cosmos and SQL non-parallel, exclusive on the SQL parallel path);
 * - without `_history` only current versions, without `_deleted` no deleted versions;
 * - parallel: per type (Observation first), one processing job per `_maxCount` versions;
 *   non-parallel: one stream over all types in surrogate-id order, one processing job per page of
 *   `_maxCount`, so a page holding several types writes several files with the same job id;
 * - within a processing job a type's file rolls to sequence+1 after `rollingFileResources` lines.
 */
import { isKnownResourceType } from "./fhir-resource-types";
import { resourceNotFound } from "./messages";
import { tillBound, type ExportDefinition, type TypeFilter } from "./export-request";
import { dateFilterMatches } from "./search-query";
import { compareKey, keyOf } from "./sorted-index";
import type { EmulatorStore } from "./store";
import type { StoredVersion } from "./stored-version";

export interface PlannedFile {
  type: string;
  processingJobId: number;
  /** The processing job's id as it appears in file names (JobIds.text). */
  processingJobText: string;
  sequence: number;
  versions: StoredVersion[];
}

export type Selection =
  { ok: true; versions: StoredVersion[] } | { ok: false; status: number; reason: string };

function inWindow(v: StoredVersion, since: number | undefined, till: number): boolean {
  return (since === undefined || v.lastUpdatedMs >= since) && v.lastUpdatedMs < till;
}

function passesTypeFilters(v: StoredVersion, filters: readonly TypeFilter[]): boolean {
  const own = filters.filter((f) => f.type === v.resourceType);
  if (own.length === 0) return true;
  return own.some(
    (f) =>
      (f.ids === undefined || f.ids.includes(v.id)) &&
      f.dates.every((d) => dateFilterMatches(v.lastUpdatedMs, d)),
  );
}

const PATIENT_REFERENCE = /"reference"\s*:\s*"Patient\/([^"/]+)"/g;

/** Patient compartment stand-in: a Patient, or any resource referencing one of the patients. */
function inCompartment(v: StoredVersion, patients: ReadonlySet<string>): boolean {
  if (v.resourceType === "Patient") return patients.has(v.id);
  for (const m of v.text.matchAll(PATIENT_REFERENCE)) if (patients.has(m[1] as string)) return true;
  return false;
}

export function selectVersions(
  store: EmulatorStore,
  def: ExportDefinition,
  createdMs: number,
): Selection {
  const till = tillBound(def, createdMs);
  const types = def.types ?? store.usedTypes();
  let patients: Set<string> | undefined;
  if (def.level.kind === "patient") {
    patients = new Set(store.currentVersions("Patient").map((p) => p.id));
  } else if (def.level.kind === "group") {
    const group = store.read("Group", def.level.groupId);
    if (group === undefined) {
      return { ok: false, status: 404, reason: resourceNotFound("Group", def.level.groupId) };
    }
    const members =
      (group.resource as { member?: { entity?: { reference?: string } }[] }).member ?? [];
    patients = new Set(
      members
        .map((m) => m.entity?.reference ?? "")
        .filter((r) => r.startsWith("Patient/"))
        .map((r) => r.slice("Patient/".length)),
    );
  }
  const withOlder = def.includeHistory || def.includeDeleted;
  const versions: StoredVersion[] = [];
  for (const type of types) {
    if (!isKnownResourceType(type)) continue;
    const index = store.index(withOlder ? "all" : "current", type);
    const from = def.since === undefined ? 0 : index.firstAtOrAfterMs(def.since);
    for (let i = from; i < index.size; i++) {
      const v = index.at(i) as StoredVersion;
      if (!inWindow(v, def.since, till)) break;
      if (v.deleted && !def.includeDeleted) continue;
      if (!v.isCurrent && !def.includeHistory) continue;
      if (!passesTypeFilters(v, def.typeFilters)) continue;
      if (patients !== undefined && !inCompartment(v, patients)) continue;
      versions.push(v);
    }
  }
  return { ok: true, versions };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Splits the selection into processing jobs (ids from `nextId`) and rolling files. */
export function planFiles(
  versions: readonly StoredVersion[],
  def: ExportDefinition,
  rollingFileResources: number,
  nextId: () => number,
  idText: (id: number) => string = String,
): PlannedFile[] {
  const ordered = [...versions].sort((a, b) => compareKey(keyOf(a), keyOf(b)));
  let pages: StoredVersion[][];
  if (def.isParallel) {
    const byType = new Map<string, StoredVersion[]>();
    for (const v of ordered) {
      let list = byType.get(v.resourceType);
      if (list === undefined) byType.set(v.resourceType, (list = []));
      list.push(v);
    }
    const typeOrder = [...byType.keys()].sort((a, b) =>
      a === "Observation" ? -1 : b === "Observation" ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
    pages = typeOrder.flatMap((t) => chunk(byType.get(t) ?? [], def.maxCount));
  } else {
    pages = chunk(ordered, def.maxCount);
  }
  const files: PlannedFile[] = [];
  for (const pageVersions of pages) {
    const processingJobId = nextId();
    const processingJobText = idText(processingJobId);
    const byType = new Map<string, StoredVersion[]>();
    for (const v of pageVersions) {
      let list = byType.get(v.resourceType);
      if (list === undefined) byType.set(v.resourceType, (list = []));
      list.push(v);
    }
    for (const [type, list] of byType) {
      chunk(list, rollingFileResources).forEach((part, i) =>
        files.push({ type, processingJobId, processingJobText, sequence: i + 1, versions: part }),
      );
    }
  }
  return files;
}

export function fileName(f: PlannedFile): string {
  return `${f.type}-${f.processingJobText}-${f.sequence}.ndjson`;
}

/** Manifest order: by type (ordinal), then processing-job order, then sequence. */
export function manifestOrder(a: PlannedFile, b: PlannedFile): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.processingJobId - b.processingJobId || a.sequence - b.sequence;
}
